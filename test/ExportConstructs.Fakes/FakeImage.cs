namespace ExportConstructs.Fakes;

/// <summary>An AMI the fake EC2 knows.</summary>
internal sealed record FakeImage(string ImageId, string Name, List<string> Snapshots, Dictionary<string, string> Tags, bool Exportable = true);

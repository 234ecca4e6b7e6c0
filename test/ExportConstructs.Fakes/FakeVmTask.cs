namespace ExportConstructs.Fakes;

/// <summary>An EC2 export-image-task over time.</summary>
internal sealed class FakeVmTask
{
    public required string Id { get; init; }
    public required string ImageId { get; init; }
    public required string Format { get; init; }
    public required string Bucket { get; init; }
    public required string Prefix { get; init; }
    public required string RoleName { get; init; }
    public string? ClientToken { get; init; }
    public Dictionary<string, string> Tags { get; init; } = [];
    public string Status { get; set; } = "active";
    public string StatusMessage { get; set; } = "validating";
    public int Polls { get; set; }
    public bool Cancelled { get; set; }
    public bool DeletingSeen { get; set; }
    public string Key => $"{Prefix}{Id}.{Format.ToLowerInvariant()}";
    public DateTimeOffset Created { get; init; }
}

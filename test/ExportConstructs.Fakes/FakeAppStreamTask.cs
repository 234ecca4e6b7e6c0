namespace ExportConstructs.Fakes;

/// <summary>An AppStream export task over time.</summary>
internal sealed class FakeAppStreamTask
{
    public required string TaskId { get; init; }
    public required string ImageName { get; init; }
    public required string AmiName { get; init; }
    public string? AmiDescription { get; init; }
    public Dictionary<string, string> Tags { get; init; } = [];
    public string State { get; set; } = "EXPORTING";
    public string? AmiId { get; set; }
    public int Polls { get; set; }
    public DateTimeOffset Created { get; init; }
    public List<(string Code, string Message)> Errors { get; } = [];
}

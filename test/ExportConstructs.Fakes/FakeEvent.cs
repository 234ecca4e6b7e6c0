namespace ExportConstructs.Fakes;

/// <summary>An event the fake EventBridge accepted: what the entry said, and the id it was given.</summary>
internal sealed record FakeEvent(
    string EventId,
    string EventBusArn,
    string Source,
    string DetailType,
    string Detail,
    IReadOnlyList<string> Resources,
    DateTimeOffset Time);

namespace ExportConstructs.Fakes;

/// <summary>
/// One call that asks AWS to start an export (EC2 <c>ExportImage</c>, AppStream
/// <c>CreateExportImageTask</c>), as the fake answered it: when (on <see cref="FakeAws.Clock"/>), which
/// action ("EC2:ExportImage", "AppStream:CreateExportImageTask"), for what (the AMI id, the AppStream
/// image name), whether it was refused and with which error code, and the task it returned (a new
/// one, or the earlier one a repeated ClientToken names).
/// </summary>
internal sealed record FakeStartAttempt(DateTimeOffset At, string Action, string Key, bool Refused, string? Code, string? TaskId);

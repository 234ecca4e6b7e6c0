using System.Text.Json.Serialization;

namespace ExportConstructs.Contract;

/// <summary>
/// The <c>detail</c> of an <see cref="ExportEvents"/> event, in camelCase JSON. Everything a
/// consumer needs to act on the outcome without calling AWS or CloudFormation: what was exported,
/// where the result is, how long it took, and which stack resource it belongs to.
/// </summary>
internal sealed class ExportEventDetail
{
    /// <summary>
    /// The shape's version (<see cref="ExportEvents.SchemaVersion"/>), so a consumer can tell an
    /// event it understands from a newer one before reading any other field.
    /// </summary>
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; set; } = ExportEvents.SchemaVersion;

    /// <summary>
    /// <see cref="ExportEvents.EventIdOf"/>: the same for every delivery of one outcome, so duplicates
    /// can be dropped (EventBridge's own event id differs per PutEvents call).
    /// </summary>
    [JsonPropertyName("eventId")] public string EventId { get; set; } = "";

    /// <summary>Which construct (<see cref="ExportEvents.Kinds"/>): it says which <see cref="Attributes"/> to expect.</summary>
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";

    /// <summary>The export task id (EC2 export-image-task or AppStream task): the resource's physical id, and what AWS's own APIs take.</summary>
    [JsonPropertyName(ExportEvents.DetailFields.TaskId)] public string TaskId { get; set; } = "";

    /// <summary>The final state (<see cref="ExportEvents.States"/>), repeated from the detail-type for consumers that receive the detail alone.</summary>
    [JsonPropertyName("state")] public string State { get; set; } = "";

    /// <summary>Why it did not complete (AWS's status message and error codes, or the timeout); null when completed.</summary>
    [JsonPropertyName("reason")] public string? Reason { get; set; }

    /// <summary>
    /// The construct's attributes, by the names <c>GetAtt</c> uses (<see cref="ExportedVmImageAttributeNames"/>:
    /// bucket, key, URI, format; <see cref="AppStreamAmiExportAttributeNames"/>: AMI id, image ARN, AMI
    /// name): where the result is. Those not known at that state are left out.
    /// </summary>
    [JsonPropertyName(ExportEvents.DetailFields.Attributes)] public Dictionary<string, string> Attributes { get; set; } = [];

    /// <summary>When the export started (UTC); null when the handler no longer knows it.</summary>
    [JsonPropertyName("startedAt")] public DateTime? StartedAt { get; set; }

    /// <summary>When the handler saw the final state (UTC): also the event's <c>time</c>.</summary>
    [JsonPropertyName("endedAt")] public DateTime EndedAt { get; set; }

    /// <summary><see cref="EndedAt"/> − <see cref="StartedAt"/> in seconds, so a consumer need not parse two times; null without a start.</summary>
    [JsonPropertyName("durationSeconds")] public double? DurationSeconds { get; set; }

    /// <summary>The stack's id (ARN): with <see cref="LogicalId"/>, the resource the export belongs to (also the owner tags' values).</summary>
    [JsonPropertyName(ExportEvents.DetailFields.StackId)] public string StackId { get; set; } = "";

    /// <summary>The resource's logical id in that stack.</summary>
    [JsonPropertyName(ExportEvents.DetailFields.LogicalId)] public string LogicalId { get; set; } = "";

    /// <summary>
    /// The construct's path in the CDK app (e.g. <c>MyStack/VmImage</c>), the name a developer knows
    /// it by; null when the resource does not carry it (the handler knows no path of its own).
    /// </summary>
    [JsonPropertyName("constructPath")] public string? ConstructPath { get; set; }

    /// <summary>
    /// A detail for one final state, with <see cref="EventId"/> and <see cref="DurationSeconds"/>
    /// derived from the rest, so that every caller derives them the same way.
    /// </summary>
    public static ExportEventDetail For(
        string kind, string taskId, string state, string stackId, string logicalId,
        DateTime? startedAt, DateTime endedAt, IReadOnlyDictionary<string, string>? attributes = null,
        string? reason = null, string? constructPath = null)
    {
        ExportEvents.DetailTypeOf(state); // refuses a state that is not final
        var ended = DateTime.SpecifyKind(endedAt, DateTimeKind.Utc);
        var started = startedAt is { } s ? DateTime.SpecifyKind(s, DateTimeKind.Utc) : (DateTime?)null;
        return new ExportEventDetail
        {
            EventId = ExportEvents.EventIdOf(stackId, logicalId, taskId, state),
            Kind = kind,
            TaskId = taskId,
            State = state,
            Reason = reason,
            Attributes = attributes?.ToDictionary(a => a.Key, a => a.Value) ?? [],
            StartedAt = started,
            EndedAt = ended,
            DurationSeconds = started is { } from ? Math.Round((ended - from).TotalSeconds, 3) : null,
            StackId = stackId,
            LogicalId = logicalId,
            ConstructPath = constructPath,
        };
    }
}

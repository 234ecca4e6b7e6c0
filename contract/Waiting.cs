using System.Text.Json;
using System.Text.Json.Serialization;

namespace ExportConstructs.Contract;

/// <summary>
/// How an export waits, as resource properties (data, not infrastructure: every export shares one
/// Provider). Present whenever the export waits: the handler keeps to <see cref="TimeoutSeconds"/>
/// and <see cref="IntervalSeconds"/> itself. On the long-wait path (longer than a custom resource
/// may wait) <see cref="Signal"/> and <see cref="Poller"/> are set too: the export resource then
/// completes at once and starts the poller, which signals that WaitCondition when the export ends.
/// </summary>
internal sealed class WaitProperties
{
    /// <summary>
    /// Logical id of the WaitCondition (with a CreationPolicy) that the poller signals through
    /// <c>cloudformation:SignalResource</c>. A name, not a credential: no presigned handle URL.
    /// </summary>
    [JsonPropertyName("Signal")] public string? Signal { get; set; }

    /// <summary>
    /// On the long path's result resource: when the export's wait ended (Unix seconds), the export
    /// resource's <see cref="DeadlineAttribute"/>. A result that finds the export still running after
    /// it fails at once, naming the Timeout (the poller signals at the deadline so that it runs).
    /// </summary>
    [JsonPropertyName("Deadline")] public string? Deadline { get; set; }

    /// <summary>The export resource's attribute that carries the deadline to its result resource.</summary>
    public const string DeadlineAttribute = "WaitDeadline";

    /// <summary>ARN of the poller state machine.</summary>
    [JsonPropertyName("Poller")] public string? Poller { get; set; }

    /// <summary>Seconds between polls.</summary>
    [JsonPropertyName("IntervalSeconds")] public string? IntervalSeconds { get; set; }

    /// <summary>Seconds to wait for the export; on the long path the WaitCondition's timeout, at which the poller gives up too.</summary>
    [JsonPropertyName("TimeoutSeconds")] public string? TimeoutSeconds { get; set; }

    /// <summary><see cref="IntervalSeconds"/> as a number (CloudFormation hands scalars over as strings); <paramref name="fallback"/> when absent.</summary>
    public int IntervalOr(int fallback) => Parse(IntervalSeconds, fallback);

    /// <summary><see cref="TimeoutSeconds"/> as a number; <paramref name="fallback"/> when absent.</summary>
    public int TimeoutOr(int fallback) => Parse(TimeoutSeconds, fallback);

    private static int Parse(string? value, int fallback) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) ? seconds : fallback;
}

/// <summary>
/// The input of the poller state machine (the handler builds it when it starts an execution,
/// the state machine passes it to every poll) and what each poll answers.
/// </summary>
internal sealed class PollerInput
{
    /// <summary>Field the state machine's Wait state reads its seconds from.</summary>
    public const string IntervalField = "IntervalSeconds";

    /// <summary>Resource type of the export.</summary>
    [JsonPropertyName("ResourceType")] public string ResourceType { get; set; } = "";

    /// <summary>The stack (its id), whose WaitCondition the poller signals.</summary>
    [JsonPropertyName("StackId")] public string StackId { get; set; } = "";

    /// <summary>Its physical id: the task id, or a queued export's queue id (the poller then retries its start).</summary>
    [JsonPropertyName("PhysicalResourceId")] public string PhysicalResourceId { get; set; } = "";

    /// <summary>Its resource properties, as CloudFormation gave them.</summary>
    [JsonPropertyName("ResourceProperties")] public JsonElement ResourceProperties { get; set; }

    /// <summary>Seconds between polls (a number: the Wait state needs one).</summary>
    [JsonPropertyName(IntervalField)] public int IntervalSeconds { get; set; }

    /// <summary>The export resource's logical id: a queued export's start attempts tag the task with it.</summary>
    [JsonPropertyName("LogicalId")] public string? LogicalId { get; set; }

    /// <summary>A queued replacement's start attempts tag the task with the export it replaces.</summary>
    [JsonPropertyName("Replaces")] public string? Replaces { get; set; }

    /// <summary>
    /// The previous poll's answer: the state machine keeps it under <c>$.Poll</c> (its ResultPath) and
    /// hands the whole state to the next poll, so a queued export's started task id carries over.
    /// </summary>
    [JsonPropertyName("Poll")] public PollerOutput? Poll { get; set; }

    /// <summary>When the wait or the watch began (Unix seconds): the completion event's start. Absent from executions started before it was added.</summary>
    [JsonPropertyName("StartedUnixSeconds")] public long? StartedUnixSeconds { get; set; }

    /// <summary>When the poller gives up, Unix seconds.</summary>
    [JsonPropertyName("DeadlineUnixSeconds")] public long DeadlineUnixSeconds { get; set; }
}

/// <summary>A poll's answer; the state machine loops until <see cref="Done"/>.</summary>
internal sealed class PollerOutput
{
    /// <summary>Field the state machine's Choice state reads.</summary>
    public const string DoneField = "Done";

    /// <summary>True once the export has ended and its WaitCondition was signalled (a watcher: its event put), or the deadline passed.</summary>
    [JsonPropertyName(DoneField)] public bool Done { get; set; }

    /// <summary>The task a queued export started (its poller's later polls need not look for it again).</summary>
    [JsonPropertyName("TaskId")] public string? TaskId { get; set; }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace ExportConstructs.Handler.CustomResources;

/// <summary>
/// What the Provider framework hands onEvent (the CloudFormation request) and isComplete (the
/// same request merged with onEvent's output).
/// </summary>
internal sealed class CustomResourceRequest
{
    /// <summary>Create, Update or Delete.</summary>
    [JsonPropertyName("RequestType")] public string RequestType { get; set; } = "";
    /// <summary>Unique per CloudFormation request; repeated when the same request is retried.</summary>
    [JsonPropertyName("RequestId")] public string RequestId { get; set; } = "";
    /// <summary>The stack's ARN.</summary>
    [JsonPropertyName("StackId")] public string StackId { get; set; } = "";
    /// <summary>The resource's logical id in the template.</summary>
    [JsonPropertyName("LogicalResourceId")] public string LogicalResourceId { get; set; } = "";
    /// <summary>Set on Update and Delete, and on isComplete from onEvent's answer.</summary>
    [JsonPropertyName("PhysicalResourceId")] public string? PhysicalResourceId { get; set; }
    /// <summary>The <c>Custom::</c> type.</summary>
    [JsonPropertyName("ResourceType")] public string ResourceType { get; set; } = "";
    /// <summary>Where the framework will send the final answer; unused here.</summary>
    [JsonPropertyName("ResponseURL")] public string? ResponseUrl { get; set; }
    /// <summary>The resource's properties.</summary>
    [JsonPropertyName("ResourceProperties")] public JsonElement ResourceProperties { get; set; }
    /// <summary>The previous properties, on Update.</summary>
    [JsonPropertyName("OldResourceProperties")] public JsonElement? OldResourceProperties { get; set; }
    /// <summary>
    /// What onEvent decided, passed on to isComplete by the framework (any extra key of onEvent's
    /// answer is).
    /// </summary>
    [JsonPropertyName(OnEventResponse.ActionKey)] public string? Action { get; set; }
    /// <summary>When the wait began (Unix seconds), from onEvent's answer: the clock of the export's Timeout and PollInterval.</summary>
    [JsonPropertyName(OnEventResponse.WaitStartedKey)] public long? WaitStartedAt { get; set; }
    /// <summary>On a short-path replacement, from onEvent's answer: the new export, which isComplete waits for.</summary>
    [JsonPropertyName(OnEventResponse.NewTaskKey)] public string? NewTaskId { get; set; }
    /// <summary>From onEvent's answer: why the operation failed after an export was started (isComplete reports it).</summary>
    [JsonPropertyName(OnEventResponse.FailureKey)] public string? Failure { get; set; }
    /// <summary>From onEvent's answer on the long path: when the poller's wait ends (Unix seconds).</summary>
    [JsonPropertyName(OnEventResponse.DeadlineKey)] public long? WaitDeadline { get; set; }
    /// <summary>From a Delete's onEvent answer: the export deleted is the one CloudFormation holds, so isComplete also ends its strays.</summary>
    [JsonPropertyName(OnEventResponse.StraysKey)] public bool? EndStrays { get; set; }
    /// <summary>From a Delete's onEvent answer: the held export this one is a stray of (it ends it, if this Delete cannot wait long enough).</summary>
    [JsonPropertyName(OnEventResponse.StrayOfKey)] public string? StrayOf { get; set; }
    /// <summary>From a Delete's onEvent answer: it stops an export that was still running, which isComplete reports cancelled when done.</summary>
    [JsonPropertyName(OnEventResponse.StoppingKey)] public bool? Stopping { get; set; }
}

/// <summary>onEvent's answer to the framework.</summary>
internal sealed class OnEventResponse
{
    /// <summary>Name of the extra key that carries <see cref="Action"/> to isComplete.</summary>
    public const string ActionKey = "ExportAction";

    /// <summary>The resource's id; a new one on Update means replacement.</summary>
    [JsonPropertyName("PhysicalResourceId")] public string PhysicalResourceId { get; set; } = "";
    /// <summary>What isComplete has to finish; see <see cref="ExportActions"/>.</summary>
    [JsonPropertyName(ActionKey)] public string Action { get; set; } = "";

    /// <summary>Name of the extra key that carries <see cref="WaitStartedAt"/> to isComplete.</summary>
    public const string WaitStartedKey = "ExportWaitStartedAt";

    /// <summary>
    /// When the wait began, Unix seconds. isComplete can keep no state between calls (the framework
    /// passes it the same input each time), so the export's Timeout and PollInterval are counted from this.
    /// </summary>
    [JsonPropertyName(WaitStartedKey)] public long? WaitStartedAt { get; set; }

    /// <summary>Name of the extra key that carries <see cref="NewTaskId"/> to isComplete.</summary>
    public const string NewTaskKey = "ExportNewTaskId";

    /// <summary>
    /// On a short-path replacement: the export just started. The physical id stays the old one
    /// until that export has completed (CloudFormation records the id of a FAILED answer too).
    /// </summary>
    [JsonPropertyName(NewTaskKey)] public string? NewTaskId { get; set; }

    /// <summary>Name of the extra key that carries <see cref="Failure"/> to isComplete.</summary>
    public const string FailureKey = "ExportFailure";

    /// <summary>
    /// Why a Create failed after its export was started. onEvent does not throw then (the framework
    /// would answer with its marker id and never pass the rollback Delete on): isComplete throws this.
    /// </summary>
    [JsonPropertyName(FailureKey)] public string? Failure { get; set; }

    /// <summary>Name of the extra key that carries <see cref="WaitDeadline"/> to isComplete.</summary>
    public const string DeadlineKey = "ExportWaitDeadline";

    /// <summary>On the long path: when the poller's wait ends, answered as an attribute for the result resource.</summary>
    [JsonPropertyName(DeadlineKey)] public long? WaitDeadline { get; set; }

    /// <summary>Name of the extra key that carries <see cref="EndStrays"/> to isComplete.</summary>
    public const string StraysKey = "ExportEndStrays";

    /// <summary>
    /// On a Delete of the export CloudFormation holds (not of a generation it replaced): isComplete
    /// also applies the removal policy to the export's strays (see <c>IExportKind.FinishStraysAsync</c>).
    /// </summary>
    [JsonPropertyName(StraysKey)] public bool? EndStrays { get; set; }

    /// <summary>Name of the extra key that carries <see cref="StrayOf"/> to isComplete.</summary>
    public const string StrayOfKey = "ExportStrayOf";

    /// <summary>
    /// On a Delete of a running export that replaced the export CloudFormation holds (a stray: its
    /// Update failed or was rolled back, and AppStream cannot stop it): the held export's id. Its own
    /// Delete ends the stray, so this Delete, waiting for an export to end, gives up at the
    /// Provider's time limit by releasing it rather than by failing (which CloudFormation would
    /// retry, then drop with a warning).
    /// </summary>
    [JsonPropertyName(StrayOfKey)] public string? StrayOf { get; set; }

    /// <summary>Name of the extra key that carries <see cref="Stopping"/> to isComplete.</summary>
    public const string StoppingKey = "ExportStopping";

    /// <summary>
    /// On a Delete that found its export running and ends it: isComplete reports the export
    /// cancelled once the Delete is done (once per Delete however often onEvent is delivered; a
    /// Delete that fails and is retried reports it when the retry is done).
    /// </summary>
    [JsonPropertyName(StoppingKey)] public bool? Stopping { get; set; }
}

/// <summary>isComplete's answer to the framework.</summary>
internal sealed class IsCompleteResponse
{
    /// <summary>True once the operation is done.</summary>
    [JsonPropertyName("IsComplete")] public bool IsComplete { get; set; }
    /// <summary>The attributes; only sent with <see cref="IsComplete"/> true (the framework refuses it otherwise).</summary>
    [JsonPropertyName("Data")] public Dictionary<string, string>? Data { get; set; }
    /// <summary>A new physical id, only with <see cref="IsComplete"/> true: a short-path replacement that completed.</summary>
    [JsonPropertyName("PhysicalResourceId")] public string? PhysicalResourceId { get; set; }

    /// <summary>Not done yet: the framework asks again after its query interval.</summary>
    public static IsCompleteResponse Pending { get; } = new();

    /// <summary>Done, with these attributes.</summary>
    public static IsCompleteResponse Done(Dictionary<string, string>? data = null) => new() { IsComplete = true, Data = data };
}

/// <summary>Values of <see cref="OnEventResponse.Action"/>.</summary>
internal static class ExportActions
{
    /// <summary>An export was started (or found already started); isComplete waits for it.</summary>
    public const string Started = "started";
    /// <summary>An Update that changed nothing exported; isComplete reports the current attributes.</summary>
    public const string Kept = "kept";
    /// <summary>A Delete; isComplete waits until the export is stopped and the removal policy applied.</summary>
    public const string Deleting = "deleting";
    /// <summary>The poller waits for the export (long-wait path); isComplete answers at once.</summary>
    public const string Polling = "polling";
    /// <summary>A Create whose export started but whose wait could not begin: isComplete fails with the reason, under the export's id.</summary>
    public const string Failed = "failed";
    /// <summary>A short-path replacement: isComplete waits for the new export and then answers its id.</summary>
    public const string Replacing = "replacing";
    /// <summary>
    /// A short-path Create whose start AWS refused for a limit that frees up: the physical id is a
    /// queue id, and isComplete retries the start at each poll, then waits and answers the task id.
    /// </summary>
    public const string Queued = "queued";
    /// <summary>A Delete with nothing left to wait for (a result resource, or an id CloudFormation made up).</summary>
    public const string Released = "released";
}

/// <summary>Source-generated JSON for the framework's messages.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CustomResourceRequest))]
[JsonSerializable(typeof(OnEventResponse))]
[JsonSerializable(typeof(IsCompleteResponse))]
internal sealed partial class FrameworkJsonContext : JsonSerializerContext;

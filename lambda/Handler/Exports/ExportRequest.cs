using System.Security.Cryptography;
using System.Text;
using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;

namespace ExportConstructs.Handler.Exports;

/// <summary>
/// One request about one export, parsed once: a CloudFormation request (with what onEvent told
/// isComplete), or a poll of the long-wait path. The kinds get this plain data, never the raw
/// request; <see cref="ForTask"/> points the same request at another export (a replacement, one
/// found by its owner tags).
/// </summary>
internal sealed record ExportRequest
{
    /// <summary>Create, Update or Delete; <see cref="Poll"/> for the long-wait poller.</summary>
    public required string RequestType { get; init; }

    /// <summary>The request type of a poll of the long-wait path.</summary>
    public const string Poll = "Poll";

    /// <summary>The <c>Custom::</c> type (an export's or a result's).</summary>
    public required string ResourceType { get; init; }

    /// <summary>The stack's ARN: the owner tags carry it.</summary>
    public required string StackId { get; init; }

    /// <summary>The resource's logical id: the owner tags carry it.</summary>
    public required string LogicalId { get; init; }

    /// <summary>The export task this request is about (the physical id); null on a Create's onEvent.</summary>
    public string? TaskId { get; init; }

    /// <summary>The resource's properties, as the kind's contract type.</summary>
    public required ExportProperties Properties { get; init; }

    /// <summary>The properties before an Update; null otherwise.</summary>
    public ExportProperties? OldProperties { get; init; }

    /// <summary>
    /// A stable digest of the CloudFormation request (stack, logical id, request id). The framework
    /// may deliver one request more than once: the digest finds the export it already started (EC2's
    /// ClientToken; a tag on AppStream tasks, which take no token). 64 hex characters.
    /// </summary>
    public required string Fingerprint { get; init; }

    /// <summary>What onEvent told isComplete (empty on onEvent itself and on a poll).</summary>
    public OnEventResponse Decided { get; init; } = new();

    /// <summary>The wait settings, or null when the export does not wait through the handler's clock.</summary>
    public WaitProperties? Wait => Properties.Wait;

    /// <summary>True on the long-wait path (a poller state machine waits).</summary>
    public bool LongPath => Wait?.Poller is { Length: > 0 };

    /// <summary>The same request about another export task.</summary>
    public ExportRequest ForTask(string taskId) => this with { TaskId = taskId };

    /// <summary>Parses a framework request with the kind serving its type.</summary>
    public static ExportRequest From(CustomResourceRequest request, IExportKind kind) => new()
    {
        RequestType = request.RequestType,
        ResourceType = request.ResourceType,
        StackId = request.StackId,
        LogicalId = request.LogicalResourceId,
        TaskId = request.PhysicalResourceId,
        Properties = kind.Read(request.ResourceProperties),
        OldProperties = request.OldResourceProperties is { ValueKind: System.Text.Json.JsonValueKind.Object } old ? kind.Read(old) : null,
        Fingerprint = FingerprintOf(request),
        Decided = new OnEventResponse
        {
            Action = request.Action ?? "", WaitStartedAt = request.WaitStartedAt, NewTaskId = request.NewTaskId,
            Failure = request.Failure, WaitDeadline = request.WaitDeadline, EndStrays = request.EndStrays, StrayOf = request.StrayOf,
            Stopping = request.Stopping,
            PhysicalResourceId = request.PhysicalResourceId ?? "",
        },
    };

    /// <summary>A poll of the long-wait path, about the task the poller was started for.</summary>
    public static ExportRequest From(PollerInput input, IExportKind kind) => new()
    {
        RequestType = Poll,
        ResourceType = input.ResourceType,
        StackId = input.StackId,
        LogicalId = input.LogicalId ?? "poller",
        TaskId = input.PhysicalResourceId,
        Properties = kind.Read(input.ResourceProperties),
        Fingerprint = FingerprintOf(input.StackId, "poller", input.PhysicalResourceId),
    };

    /// <summary>The <see cref="Fingerprint"/> of a CloudFormation request.</summary>
    public static string FingerprintOf(CustomResourceRequest request) => FingerprintOf(request.StackId, request.LogicalResourceId, request.RequestId);

    private static string FingerprintOf(string stackId, string logicalId, string requestId) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{stackId}\n{logicalId}\n{requestId}")));
}

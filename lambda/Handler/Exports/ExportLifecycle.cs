using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;
using ExportConstructs.Handler.Waiting;

namespace ExportConstructs.Handler.Exports;

/// <summary>
/// The CloudFormation lifecycle of an export, for every kind: Create starts; Update replaces when
/// what is exported changed and keeps (re-tagging) otherwise (<c>ExportLifecycle.Update.cs</c>);
/// Delete stops and applies the removal policy (<c>ExportLifecycle.Delete.cs</c>); isComplete waits
/// for each of these (<see cref="ShortWait"/>). On the long-wait path the export resource hands the
/// waiting to the poller (<see cref="PollerExecutions"/>), and a result resource, after the
/// WaitCondition, reports the finished export's attributes.
/// </summary>
internal sealed partial class ExportLifecycle
{
    private readonly Dictionary<string, IExportKind> _kinds;
    private readonly PollerExecutions _pollers;
    private readonly StackReads _stack;
    private readonly ShortWait _wait;
    private readonly QueueWait _queueWait;
    private readonly Telemetry.ExportEventPublisher? _events;
    private readonly Telemetry.ExportMetrics? _metrics;
    private readonly TimeProvider _clock;
    private readonly Action<string> _log;

    /// <summary>The rules over these kinds, with the clients of the wait and of the stack's reads.</summary>
    public ExportLifecycle(IEnumerable<IExportKind> kinds, Amazon.StepFunctions.IAmazonStepFunctions stepFunctions,
        Amazon.CloudFormation.IAmazonCloudFormation cloudFormation, TimeProvider clock, Action<string> log,
        Telemetry.ExportEventPublisher? events = null, Telemetry.ExportMetrics? metrics = null)
    {
        _events = events;
        _metrics = metrics;
        _kinds = kinds.ToDictionary(k => k.ResourceType);
        _pollers = new PollerExecutions(stepFunctions, clock, log);
        _stack = new StackReads(cloudFormation, log);
        _wait = new ShortWait(clock, log);
        Queue = new QueuedStarts(_stack, log);
        _queueWait = new QueueWait(Queue, _wait, clock, log);
        _clock = clock;
        _log = log;
    }

    /// <summary>What the handler reads about its own stack (a watcher asks whether its export is still held).</summary>
    public StackReads Stack => _stack;

    /// <summary>Exports whose start waits for a slot: the poller retries theirs.</summary>
    public QueuedStarts Queue { get; }

    /// <summary>The framework's onEvent.</summary>
    public async Task<OnEventResponse> OnEventAsync(CustomResourceRequest raw, CancellationToken cancellationToken)
    {
        _log($"{raw.RequestType} {raw.ResourceType} {raw.LogicalResourceId} ({raw.PhysicalResourceId ?? "new"})");
        if (ResourceTypes.ExportOfResult(raw.ResourceType) is { } exportType)
            return await OnResultEventAsync(ExportRequest.From(raw, KindOf(exportType)), cancellationToken);
        var kind = KindOf(raw.ResourceType);
        var request = ExportRequest.From(raw, kind);
        switch (request.RequestType)
        {
            case "Create":
                Validate(request);
                var started = await StartOrQueueAsync(kind, request, null, cancellationToken);
                if (StartLimits.IsQueueId(started) && !request.LongPath)
                    return new OnEventResponse { PhysicalResourceId = started, Action = ExportActions.Queued, WaitStartedAt = await WaitStartAsync(request, cancellationToken) };
                return await HandOverAsync(kind, request, started, startedHere: true, cancellationToken, replaces: null);
            case "Update":
                Validate(request);
                return await UpdateAsync(kind, request, cancellationToken);
            case "Delete":
                return await DeleteAsync(kind, request, cancellationToken);
            default:
                throw Errors.UnknownRequestType(request.RequestType);
        }
    }

    /// <summary>The framework's isComplete, called right after onEvent and then every query interval.</summary>
    public async Task<IsCompleteResponse> IsCompleteAsync(CustomResourceRequest raw, CancellationToken cancellationToken)
    {
        var kind = KindOf(ResourceTypes.ExportOfResult(raw.ResourceType) ?? raw.ResourceType);
        var request = ExportRequest.From(raw, kind);
        return request.Decided.Action switch
        {
            ExportActions.Kept or ExportActions.Polling =>
                IsCompleteResponse.Done(WithDeadline(request, await kind.CurrentAsync(await Queue.ResolveAsync(kind, request, cancellationToken), cancellationToken))),
            ExportActions.Queued => await ReportingAsync(kind, request, () => _queueWait.WaitAsync(kind, request, request.TaskId!, null, cancellationToken), cancellationToken),
            ExportActions.Released => IsCompleteResponse.Done(),
            ExportActions.Replacing => await ReportingAsync(kind, request, () => ReplacingAsync(kind, request, cancellationToken), cancellationToken),
            ExportActions.Failed => throw Errors.StartFailed(request.LogicalId, request.Decided.Failure),
            ExportActions.Deleting => await DeletingAsync(kind, request, cancellationToken),
            _ when StartLimits.IsQueueId(request.TaskId) => await ReportingAsync(kind, request, () => QueuedResultAsync(kind, request, cancellationToken), cancellationToken),
            _ => await ReportingAsync(kind, request, () => _wait.WaitAsync(kind, request, cancellationToken), cancellationToken),
        };
    }

    /// <summary>
    /// Starts the export, or queues it when AWS refuses for a limit that frees up: then the answer is
    /// the queue id, and isComplete (short path) or the poller (long path) retries the start.
    /// </summary>
    private async Task<string> StartOrQueueAsync(IExportKind kind, ExportRequest request, string? replaces, CancellationToken cancellationToken)
    {
        try
        {
            return await kind.StartAsync(request, OwnerTags(request, replaces), cancellationToken);
        }
        catch (StartRefusedException e)
        {
            var queueId = StartLimits.QueueId(request.Fingerprint);
            _log($"Start of {request.LogicalId} refused for a limit that frees up [{e.Code}]: {e.Message} Queued as {queueId}; " +
                 $"the start is tried again at each poll until the export's Timeout");
            return queueId;
        }
    }

    /// <summary>
    /// A result resource (long path) after a queued export's wait: it reports on the task the export
    /// started, and answers that task's id; none means the export never got a slot within its Timeout.
    /// </summary>
    private async Task<IsCompleteResponse> QueuedResultAsync(IExportKind kind, ExportRequest request, CancellationToken cancellationToken)
    {
        var resolved = await Queue.ResolveAsync(kind, request, cancellationToken);
        if (resolved.TaskId == request.TaskId)
            throw Errors.QueuedExportNeverStarted(ResourceTypes.ExportOfResult(request.ResourceType) ?? request.ResourceType,
                request.Properties.ExportLogicalId ?? request.LogicalId, request.TaskId!);
        var answer = await _wait.WaitAsync(kind, resolved, cancellationToken);
        if (answer.IsComplete) answer.PhysicalResourceId = resolved.TaskId;
        return answer;
    }

    /// <summary>The kind serving a resource type.</summary>
    public IExportKind KindOf(string resourceType) =>
        _kinds.TryGetValue(resourceType, out var kind) ? kind : throw Errors.UnknownResourceType(resourceType, ResourceTypes.All);

    /// <summary>The contract's rules, run on every value (CloudFormation resolved the tokens).</summary>
    private static void Validate(ExportRequest request)
    {
        if (Validation.Check(request.Properties, Validation.Resolved) is { Count: > 0 } problems) throw Errors.InvalidProperties(problems);
    }

    /// <summary>
    /// A result resource (long path): reports on the task its properties name. An Update that reports on
    /// the task it reported before (tags or wait settings changed, or the rollback of such an Update) is
    /// kept: CloudFormation sends an Update only to a resource whose last operation succeeded, so that
    /// export completed then; its attributes are read as a kept export's are, not by checking the task,
    /// which AWS forgets after a while (the check would fail "not found", and its rollback alike).
    /// </summary>
    private async Task<OnEventResponse> OnResultEventAsync(ExportRequest request, CancellationToken cancellationToken)
    {
        if (request.RequestType == "Delete") return Answer(request.TaskId!, ExportActions.Released);
        var taskId = request.Properties.TaskId;
        if (string.IsNullOrEmpty(taskId)) throw Errors.ResultWithoutTask(request.ResourceType, request.LogicalId);
        // The id held (not the property): a queued export's result holds the task id, its property the queue id.
        if (request.RequestType == "Update" && request.OldProperties?.TaskId == taskId) return Answer(request.TaskId ?? taskId, ExportActions.Kept);
        // The task id is the physical id, so isComplete checks (and waits for) that task, on a clock of
        // its own: once per PollInterval, and ended by the handler within the custom resource's hour.
        return await StartedAsync(request, taskId, cancellationToken);
    }

    /// <summary>
    /// On the long-wait path, starts the poller for this task; otherwise isComplete waits itself.
    /// onEvent never throws after it started something that nobody would then own: when the poller
    /// cannot be started, the export this request started is stopped before the error goes out
    /// (a failed Create's answer carries the framework's marker, whose Delete never reaches us).
    /// </summary>
    private async Task<OnEventResponse> HandOverAsync(IExportKind kind, ExportRequest request, string taskId, bool startedHere, CancellationToken cancellationToken, string? replaces = null)
    {
        if (!request.LongPath) return await StartedAsync(request, taskId, cancellationToken);
        var started = await _pollers.StartAsync(request, taskId, replaces, cancellationToken);
        if (started.Error is not { } error) return new OnEventResponse { PhysicalResourceId = taskId, Action = ExportActions.Polling, WaitDeadline = started.Deadline };
        var failure = Errors.PollerNotStarted(taskId, error, startedHere);
        if (startedHere && request.RequestType == "Create")
        {
            // Not a throw from onEvent: the framework would answer with its CREATE_FAILED marker and
            // answer the rollback Delete itself, and the export (AppStream cannot cancel) would be
            // nobody's. Answered with the task's id, isComplete fails with the reason, and the rollback
            // Delete reaches the handler with that id: it cancels, or follows the export to its end.
            _log($"Poller for {taskId} not started: [{error.ErrorCode}] {error.Message}; failing with the export's id so that the rollback Delete owns it");
            await kind.BeginDeleteAsync(request.ForTask(taskId), cancellationToken);
            return new OnEventResponse { PhysicalResourceId = taskId, Action = ExportActions.Failed, Failure = failure.Message };
        }
        if (startedHere)
        {
            _log($"Poller for {taskId} not started: [{error.ErrorCode}] {error.Message}; stopping the export this Update started");
            await kind.BeginDeleteAsync(request.ForTask(taskId), cancellationToken);
        }
        throw failure;
    }

    /// <summary>The owner tags of an export started for this request (see <see cref="Tagging"/>).</summary>
    internal static Dictionary<string, string> OwnerTags(ExportRequest request, string? replaces)
    {
        var tags = new Dictionary<string, string>
        {
            [Tagging.StackTag] = request.StackId,
            [Tagging.LogicalIdTag] = request.LogicalId,
            [Tagging.IdentityTag] = Tagging.IdentityOf(request.Properties),
            [Tagging.RequestTag] = request.Fingerprint,
        };
        if (replaces is not null) tags[Tagging.ReplacesTag] = replaces;
        return tags;
    }

    /// <summary>On the long path the export resource answers its wait's deadline too (0 when this answer started no wait).</summary>
    private static Dictionary<string, string> WithDeadline(ExportRequest request, Dictionary<string, string> data)
    {
        if (request.Wait?.Signal is { Length: > 0 })
            data[WaitProperties.DeadlineAttribute] = (request.Decided.WaitDeadline ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return data;
    }

    private async Task<OnEventResponse> StartedAsync(ExportRequest request, string taskId, CancellationToken cancellationToken) =>
        new() { PhysicalResourceId = taskId, Action = ExportActions.Started, WaitStartedAt = await WaitStartAsync(request, cancellationToken) };

    /// <summary>
    /// When the wait of this operation began: when CloudFormation began it on the resource, so that a
    /// request delivered twice gets the same answer (<see cref="StackResourceState.OperationStarted"/>);
    /// now when CloudFormation cannot say.
    /// </summary>
    private async Task<long> WaitStartAsync(ExportRequest request, CancellationToken cancellationToken) =>
        WaitStartOf(await ReadResourceAsync(request, cancellationToken));

    private long WaitStartOf(StackResourceState? resource) => resource?.OperationStarted ?? _clock.GetUtcNow().ToUnixTimeSeconds();

    private Task<StackResourceState?> ReadResourceAsync(ExportRequest request, CancellationToken cancellationToken) =>
        _stack.ResourceAsync(request.StackId, request.LogicalId, "the wait counts from now, and a Delete leaves the export's strays, if any", cancellationToken);

    private static OnEventResponse Answer(string physicalId, string action) => new() { PhysicalResourceId = physicalId, Action = action };
}

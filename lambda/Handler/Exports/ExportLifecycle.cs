using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.CloudFormation;
using Amazon.Runtime;
using Amazon.StepFunctions;
using Amazon.StepFunctions.Model;
using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;

namespace ExportConstructs.Handler.Exports;

/// <summary>
/// The CloudFormation lifecycle of an export, for every kind:
/// Create starts; Update replaces when what is exported changed and keeps otherwise; Delete
/// stops and applies the removal policy; isComplete waits for each of these. On the long-wait
/// path the export resource hands the waiting to the poller state machine, and a result
/// resource, after the WaitCondition, reports the finished export's attributes.
/// </summary>
public sealed class ExportLifecycle(IEnumerable<IExportKind> kinds, IAmazonStepFunctions stepFunctions, IAmazonCloudFormation cloudFormation, TimeProvider clock, Action<string> log)
{
    private readonly Dictionary<string, IExportKind> _kinds = kinds.ToDictionary(k => k.ResourceType);

    /// <summary>The framework's onEvent.</summary>
    public async Task<OnEventResponse> OnEventAsync(CustomResourceRequest request, CancellationToken cancellationToken)
    {
        log($"{request.RequestType} {request.ResourceType} {request.LogicalResourceId} ({request.PhysicalResourceId ?? "new"})");
        if (ResourceTypes.ExportOfResult(request.ResourceType) is { } exportType)
            return OnResultEvent(request, KindOf(exportType));
        var kind = KindOf(request.ResourceType);
        switch (request.RequestType)
        {
            case "Create":
                kind.Validate(request);
                return await HandOverAsync(kind, request, await kind.StartAsync(request, OwnerTags(kind, request, null), cancellationToken), startedHere: true, cancellationToken);
            case "Update":
                kind.Validate(request);
                return await UpdateAsync(kind, request, cancellationToken);
            case "Delete":
                await StopPollerAsync(kind.Common(request).Wait, request.PhysicalResourceId, request.LogicalResourceId, cancellationToken);
                if (!kind.Minted(request.PhysicalResourceId ?? ""))
                {
                    // isComplete follows what the resource started to its end (AppStream cannot cancel) and applies the removal policy.
                    return await StopUnansweredAsync(kind, request, cancellationToken) is { } started
                        ? new OnEventResponse { PhysicalResourceId = request.PhysicalResourceId!, Action = ExportActions.Deleting, NewTaskId = started }
                        : Answer(request.PhysicalResourceId!, ExportActions.Released);
                }
                await kind.BeginDeleteAsync(request, cancellationToken);
                // Strays belong to the export CloudFormation holds, so only its own Delete ends them: never the
                // cleanup Delete of a generation it replaced (whose strays' replacement may be the held export).
                var endStrays = kind.MayHaveStrays(request) && await HeldAsync(request, cancellationToken) == request.PhysicalResourceId;
                return new OnEventResponse { PhysicalResourceId = request.PhysicalResourceId!, Action = ExportActions.Deleting, EndStrays = endStrays ? true : null };
            default:
                throw Errors.UnknownRequestType(request.RequestType);
        }
    }

    /// <summary>
    /// An Update, forward or rollback, decided from what the held export really is rather than from
    /// the two property sets alone: a rollback Update carries the properties before a failed
    /// change as the new ones, so "they differ" would start yet another export (aws-facts §6).
    /// </summary>
    private async Task<OnEventResponse> UpdateAsync(IExportKind kind, CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var held = request.PhysicalResourceId!;
        var wanted = Tagging.IdentityOf(kind.Common(request));
        if (kind.ChangesExport(request))
        {
            // A rollback never starts an export: it returns to what these properties describe, which
            // is either the held export (the rollback of its own failed Update) or the one the held
            // export replaced (the rollback of a completed replacement). Only the stack's status
            // tells a rollback from a forward Update back to earlier properties.
            if (await RollingBackAsync(request.StackId, cancellationToken))
                return await RollBackAsync(kind, request, held, wanted, cancellationToken);
            var started = await kind.StartAsync(request, OwnerTags(kind, request, held), cancellationToken);
            if (kind.Common(request).Wait?.Poller is { Length: > 0 })
                // Long path: the start succeeded, so the new id is answered now; CloudFormation deletes the old export after the update.
                return await HandOverAsync(kind, request, started, startedHere: true, cancellationToken);
            // Short path: CloudFormation keeps the old id until the new export has completed (isComplete answers the new one).
            return new OnEventResponse
            {
                PhysicalResourceId = held, Action = ExportActions.Replacing, NewTaskId = started,
                WaitStartedAt = kind.Common(request).Wait is null ? null : clock.GetUtcNow().ToUnixTimeSeconds(),
            };
        }
        await RetagAsync(kind, request, cancellationToken);
        var signal = kind.Common(request).Wait?.Signal;
        if (signal == kind.OldCommon(request)?.Wait?.Signal) return Answer(held, ExportActions.Kept);
        // One poller per export: the one signalling the old condition stops, whether the export gets a
        // new condition (a new Timeout, a move to the long path) or none (a move to the short path).
        await StopPollerAsync(kind.OldCommon(request)?.Wait, held, request.LogicalResourceId, cancellationToken);
        // A rollback returns to a condition that was signalled when it was created: nothing to poll for.
        if (signal is null || await RollingBackAsync(request.StackId, cancellationToken)) return Answer(held, ExportActions.Kept);
        return await HandOverAsync(kind, request, held, startedHere: false, cancellationToken);
    }

    /// <summary>
    /// An Update that keeps the export re-tags it in place when the user tags changed (a rollback
    /// brings the earlier ones back the same way). A forward Update fails when the tags cannot be
    /// written, as CloudFormation's own resources do; a rollback logs it and goes on, since failing
    /// it would leave the stack in UPDATE_ROLLBACK_FAILED over tags.
    /// </summary>
    private async Task RetagAsync(IExportKind kind, CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var change = TagChange.Between(kind.OldCommon(request)?.Tags, kind.Common(request).Tags);
        if (change.IsEmpty) return;
        try
        {
            await kind.RetagAsync(request, change, cancellationToken);
        }
        catch (ExportException e)
        {
            if (!await RollingBackAsync(request.StackId, cancellationToken)) throw;
            log($"Rollback: the tags of {request.PhysicalResourceId} were not restored ({change}); the export is kept as it is. {e.Message}");
        }
    }

    /// <summary>The rollback of an Update: answers the export these properties describe, and stops a replacement still running.</summary>
    private async Task<OnEventResponse> RollBackAsync(IExportKind kind, CustomResourceRequest request, string held, string wanted, CancellationToken cancellationToken)
    {
        var current = await kind.DescribeAsync(held, cancellationToken);
        if (current?.Identity != wanted && current?.Replaces is { } previous && (await kind.DescribeAsync(previous, cancellationToken))?.Identity == wanted)
        {
            log($"Rollback: returning to export {previous}, which {held} replaced");
            return Answer(previous, ExportActions.Kept);
        }
        // The rollback of this resource's own Update, whose answer CloudFormation may never have
        // heard: a replacement of the held export may still be running. Stop it.
        foreach (var stray in (await kind.FindOwnedAsync(request.StackId, request.LogicalResourceId, cancellationToken)).Where(e => e.Running && e.Replaces == held))
        {
            log($"Rollback: keeping {held}; stopping its replacement {stray.TaskId}");
            await kind.BeginDeleteAsync(WithTask(request, stray.TaskId), cancellationToken);
        }
        return Answer(held, ExportActions.Kept);
    }

    private async Task<bool> RollingBackAsync(string stackId, CancellationToken cancellationToken)
    {
        try
        {
            var stacks = await cloudFormation.DescribeStacksAsync(new DescribeStacksRequest { StackName = stackId }, cancellationToken);
            var status = stacks.Stacks.FirstOrDefault()?.StackStatus ?? "";
            return status.Contains("ROLLBACK", StringComparison.Ordinal);
        }
        catch (AmazonServiceException e)
        {
            throw Errors.AwsCall("CloudFormation", "DescribeStacks", stackId, e, "The handler needs cloudformation:DescribeStacks on its stack to tell a rollback from an update.");
        }
    }

    /// <summary>The physical id CloudFormation holds for this request's logical id now; null when it holds none, or cannot say.</summary>
    private async Task<string?> HeldAsync(CustomResourceRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var found = await cloudFormation.DescribeStackResourceAsync(new DescribeStackResourceRequest { StackName = request.StackId, LogicalResourceId = request.LogicalResourceId }, cancellationToken);
            return found.StackResourceDetail.PhysicalResourceId;
        }
        catch (AmazonServiceException e)
        {
            // Not a reason to fail the Delete (CloudFormation would keep retrying it): the strays then stay, and the log says so.
            log($"Cannot tell which export CloudFormation holds for {request.LogicalResourceId}: [{e.ErrorCode}] {e.Message}; its strays, if any, are left");
            return null;
        }
    }

    /// <summary>
    /// A Delete with a physical id we never minted: CloudFormation made it up after a Create or
    /// Update whose answer it never got (a timeout, a cancelled operation). What that request
    /// started is found by its owner tags and stopped; an export that is not running any more,
    /// or exports something else (the one CloudFormation still holds), is left alone.
    /// </summary>
    /// <returns>The export found, for isComplete to follow to its end; null when there is none.</returns>
    private async Task<string?> StopUnansweredAsync(IExportKind kind, CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var wanted = Tagging.IdentityOf(kind.Common(request));
        var owned = await kind.FindOwnedAsync(request.StackId, request.LogicalResourceId, cancellationToken);
        // Which properties such a Delete carries after an unanswered Update is not documented (the
        // attempted ones, or those before). A running replacement is never what CloudFormation holds
        // when ids move only on completion (a short path that waits), so it is stopped either way.
        var common = kind.Common(request);
        var heldOnlyOnCompletion = common.Wait is { Poller: null or "" } && common.WaitForCompletion != "false";
        string? found = null;
        foreach (var export in owned.Where(e => e.Running && (e.Identity == wanted || heldOnlyOnCompletion && e.Replaces is not null)))
        {
            log($"Delete of {request.PhysicalResourceId}, an id CloudFormation made up: export {export.TaskId} was started by this resource; stopping it");
            await kind.BeginDeleteAsync(WithTask(request, export.TaskId), cancellationToken);
            found ??= export.TaskId;
        }
        return found;
    }

    /// <summary>On the long path the export resource answers its wait's deadline too (0 when this answer started no wait).</summary>
    private static Dictionary<string, string> WithDeadline(IExportKind kind, CustomResourceRequest request, Dictionary<string, string> data)
    {
        if (kind.Common(request).Wait?.Signal is { Length: > 0 })
            data[WaitProperties.DeadlineAttribute] = (request.WaitDeadline ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return data;
    }

    /// <summary>The owner tags of an export started for this request (see <see cref="Tagging"/>).</summary>
    private static Dictionary<string, string> OwnerTags(IExportKind kind, CustomResourceRequest request, string? replaces)
    {
        var tags = new Dictionary<string, string>
        {
            [Tagging.StackTag] = request.StackId,
            [Tagging.LogicalIdTag] = request.LogicalResourceId,
            [Tagging.IdentityTag] = Tagging.IdentityOf(kind.Common(request)),
            [Tagging.RequestTag] = RequestFingerprint.Of(request),
        };
        if (replaces is not null) tags[Tagging.ReplacesTag] = replaces;
        return tags;
    }

    /// <summary>The same request about another task (the export a replacement started, one found by its tags).</summary>
    private static CustomResourceRequest WithTask(CustomResourceRequest request, string taskId)
    {
        var copy = JsonSerializer.Deserialize(JsonSerializer.Serialize(request, FrameworkJsonContext.Default.CustomResourceRequest), FrameworkJsonContext.Default.CustomResourceRequest)!;
        copy.PhysicalResourceId = taskId;
        return copy;
    }

    /// <summary>
    /// isComplete of a short-path replacement: waits for the new export; on success answers its id
    /// (the physical id moves now, and only now); on failure or at the deadline stops it first, so the
    /// FAILED answer, which carries the old id, leaves nothing of the new export running.
    /// </summary>
    private async Task<IsCompleteResponse> ReplacingAsync(IExportKind kind, CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var replacement = WithTask(request, request.NewTaskId ?? throw new ExportException($"{request.LogicalResourceId}: a replacing Update reached isComplete without the new export's id."));
        try
        {
            var answer = await WaitAsync(kind, replacement, cancellationToken);
            if (answer.IsComplete) answer.PhysicalResourceId = request.NewTaskId;
            return answer;
        }
        catch (ExportException e) when (e is not AwsCallException { Transient: true })
        {
            log($"Replacement {request.NewTaskId} of {request.PhysicalResourceId} failed; stopping it before answering: {e.Message}");
            await kind.BeginDeleteAsync(replacement, cancellationToken);
            throw;
        }
    }

    /// <summary>The framework's isComplete, called right after onEvent and then every query interval.</summary>
    public async Task<IsCompleteResponse> IsCompleteAsync(CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var kind = KindOf(ResourceTypes.ExportOfResult(request.ResourceType) ?? request.ResourceType);
        return request.Action switch
        {
            ExportActions.Kept or ExportActions.Polling => IsCompleteResponse.Done(WithDeadline(kind, request, await kind.CurrentAsync(request, cancellationToken))),
            ExportActions.Released => IsCompleteResponse.Done(),
            ExportActions.Replacing => await ReplacingAsync(kind, request, cancellationToken),
            ExportActions.Failed => throw new ExportException(request.Failure ?? $"{request.LogicalResourceId}: the export could not be started."),
            // A Delete, by its action or (from an older handler's onEvent, without one) by its request type.
            _ when request.Action == ExportActions.Deleting || request.RequestType == "Delete" =>
                (request.EndStrays != true || await kind.FinishStraysAsync(request, cancellationToken))
                && await kind.FinishDeleteAsync(request.NewTaskId is { } found ? WithTask(request, found) : request, cancellationToken) ? IsCompleteResponse.Done() : IsCompleteResponse.Pending,
            _ => await WaitAsync(kind, request, cancellationToken),
        };
    }

    /// <summary>
    /// One isComplete call of a short-path wait. The framework calls every
    /// <see cref="ProviderSettings.QueryIntervalSeconds"/>; the export is described only when one
    /// of its own PollIntervals has passed (and at the first call), and the wait ends, by the
    /// handler, not by the framework, when the export's own Timeout has passed.
    /// </summary>
    private async Task<IsCompleteResponse> WaitAsync(IExportKind kind, CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var wait = kind.Common(request).Wait;
        if (wait is null || request.WaitStartedAt is not { } started) return await kind.CheckAsync(request, cancellationToken);
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var elapsed = now - started;
        var timeout = Seconds(wait.TimeoutSeconds, ProviderSettings.ShortPathLimitSeconds);
        // A long path's result: its export's wait is over once the poller's deadline has passed.
        if (long.TryParse(wait.Deadline, out var deadline) && deadline > 0 && now >= deadline)
        {
            var last = await kind.CheckAsync(request, cancellationToken);
            return last.IsComplete ? last : throw Errors.WaitTimedOut(ResourceTypes.ExportOfResult(request.ResourceType) ?? request.ResourceType, request.LogicalResourceId, request.PhysicalResourceId, timeout);
        }
        // Within the custom resource's hour, whatever the export's own Timeout (a result resource's is the export's).
        timeout = Math.Min(timeout, ProviderSettings.ShortPathLimitSeconds);
        var overdue = elapsed >= timeout;
        if (!overdue && !PollDue(elapsed, Seconds(wait.IntervalSeconds, ProviderSettings.QueryIntervalSeconds))) return IsCompleteResponse.Pending;
        IsCompleteResponse answer;
        try
        {
            answer = await kind.CheckAsync(request, cancellationToken);
        }
        catch (AwsCallException e) when (e.Transient && !overdue)
        {
            // The framework fails at once on anything isComplete throws: a passing outage (after the
            // SDK's retries) must not end a wait that the export's Timeout still allows.
            log($"Check of {request.PhysicalResourceId} failed for now: {e.Message}; trying again next interval");
            return IsCompleteResponse.Pending;
        }
        catch (ExportNotFoundException e) when (elapsed < ExportNotFoundException.GraceSeconds && !overdue)
        {
            log($"{e.Message} Right after the start that can be eventual consistency: waiting");
            return IsCompleteResponse.Pending;
        }
        if (answer.IsComplete || !overdue) return answer;
        throw Errors.WaitTimedOut(request.ResourceType, request.LogicalResourceId, request.PhysicalResourceId, timeout);
    }

    /// <summary>
    /// True when a PollInterval boundary fell since the previous call. Calls come every query
    /// interval (later by their own run time), so the call's number is the elapsed time in query
    /// intervals, rounded: each boundary is seen by one call. When accumulated lateness makes the
    /// number jump by two, that boundary's describe waits for the next one: a delay, never a miss
    /// of the end, and never two describes for one boundary.
    /// </summary>
    internal static bool PollDue(long elapsedSeconds, int intervalSeconds)
    {
        var call = Math.Round((double)elapsedSeconds / ProviderSettings.QueryIntervalSeconds, MidpointRounding.AwayFromZero);
        if (call < 1) return true;
        var q = ProviderSettings.QueryIntervalSeconds;
        return Math.Floor(call * q / intervalSeconds) > Math.Floor((call - 1) * q / intervalSeconds);
    }

    private static int Seconds(string? value, int fallback) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) ? seconds : fallback;

    /// <summary>The kind serving a resource type.</summary>
    public IExportKind KindOf(string resourceType) =>
        _kinds.TryGetValue(resourceType, out var kind) ? kind : throw Errors.UnknownResourceType(resourceType, ResourceTypes.All);

    /// <summary>The execution ARN of a poller execution: executions live under the state machine's name.</summary>
    public static string ExecutionArn(string stateMachineArn, string name) =>
        stateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + name;

    private OnEventResponse OnResultEvent(CustomResourceRequest request, IExportKind kind)
    {
        if (request.RequestType == "Delete") return Answer(request.PhysicalResourceId!, ExportActions.Released);
        var taskId = kind.Common(request).TaskId;
        if (string.IsNullOrEmpty(taskId))
            throw new ExportException($"{request.ResourceType} {request.LogicalResourceId} has no TaskId property; it must name the export task it reports on.");
        // An Update that reports on the export it reported before (tags or wait settings changed, or the
        // rollback of such an Update): CloudFormation sends an Update only to a resource whose last
        // operation succeeded, so that export completed then. Its attributes are read as an Update that
        // keeps an export reads them, not by checking the task, which AWS forgets after a while (a check
        // would fail "not found", and the rollback of that failure would fail alike).
        if (request.RequestType == "Update" && kind.OldCommon(request)?.TaskId == taskId)
            return Answer(taskId, ExportActions.Kept);
        // The task id is the physical id, so isComplete checks (and waits for) that task, on a clock of
        // its own: once per PollInterval, and ended by the handler within the custom resource's hour.
        return new OnEventResponse { PhysicalResourceId = taskId, Action = ExportActions.Started, WaitStartedAt = clock.GetUtcNow().ToUnixTimeSeconds() };
    }

    /// <summary>
    /// On the long-wait path, starts the poller for this task; otherwise isComplete waits itself.
    /// onEvent never throws after it started something that nobody would then own: when the poller
    /// cannot be started, the export this request started is stopped before the error goes out
    /// (a failed Create's answer carries the framework's marker, whose Delete never reaches us).
    /// </summary>
    private async Task<OnEventResponse> HandOverAsync(IExportKind kind, CustomResourceRequest request, string taskId, bool startedHere, CancellationToken cancellationToken)
    {
        var wait = kind.Common(request).Wait;
        if (wait?.Poller is not { Length: > 0 } poller)
            return new OnEventResponse { PhysicalResourceId = taskId, Action = ExportActions.Started, WaitStartedAt = clock.GetUtcNow().ToUnixTimeSeconds() };
        var timeout = Seconds(wait.TimeoutSeconds, 0);
        var interval = Seconds(wait.IntervalSeconds, ProviderSettings.QueryIntervalSeconds);
        var input = new PollerInput
        {
            ResourceType = request.ResourceType,
            StackId = request.StackId,
            PhysicalResourceId = taskId,
            ResourceProperties = request.ResourceProperties,
            IntervalSeconds = interval,
            // One interval before the condition's own timeout: the signal at the deadline must arrive while it still waits.
            DeadlineUnixSeconds = clock.GetUtcNow().ToUnixTimeSeconds() + timeout - interval,
        };
        var name = PollerName(taskId, wait);
        try
        {
            await stepFunctions.StartExecutionAsync(new StartExecutionRequest
            {
                StateMachineArn = poller,
                // Named after the task and the condition it signals: the same request delivered twice finds it running.
                Name = name,
                Input = JsonSerializer.Serialize(input, ContractJsonContext.Default.PollerInput),
            }, cancellationToken);
            log($"Started poller {name} for {taskId}: every {input.IntervalSeconds} s for up to {timeout} s");
        }
        catch (ExecutionAlreadyExistsException)
        {
            log($"Poller {name} for {taskId} was already started by this request");
        }
        catch (AmazonServiceException e)
        {
            var error = Errors.AwsCall("Step Functions", "StartExecution", $"the poller of export {taskId}", e,
                startedHere ? "The export was stopped; deploying again starts it anew." : "The export is kept; deploying again retries.");
            if (startedHere && request.RequestType == "Create")
            {
                // Not a throw from onEvent: the framework would answer with its CREATE_FAILED marker and
                // answer the rollback Delete itself, and the export (AppStream cannot cancel) would be
                // nobody's. Answered with the task's id, isComplete fails with the reason, and the rollback
                // Delete reaches the handler with that id: it cancels, or follows the export to its end.
                log($"Poller for {taskId} not started: [{e.ErrorCode}] {e.Message}; failing with the export's id so that the rollback Delete owns it");
                await kind.BeginDeleteAsync(WithTask(request, taskId), cancellationToken);
                return new OnEventResponse { PhysicalResourceId = taskId, Action = ExportActions.Failed, Failure = error.Message };
            }
            if (startedHere)
            {
                log($"Poller for {taskId} not started: [{e.ErrorCode}] {e.Message}; stopping the export this Update started");
                await kind.BeginDeleteAsync(WithTask(request, taskId), cancellationToken);
            }
            throw error;
        }
        return new OnEventResponse { PhysicalResourceId = taskId, Action = ExportActions.Polling, WaitDeadline = input.DeadlineUnixSeconds };
    }

    /// <summary>The poller execution of one export and one WaitCondition (at most one runs per export).</summary>
    private static string PollerName(string taskId, WaitProperties wait) => $"{taskId}-{Digest(wait.Signal ?? "")[..8]}";

    private async Task StopPollerAsync(WaitProperties? wait, string? taskId, string logicalId, CancellationToken cancellationToken)
    {
        if (wait?.Poller is not { Length: > 0 } poller || taskId is null) return;
        var name = PollerName(taskId, wait);
        try
        {
            await stepFunctions.StopExecutionAsync(new StopExecutionRequest
            {
                ExecutionArn = ExecutionArn(poller, name),
                Error = "ResourceChanged",
                Cause = $"The export resource {logicalId} was deleted, or waits for another WaitCondition.",
            }, cancellationToken);
            log($"Stopped poller {name}");
        }
        catch (AmazonServiceException e)
        {
            // Already finished, or never started. A poller that cannot be stopped ends at its deadline,
            // and failing the Delete would leave the export running: go on and cancel it.
            log($"Poller {name} not stopped: [{e.ErrorCode}] {e.Message}");
        }
    }

    private static string Digest(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..12];

    private static OnEventResponse Answer(string physicalId, string action) => new() { PhysicalResourceId = physicalId, Action = action };
}

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
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
public sealed class ExportLifecycle(IEnumerable<IExportKind> kinds, IAmazonStepFunctions stepFunctions, TimeProvider clock, Action<string> log)
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
                return await HandOverAsync(kind, request, await kind.StartAsync(request, cancellationToken), cancellationToken);
            case "Update":
                kind.Validate(request);
                if (kind.ChangesExport(request))
                    // A new physical id: CloudFormation deletes the old export once the stack update succeeds.
                    return await HandOverAsync(kind, request, await kind.StartAsync(request, cancellationToken), cancellationToken);
                if (kind.Common(request).Wait?.Handle is { } handle && handle != kind.OldCommon(request)?.Wait?.Handle)
                    // A new WaitCondition (its timeout changed, say) waits for a signal of its own.
                    return await HandOverAsync(kind, request, request.PhysicalResourceId!, cancellationToken, $"-{Digest(handle)}");
                return Answer(request.PhysicalResourceId!, ExportActions.Kept);
            case "Delete":
                await StopPollerAsync(kind, request, cancellationToken);
                await kind.BeginDeleteAsync(request, cancellationToken);
                return Answer(request.PhysicalResourceId!, ExportActions.Deleting);
            default:
                throw Errors.UnknownRequestType(request.RequestType);
        }
    }

    /// <summary>The framework's isComplete, called right after onEvent and then every query interval.</summary>
    public async Task<IsCompleteResponse> IsCompleteAsync(CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var kind = KindOf(ResourceTypes.ExportOfResult(request.ResourceType) ?? request.ResourceType);
        return request.Action switch
        {
            ExportActions.Kept or ExportActions.Polling => IsCompleteResponse.Done(await kind.CurrentAsync(request, cancellationToken)),
            ExportActions.Released => IsCompleteResponse.Done(),
            // A Delete, by its action or (from an older handler's onEvent, without one) by its request type.
            _ when request.Action == ExportActions.Deleting || request.RequestType == "Delete" =>
                await kind.FinishDeleteAsync(request, cancellationToken) ? IsCompleteResponse.Done() : IsCompleteResponse.Pending,
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
        var elapsed = clock.GetUtcNow().ToUnixTimeSeconds() - started;
        var timeout = Seconds(wait.TimeoutSeconds, ProviderSettings.ShortPathLimitSeconds);
        var overdue = elapsed >= timeout;
        if (!overdue && !PollDue(elapsed, Seconds(wait.IntervalSeconds, ProviderSettings.QueryIntervalSeconds))) return IsCompleteResponse.Pending;
        var answer = await kind.CheckAsync(request, cancellationToken);
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

    private static OnEventResponse OnResultEvent(CustomResourceRequest request, IExportKind kind)
    {
        if (request.RequestType == "Delete") return Answer(request.PhysicalResourceId!, ExportActions.Released);
        var taskId = kind.Common(request).TaskId;
        if (string.IsNullOrEmpty(taskId))
            throw new ExportException($"{request.ResourceType} {request.LogicalResourceId} has no TaskId property; it must name the export task it reports on.");
        // The task id is the physical id, so isComplete checks (and waits for) that task.
        return Answer(taskId, ExportActions.Started);
    }

    /// <summary>On the long-wait path, starts the poller for this task; otherwise isComplete waits itself.</summary>
    private async Task<OnEventResponse> HandOverAsync(IExportKind kind, CustomResourceRequest request, string taskId, CancellationToken cancellationToken, string nameSuffix = "")
    {
        var wait = kind.Common(request).Wait;
        if (wait?.Poller is not { Length: > 0 } poller)
            return new OnEventResponse { PhysicalResourceId = taskId, Action = ExportActions.Started, WaitStartedAt = clock.GetUtcNow().ToUnixTimeSeconds() };
        var timeout = int.Parse(wait.TimeoutSeconds ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var input = new PollerInput
        {
            ResourceType = request.ResourceType,
            PhysicalResourceId = taskId,
            ResourceProperties = request.ResourceProperties,
            IntervalSeconds = int.Parse(wait.IntervalSeconds ?? "60", System.Globalization.CultureInfo.InvariantCulture),
            DeadlineUnixSeconds = clock.GetUtcNow().ToUnixTimeSeconds() + timeout,
        };
        var name = taskId + nameSuffix;
        try
        {
            await stepFunctions.StartExecutionAsync(new StartExecutionRequest
            {
                StateMachineArn = poller,
                // The task id names the execution: the same request delivered twice finds it running.
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
            throw Errors.AwsCall("Step Functions", "StartExecution", $"the poller of export {taskId}", e,
                "The export was started; deploying again (or rolling back) resolves it.");
        }
        return Answer(taskId, ExportActions.Polling);
    }

    private async Task StopPollerAsync(IExportKind kind, CustomResourceRequest request, CancellationToken cancellationToken)
    {
        if (kind.Common(request).Wait?.Poller is not { Length: > 0 } poller || request.PhysicalResourceId is not { } taskId) return;
        try
        {
            await stepFunctions.StopExecutionAsync(new StopExecutionRequest
            {
                ExecutionArn = ExecutionArn(poller, taskId),
                Error = "ResourceDeleted",
                Cause = $"The export resource {request.LogicalResourceId} was deleted.",
            }, cancellationToken);
            log($"Stopped poller {taskId}");
        }
        catch (AmazonServiceException e)
        {
            // Already finished, or never started. A poller that cannot be stopped ends at its deadline,
            // and failing the Delete would leave the export running: go on and cancel it.
            log($"Poller {taskId} not stopped: [{e.ErrorCode}] {e.Message}");
        }
    }

    private static string Digest(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..12];

    private static OnEventResponse Answer(string physicalId, string action) => new() { PhysicalResourceId = physicalId, Action = action };
}

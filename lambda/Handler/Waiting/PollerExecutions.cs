using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.StepFunctions;
using Amazon.StepFunctions.Model;
using ExportConstructs.Contract;
using ExportConstructs.Handler.Exports;

namespace ExportConstructs.Handler.Waiting;

/// <summary>
/// The long path's poller executions: one per export and WaitCondition, named after both, so the
/// same request delivered twice finds its execution running, and an Update that gives the export
/// another condition (or none) stops exactly the one signalling the old condition.
/// </summary>
internal sealed class PollerExecutions(IAmazonStepFunctions stepFunctions, TimeProvider clock, Action<string> log)
{
    /// <summary>The outcome of a start: the wait's deadline, or Step Functions' refusal.</summary>
    public sealed record Start(long Deadline, AmazonServiceException? Error);

    /// <summary>
    /// Starts the poller of <paramref name="taskId"/> (a task id, or a queued export's id whose start it
    /// retries, tagging what it starts as a replacement of <paramref name="replaces"/>) for the request's WaitCondition.
    /// </summary>
    public Task<Start> StartAsync(ExportRequest request, string taskId, string? replaces, CancellationToken cancellationToken)
    {
        var wait = request.Wait!;
        // One interval before the condition's own timeout: the signal at the deadline must arrive while it still waits.
        return StartAsync(request, wait, taskId, replaces, wait.TimeoutOr(0) - wait.IntervalOr(ProviderSettings.QueryIntervalSeconds), "poller", cancellationToken);
    }

    /// <summary>
    /// Starts the watcher of <paramref name="taskId"/>, an export that does not wait: it polls every
    /// interval until the export ends, puts its completion event, and signals nothing. It gives up
    /// after <see cref="ProviderSettings.MaxPolls"/> polls (its execution's history would not hold more).
    /// A watcher that cannot be started is logged, never an error: the export is the resource's
    /// outcome, its event a side effect.
    /// </summary>
    public async Task WatchAsync(ExportRequest request, string taskId, CancellationToken cancellationToken)
    {
        if (request.Properties.Watch is not { Poller.Length: > 0 } watch) return;
        var started = await StartAsync(request, watch, taskId, null, (long)ProviderSettings.MaxPolls * watch.IntervalOr(ProviderSettings.QueryIntervalSeconds), "watcher", cancellationToken);
        if (started.Error is { } e)
            log($"Watcher for {taskId} not started: [{e.ErrorCode}] {e.Message}; no completion event will come for it unless its Delete stops it while it runs");
    }

    private async Task<Start> StartAsync(ExportRequest request, WaitProperties settings, string taskId, string? replaces, long seconds, string what, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var input = new PollerInput
        {
            ResourceType = request.ResourceType,
            StackId = request.StackId,
            PhysicalResourceId = taskId,
            LogicalId = request.LogicalId,
            Replaces = replaces,
            ResourceProperties = JsonSerializer.SerializeToElement(request.Properties, request.Properties.GetType(), ContractJsonContext.Default),
            IntervalSeconds = settings.IntervalOr(ProviderSettings.QueryIntervalSeconds),
            StartedUnixSeconds = now,
            DeadlineUnixSeconds = now + seconds,
        };
        var name = Name(taskId, settings);
        try
        {
            await stepFunctions.StartExecutionAsync(new StartExecutionRequest
            {
                StateMachineArn = settings.Poller!, Name = name, Input = JsonSerializer.Serialize(input, ContractJsonContext.Default.PollerInput),
            }, cancellationToken);
            log($"Started {what} {name} for {taskId}: every {input.IntervalSeconds} s for up to {seconds} s");
        }
        catch (ExecutionAlreadyExistsException)
        {
            log($"{what} {name} for {taskId} was already started by this request");
        }
        catch (AmazonServiceException e)
        {
            return new Start(0, e);
        }
        return new Start(input.DeadlineUnixSeconds, null);
    }

    /// <summary>
    /// Stops the poller of <paramref name="taskId"/> for <paramref name="wait"/>'s condition, if there
    /// is one; given an export's <see cref="ExportProperties.Watch"/>, its watcher.
    /// </summary>
    public async Task StopAsync(WaitProperties? wait, string? taskId, string logicalId, CancellationToken cancellationToken)
    {
        if (wait?.Poller is not { Length: > 0 } poller || taskId is null) return;
        var name = Name(taskId, wait);
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

    /// <summary>Stops the watcher of <paramref name="taskId"/>, an export that does not wait (<see cref="ExportProperties.Watch"/>), if it has one.</summary>
    public Task StopWatcherAsync(ExportProperties? properties, string? taskId, string logicalId, CancellationToken cancellationToken) =>
        properties?.Watch is { Poller.Length: > 0 } watch ? StopAsync(new WaitProperties { Poller = watch.Poller }, taskId, logicalId, cancellationToken) : Task.CompletedTask;

    /// <summary>The execution ARN of a poller execution: executions live under the state machine's name.</summary>
    public static string ExecutionArn(string stateMachineArn, string name) =>
        stateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + name;

    /// <summary>The poller execution of one export and one WaitCondition, or its watcher (no condition): at most one runs per export.</summary>
    private static string Name(string taskId, WaitProperties wait) =>
        $"{taskId}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(wait.Signal ?? "")))[..8]}";
}

using Amazon.CloudFormation;
using Amazon.Runtime;
using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;
using ExportConstructs.Handler.Exports;

namespace ExportConstructs.Handler.Waiting;

/// <summary>
/// One poll of the long-wait path: checks the export with the same code isComplete uses and, when
/// it has ended, signals its WaitCondition through <c>cloudformation:SignalResource</c>, a right
/// scoped to this stack (no presigned handle URL, which any reader of the stack could use).
/// The signal is always SUCCESS: a FAILURE signal carries no reason and fails the stack at once;
/// the result resource after the condition re-reads the export and fails with AWS's reason.
/// A condition that refuses the signal (not created yet) is signalled again next interval.
/// One interval before the export's Timeout (so that the signal arrives while the condition still
/// waits) the poller signals all the same: the result resource finds the export still running and
/// fails naming the Timeout, and the rollback's Delete stops the export. A passing AWS error (after the
/// SDK's retries) only skips a poll; a failing poll (the Lambda itself) is caught by the state
/// machine, which waits and polls again, so an outage ends in the right signal once it is over.
/// </summary>
internal sealed class WaitPoller(ExportLifecycle lifecycle, IAmazonCloudFormation cloudFormation, TimeProvider clock, Action<string> log)
{
    /// <summary>Polls once. A queued export's answer carries the task it started, for the next poll.</summary>
    public async Task<PollerOutput> PollAsync(PollerInput input, CancellationToken cancellationToken)
    {
        var started = new System.Runtime.CompilerServices.StrongBox<string?>(input.Poll?.TaskId);
        var output = await PollOnceAsync(input, started, cancellationToken);
        output.TaskId = started.Value;
        return output;
    }

    private async Task<PollerOutput> PollOnceAsync(PollerInput input, System.Runtime.CompilerServices.StrongBox<string?> started, CancellationToken cancellationToken)
    {
        var kind = lifecycle.KindOf(input.ResourceType);
        var request = ExportRequest.From(input, kind);
        var wait = request.Wait;
        if (wait?.Signal is not { Length: > 0 })
            return request.Properties.Watch is { } ? await WatchOnceAsync(kind, request, input, cancellationToken) : throw Errors.PollerWithoutCondition(input.PhysicalResourceId);
        var taskId = input.PhysicalResourceId;
        var queued = StartLimits.IsQueueId(taskId);
        if (queued)
        {
            // A queued export: its start is retried here, at most once per poll, up to the deadline. The
            // execution's first poll comes at once, right after onEvent's refused attempt: it only waits.
            var since = clock.GetUtcNow().ToUnixTimeSeconds() - StartOf(input, wait);
            if (started.Value is null && since * 2 < input.IntervalSeconds) return await ContinueAsync(input, taskId, wait, cancellationToken);
            var attempt = (int)(since / input.IntervalSeconds) + 1;
            try
            {
                taskId = started.Value ??= await lifecycle.Queue.FindOrStartAsync(kind, request, taskId, input.Replaces, attempt, StartOf(input, wait), cancellationToken);
                request = request.ForTask(taskId);
            }
            catch (StartRefusedException)
            {
                // At the deadline it signals all the same: the result resource then finds no task and says the export never got a slot.
                return await ContinueAsync(input, taskId, wait, cancellationToken);
            }
            catch (AwsCallException e) when (e.Transient)
            {
                log($"Start attempt {attempt} of queued export {taskId} failed for now: {e.Message}; trying again next interval");
                return await ContinueAsync(input, taskId, wait, cancellationToken);
            }
            catch (QueuedStartAbandonedException e)
            {
                // Nobody waits for this export any more (the stack rolled back, finished or is gone): the poller ends.
                log($"{e.Message} The poller ends.");
                return new PollerOutput { Done = true };
            }
            catch (ExportException e)
            {
                // A real failure (a denied right, an image gone): signal now, so the result resource reports
                // at once instead of the WaitCondition timing out without a reason.
                return await SignalAsync(input, taskId, wait, $"could not start: {e.Message}", cancellationToken);
            }
        }
        string outcome;
        try
        {
            var status = await kind.CheckAsync(request, cancellationToken);
            if (!status.IsComplete) return await ContinueAsync(input, taskId, wait, cancellationToken);
            outcome = "completed";
        }
        catch (AwsCallException e) when (e.Transient)
        {
            log($"Poll of {taskId} failed for now: {e.Message}; trying again next interval");
            return await ContinueAsync(input, taskId, wait, cancellationToken);
        }
        catch (ExportNotFoundException e) when (queued || StartOf(input, wait) + ExportNotFoundException.GraceSeconds > clock.GetUtcNow().ToUnixTimeSeconds())
        {
            // Right after the start (a queued export's start may be moments old), reads are eventually consistent: not an outcome yet.
            log($"{e.Message} Right after the start that can be eventual consistency: trying again next interval");
            return await ContinueAsync(input, taskId, wait, cancellationToken);
        }
        catch (ExportException e)
        {
            outcome = "failed: " + e.Message;
        }
        return await SignalAsync(input, taskId, wait, outcome, cancellationToken);
    }

    private async Task<PollerOutput> SignalAsync(PollerInput input, string taskId, WaitProperties wait, string outcome, CancellationToken cancellationToken)
    {
        var condition = wait.Signal!;
        try
        {
            await cloudFormation.SignalResourceAsync(new SignalResourceRequest
            {
                StackName = input.StackId, LogicalResourceId = condition, UniqueId = taskId, Status = "SUCCESS",
            }, cancellationToken);
            log($"Export {taskId} {outcome}; signalled {condition}");
        }
        catch (AmazonServiceException e) when (e.ErrorCode == "ValidationError")
        {
            // Not (yet) waiting for a signal: an export kept by an Update may be done before CloudFormation
            // creates its new condition (AWS does not say whether a signal may come first), so try again
            // next interval, up to the deadline. A rollback's Update or a Delete stops this poller.
            // A stack that runs no operation has no condition waiting: the signal was taken already (a
            // retried poll, a second poller) or the operation ended; polling on would only cost.
            var late = clock.GetUtcNow().ToUnixTimeSeconds() >= input.DeadlineUnixSeconds || !await StackInProgressAsync(input.StackId, cancellationToken);
            log($"Export {taskId} {outcome}; {condition} cannot be signalled now: {e.Message}; {(late ? "past the deadline, or the stack runs no operation: stopping" : "trying again next interval")}");
            return new PollerOutput { Done = late };
        }
        catch (AmazonServiceException e) when (clock.GetUtcNow().ToUnixTimeSeconds() >= input.DeadlineUnixSeconds)
        {
            // Past the deadline a failing signal ends the poller (the condition has timed out by now)
            // instead of the state machine retrying it until the execution's own timeout.
            log($"Export {taskId} {outcome}; signalling {condition} failed after the deadline: [{e.ErrorCode}] {e.Message}; stopping");
        }
        return new PollerOutput { Done = true };
    }

    /// <summary>True when the stack runs an operation, or when that cannot be told (then the next interval tries again).</summary>
    private async Task<bool> StackInProgressAsync(string stackId, CancellationToken cancellationToken)
    {
        try
        {
            return await lifecycle.Stack.InProgressAsync(stackId, cancellationToken);
        }
        catch (ExportException e)
        {
            log($"Cannot tell whether stack {stackId} runs an operation: {e.Message}");
            return true;
        }
    }

    /// <summary>When the wait began: the deadline is one interval short of the Timeout after it (executions started before the start was in the input).</summary>
    private static long StartOf(PollerInput input, WaitProperties wait) =>
        input.StartedUnixSeconds ?? input.DeadlineUnixSeconds - wait.TimeoutOr(0) + input.IntervalSeconds;

    /// <summary>
    /// One poll of a watcher: an export that does not wait, followed after its resource completed so
    /// that its completion event still comes. It signals nothing: when the export has ended it reports
    /// the final state (event and metrics) and ends; a passing error or a task not shown yet waits for
    /// the next poll; past its last poll it ends without an event, and says so.
    /// </summary>
    private async Task<PollerOutput> WatchOnceAsync(IExportKind kind, ExportRequest request, PollerInput input, CancellationToken cancellationToken)
    {
        var taskId = input.PhysicalResourceId;
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        // The kinds answer an export that does not wait "done" at once (its resource completes at the
        // start); the watcher checks it as a waiting export would. The input is this poll's own copy.
        request.Properties.WaitForCompletion = null;
        string state;
        string? reason = null;
        Dictionary<string, string>? attributes = null;
        try
        {
            var status = await kind.CheckAsync(request, cancellationToken);
            if (!status.IsComplete) return Watching(input, taskId, now);
            (state, attributes) = (ExportEvents.States.Completed, status.Data);
        }
        catch (AwsCallException e) when (e.Transient)
        {
            log($"Watch of {taskId} failed for now: {e.Message}; trying again next interval");
            return Watching(input, taskId, now);
        }
        catch (ExportNotFoundException e)
        {
            if ((input.StartedUnixSeconds ?? now) + ExportNotFoundException.GraceSeconds > now) return Watching(input, taskId, now);
            // AWS forgets ended tasks after a while; a watcher that polls less often than that cannot tell how it ended.
            log($"{e.Message} The watcher ends without an event: how the export ended is no longer known.");
            return new PollerOutput { Done = true };
        }
        catch (ExportException e)
        {
            (state, reason) = (ExportEvents.States.Failed, e.Message);
        }
        // A watcher whose resource is gone (a Delete that could not stop it, an Update that replaced
        // the export) has nobody to report for: the Delete reported what it stopped.
        if ((await lifecycle.Stack.ResourceAsync(input.StackId, request.LogicalId, "the watcher reports the export's end all the same", cancellationToken))?.Holds(taskId) == false)
        {
            log($"Watcher of {taskId}: the export ended {state}, but {request.LogicalId} no longer holds it; the watcher ends without an event");
            return new PollerOutput { Done = true };
        }
        await lifecycle.ReportEndAsync(request, taskId, state, attributes, reason, input.StartedUnixSeconds, cancellationToken);
        log($"Watcher of {taskId}: the export ended {state}; the watcher ends");
        return new PollerOutput { Done = true };
    }

    private PollerOutput Watching(PollerInput input, string taskId, long now)
    {
        if (now < input.DeadlineUnixSeconds) return new PollerOutput { Done = false };
        log($"Watcher of {taskId}: the export still runs after {ProviderSettings.MaxPolls} polls, the most one execution holds; the watcher ends without an event");
        return new PollerOutput { Done = true };
    }

    private async Task<PollerOutput> ContinueAsync(PollerInput input, string taskId, WaitProperties wait, CancellationToken cancellationToken)
    {
        if (clock.GetUtcNow().ToUnixTimeSeconds() < input.DeadlineUnixSeconds) return new PollerOutput { Done = false };
        // Signalled all the same: the result resource then finds the export still running after its
        // deadline and fails naming the Timeout, a reason CloudFormation shows (a timed-out condition gives none).
        log($"Export {taskId} did not finish within its Timeout of {wait.TimeoutSeconds} s; signalling so that the result resource reports it");
        return await SignalAsync(input, taskId, wait, "did not finish in time", cancellationToken);
    }
}

using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;
using ExportConstructs.Handler.Exports;

namespace ExportConstructs.Handler.Waiting;

/// <summary>
/// The short path's wait for a queued export (its start was refused for a limit that frees up), one
/// isComplete call at a time: at each PollInterval (one AWS start attempt per poll at most) it finds
/// or retries the start (<see cref="QueuedStarts"/>); once the export has started it waits for it as
/// <see cref="ShortWait"/> does and answers its task id, so the physical id moves to the task only on
/// success. The Timeout counts from the first refusal. With WaitForCompletion = false the resource
/// completes as soon as the export has started.
/// </summary>
internal sealed class QueueWait(QueuedStarts queue, ShortWait wait, TimeProvider clock, Action<string> log)
{
    /// <summary>How often the start of a queued export with <c>WaitForCompletion = false</c> (no PollInterval) is tried.</summary>
    public const int UnwaitedRetrySeconds = 60;

    /// <summary>One isComplete call of the wait for queued export <paramref name="queueId"/> (a Create's, or a replacement of <paramref name="replaces"/>).</summary>
    public async Task<IsCompleteResponse> WaitAsync(IExportKind kind, ExportRequest request, string queueId, string? replaces, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var elapsed = now - (request.Decided.WaitStartedAt ?? now);
        var limit = ProviderSettings.ShortPathLimitSeconds;
        var timeout = Math.Min(request.Wait?.TimeoutOr(limit) ?? limit, limit);
        // An export that does not wait for completion has no PollInterval: its start is retried every minute.
        var interval = request.Wait?.IntervalOr(ProviderSettings.QueryIntervalSeconds) ?? UnwaitedRetrySeconds;
        var overdue = elapsed >= timeout;
        // onEvent made the first attempt a moment ago; the framework's first isComplete call follows at once.
        if (!overdue && (elapsed * 2 < ProviderSettings.QueryIntervalSeconds || !ShortWait.PollDue(elapsed, interval))) return IsCompleteResponse.Pending;
        var attempt = (int)(elapsed / interval) + 1;
        string taskId;
        try
        {
            taskId = await queue.FindOrStartAsync(kind, request, queueId, replaces, attempt, now - elapsed, cancellationToken);
        }
        catch (StartRefusedException e)
        {
            if (overdue) throw Errors.NeverGotASlot(request.ResourceType, request.LogicalId, attempt, elapsed, e.Message);
            log($"Queued export {queueId}: trying again in {interval} s, until {timeout} s after the first attempt");
            return IsCompleteResponse.Pending;
        }
        catch (AwsCallException e) when (e.Transient && !overdue)
        {
            log($"Queued export {queueId}: start attempt {attempt} failed for now: {e.Message}; trying again next interval");
            return IsCompleteResponse.Pending;
        }
        var started = request.ForTask(taskId);
        try
        {
            var answer = await wait.WaitAsync(kind, started, cancellationToken);
            if (answer.IsComplete) answer.PhysicalResourceId = taskId;
            return answer;
        }
        catch (ExportNotFoundException e) when (!overdue)
        {
            log($"{e.Message} It was started moments ago (queued as {queueId}): waiting for it to show");
            return IsCompleteResponse.Pending;
        }
        catch (ExportException e) when (e is not AwsCallException { Transient: true })
        {
            // CloudFormation is answered with the queue id: stop what it started first.
            log($"Export {taskId} (queued as {queueId}) failed; stopping it before answering: {e.Message}");
            await kind.BeginDeleteAsync(started, cancellationToken);
            throw;
        }
    }
}

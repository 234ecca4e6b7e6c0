using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;
using ExportConstructs.Handler.Exports;

namespace ExportConstructs.Handler.Waiting;

/// <summary>
/// The short path's wait, one isComplete call at a time. The framework calls every
/// <see cref="ProviderSettings.QueryIntervalSeconds"/>; the export is described only when one of its
/// own PollIntervals has passed (and at the first call), and the wait ends, by the handler, not by
/// the framework, when the export's own Timeout has passed. isComplete keeps no state between
/// calls: the clock starts at onEvent's <see cref="OnEventResponse.WaitStartedAt"/>.
/// </summary>
internal sealed class ShortWait(TimeProvider clock, Action<string> log)
{
    /// <summary>One isComplete call of a wait.</summary>
    public async Task<IsCompleteResponse> WaitAsync(IExportKind kind, ExportRequest request, CancellationToken cancellationToken)
    {
        var wait = request.Wait;
        if (wait is null || request.Decided.WaitStartedAt is not { } started) return await kind.CheckAsync(request, cancellationToken);
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var elapsed = now - started;
        var timeout = wait.TimeoutOr(ProviderSettings.ShortPathLimitSeconds);
        var exportType = ResourceTypes.ExportOfResult(request.ResourceType) ?? request.ResourceType;
        // A long path's result: its export's wait is over once the poller's deadline has passed.
        if (long.TryParse(wait.Deadline, out var deadline) && deadline > 0 && now >= deadline)
        {
            var last = await kind.CheckAsync(request, cancellationToken);
            return last.IsComplete ? last : throw Errors.WaitTimedOut(exportType, request.LogicalId, request.TaskId, timeout);
        }
        // Within the custom resource's hour, whatever the export's own Timeout (a result resource's is the export's).
        timeout = Math.Min(timeout, ProviderSettings.ShortPathLimitSeconds);
        var overdue = elapsed >= timeout;
        if (!overdue && !PollDue(elapsed, wait.IntervalOr(ProviderSettings.QueryIntervalSeconds))) return IsCompleteResponse.Pending;
        IsCompleteResponse answer;
        try
        {
            answer = await kind.CheckAsync(request, cancellationToken);
        }
        catch (AwsCallException e) when (e.Transient && !overdue)
        {
            // The framework fails at once on anything isComplete throws: a passing outage (after the
            // SDK's retries) must not end a wait that the export's Timeout still allows.
            log($"Check of {request.TaskId} failed for now: {e.Message}; trying again next interval");
            return IsCompleteResponse.Pending;
        }
        catch (ExportNotFoundException e) when (elapsed < ExportNotFoundException.GraceSeconds && !overdue)
        {
            log($"{e.Message} Right after the start that can be eventual consistency: waiting");
            return IsCompleteResponse.Pending;
        }
        if (answer.IsComplete || !overdue) return answer;
        throw Errors.WaitTimedOut(request.ResourceType, request.LogicalId, request.TaskId, timeout);
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
}

using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;

namespace ExportConstructs.Handler.Exports;

/// <summary>
/// Completion events and final-state metrics: one per export that reaches a final state, from
/// whoever sees that state — the waiting resource, the watcher of an export that does not wait, or
/// the Delete that stops a running export.
/// </summary>
internal sealed partial class ExportLifecycle
{
    /// <summary>
    /// Runs the isComplete call of a wait and, when the export reaches a final state in it, reports it
    /// (<see cref="ReportEndAsync"/>). Who reports: the export resource on the short path, the result
    /// resource on the long path (the export resource there completes at once, and the result runs
    /// once per export after the WaitCondition). An export with <c>WaitForCompletion = false</c> has
    /// not ended when its resource completes: its watcher is started then, and reports when it ends.
    /// The framework stops calling isComplete after a final answer, so each wait reports once; a
    /// retried call (a Lambda failure after the publish) puts the same event again, with the same
    /// <c>eventId</c>, for a consumer to drop.
    /// </summary>
    private async Task<IsCompleteResponse> ReportingAsync(IExportKind kind, ExportRequest request, Func<Task<IsCompleteResponse>> wait, CancellationToken cancellationToken)
    {
        if (request.Properties.WaitForCompletion == "false")
        {
            var started = await wait();
            // Started under the id CloudFormation is answered with (a queued start's task, a replacement's).
            if (started.IsComplete) await _pollers.WatchAsync(request, started.PhysicalResourceId ?? request.Decided.NewTaskId ?? request.TaskId!, cancellationToken);
            return started;
        }
        if (ResourceTypes.ExportOfResult(request.ResourceType) is null && request.LongPath) return await wait();
        IsCompleteResponse answer;
        try
        {
            answer = await wait();
        }
        catch (ExportException e) when (e is not AwsCallException { Transient: true } and not QueuedStartAbandonedException)
        {
            var state = e is ExportTimedOutException ? ExportEvents.States.TimedOut : ExportEvents.States.Failed;
            var taskId = request.Decided.NewTaskId ?? request.TaskId!;
            if (e is ExportTimedOutException) await StopTimedOutAsync(kind, request, taskId, cancellationToken);
            await ReportEndAsync(request, taskId, state, null, e.Message, null, cancellationToken);
            throw;
        }
        if (answer.IsComplete)
            await ReportEndAsync(request, answer.PhysicalResourceId ?? request.Decided.NewTaskId ?? request.TaskId!, ExportEvents.States.Completed, answer.Data, null, null, cancellationToken);
        return answer;
    }

    /// <summary>
    /// Reports a final state: the metrics line (<see cref="Telemetry.ExportMetrics.Ended"/>) and the
    /// completion event (<see cref="ExportEvents"/>). Neither can fail the export: the publisher logs
    /// and counts a refused publish, and the metrics drop what EMF cannot carry.
    /// </summary>
    /// <param name="startedUnix">When the export's wait began, when the request does not say it itself (a watcher's poll).</param>
    internal async Task ReportEndAsync(ExportRequest request, string taskId, string state, Dictionary<string, string>? attributes, string? reason, long? startedUnix, CancellationToken cancellationToken)
    {
        var exportType = ResourceTypes.ExportOfResult(request.ResourceType) ?? request.ResourceType;
        var kindName = ExportEvents.Kinds.Of(exportType) ?? exportType;
        var started = (startedUnix ?? StartOf(request, exportType)) is { } at ? DateTimeOffset.FromUnixTimeSeconds(at).UtcDateTime : (DateTime?)null;
        // The export's own attributes only: the long path's wait deadline is bookkeeping.
        var exported = attributes?.Where(a => a.Key != WaitProperties.DeadlineAttribute).ToDictionary(a => a.Key, a => a.Value);
        var detail = ExportEventDetail.For(kindName, taskId, state, request.StackId, request.Properties.ExportLogicalId ?? request.LogicalId,
            started, _clock.GetUtcNow().UtcDateTime, exported, reason, request.Properties.ConstructPath);
        _metrics?.Ended(kindName, request.StackId, state, detail.DurationSeconds);
        if (_events is null) return;
        var published = await _events.PublishAsync(detail, cancellationToken);
        if (published.Published) _log($"Published {ExportEvents.DetailTypeOf(state)} event {detail.EventId} for {taskId}");
    }

    /// <summary>
    /// When the export's wait began (Unix seconds): onEvent's start on the export resource; on a long
    /// path's result resource, its poller's start, which its deadline attribute holds one Timeout less
    /// one interval later (the poller starts with the export, or its replacement).
    /// </summary>
    private static long? StartOf(ExportRequest request, string exportType)
    {
        if (exportType == request.ResourceType) return request.Decided.WaitStartedAt;
        return request.Wait is { } wait && long.TryParse(wait.Deadline, out var deadline) && deadline > 0 && wait.TimeoutOr(0) > 0
            ? deadline - wait.TimeoutOr(0) + wait.IntervalOr(ProviderSettings.QueryIntervalSeconds)
            : null;
    }

    /// <summary>A Delete that ended a running export reports it cancelled, once done: nothing else will report on it once its resource is gone.</summary>
    private Task ReportCancelledAsync(ExportRequest request, string taskId, CancellationToken cancellationToken) =>
        ReportEndAsync(request, taskId, ExportEvents.States.Cancelled, null,
            $"CloudFormation deleted {request.LogicalId} while its export ran (removal policy {request.Properties.RemovalPolicy ?? RemovalPolicies.Retain}): " +
            "EC2 cancels the task; AppStream cannot cancel, so under DESTROY the AMI it made was deregistered when it ended",
            null, cancellationToken);

    /// <summary>
    /// An export whose wait timed out is stopped before the handler answers (where AWS can stop it):
    /// its event says Timed Out, and the rollback's Delete then finds nothing running to report
    /// cancelled. A replacement (stopped by its own wait) and a queued export (its queue wait) are
    /// stopped where they fail.
    /// </summary>
    private async Task StopTimedOutAsync(IExportKind kind, ExportRequest request, string taskId, CancellationToken cancellationToken)
    {
        if (StartLimits.IsQueueId(taskId) || request.Decided.Action is ExportActions.Replacing or ExportActions.Queued) return;
        try
        {
            await kind.BeginDeleteAsync(request.ForTask(taskId), cancellationToken);
        }
        catch (ExportException e)
        {
            // The rollback's Delete stops it then: the timeout is what CloudFormation must hear.
            _log($"Could not stop {taskId} after its Timeout: {e.Message}; the rollback's Delete stops it");
        }
    }
}

using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;

namespace ExportConstructs.Handler.Exports;

/// <summary>Completion events: one per export that reaches a final state while something waits for it.</summary>
internal sealed partial class ExportLifecycle
{
    /// <summary>
    /// Runs the isComplete call of a wait and, when the export reaches a final state in it, puts the
    /// completion event (<see cref="ExportEvents"/>) on the default bus. Who reports: the export
    /// resource on the short path, the result resource on the long path (the export resource there
    /// completes at once, and the result runs once per export after the WaitCondition). An export
    /// with <c>WaitForCompletion = false</c> has not ended when its resource completes: it reports
    /// nothing here. The framework stops calling isComplete after a final answer, so each wait
    /// reports once; a retried call (a Lambda failure after the publish) puts the same event again,
    /// with the same <c>eventId</c>, for a consumer to drop. A failed publish changes nothing.
    /// </summary>
    private async Task<IsCompleteResponse> ReportingAsync(IExportKind kind, ExportRequest request, Func<Task<IsCompleteResponse>> wait, CancellationToken cancellationToken)
    {
        var resultType = ResourceTypes.ExportOfResult(request.ResourceType) is not null;
        if (_events is null || request.Properties.WaitForCompletion == "false" || (!resultType && request.LongPath)) return await wait();
        IsCompleteResponse answer;
        try
        {
            answer = await wait();
        }
        catch (ExportException e) when (e is not AwsCallException { Transient: true } and not QueuedStartAbandonedException)
        {
            var state = e is ExportTimedOutException ? ExportEvents.States.TimedOut : ExportEvents.States.Failed;
            await PublishAsync(request, request.Decided.NewTaskId ?? request.TaskId!, state, null, e.Message, cancellationToken);
            throw;
        }
        if (answer.IsComplete)
            await PublishAsync(request, answer.PhysicalResourceId ?? request.Decided.NewTaskId ?? request.TaskId!, ExportEvents.States.Completed, answer.Data, null, cancellationToken);
        return answer;
    }

    private async Task PublishAsync(ExportRequest request, string taskId, string state, Dictionary<string, string>? attributes, string? reason, CancellationToken cancellationToken)
    {
        var exportType = ResourceTypes.ExportOfResult(request.ResourceType) ?? request.ResourceType;
        // A result resource's wait began after the export's: its start time is not the export's.
        var started = request.Decided.WaitStartedAt is { } at && exportType == request.ResourceType
            ? DateTimeOffset.FromUnixTimeSeconds(at).UtcDateTime : (DateTime?)null;
        // The export's own attributes only: the long path's wait deadline is bookkeeping.
        var exported = attributes?.Where(a => a.Key != WaitProperties.DeadlineAttribute).ToDictionary(a => a.Key, a => a.Value);
        var detail = ExportEventDetail.For(ExportEvents.Kinds.Of(exportType) ?? exportType, taskId, state, request.StackId,
            request.Properties.ExportLogicalId ?? request.LogicalId, started, _clock.GetUtcNow().UtcDateTime, exported, reason);
        var published = await _events!.PublishAsync(detail, cancellationToken);
        if (published.Published) _log($"Published {ExportEvents.DetailTypeOf(state)} event {detail.EventId} for {taskId}");
    }
}

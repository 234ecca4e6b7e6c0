using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;

namespace ExportConstructs.Handler.Exports;

/// <summary>Deletes: of an export CloudFormation was told of, and of an id it made up.</summary>
internal sealed partial class ExportLifecycle
{
    private async Task<OnEventResponse> DeleteAsync(IExportKind kind, ExportRequest request, CancellationToken cancellationToken)
    {
        var taskId = request.TaskId!;
        await _pollers.StopAsync(request.Wait, taskId, request.LogicalId, cancellationToken);
        // An export that does not wait: its watcher stops with it (the Delete reports what it stops).
        await _pollers.StopWatcherAsync(request.Properties, taskId, request.LogicalId, cancellationToken);
        string? queued = null;
        var stopping = false;
        if (StartLimits.IsQueueId(taskId))
        {
            // A queued export: the poller is stopped, so the task it started (found by its request tag), if any, is all there is.
            queued = await Queue.FindAsync(kind, request.StackId, request.LogicalId, taskId, cancellationToken);
            if (queued is null)
            {
                _log($"Delete of queued export {taskId}: no export task carries its request tag. It never got a slot (it stops " +
                     "trying), or AWS no longer lists the task it started: the removal policy goes to what can be found without it");
                await kind.ReleaseUnlistedAsync(request, StartLimits.FingerprintOf(taskId), cancellationToken);
                return Answer(taskId, ExportActions.Released);
            }
            stopping = await kind.BeginDeleteAsync(request.ForTask(queued), cancellationToken);
        }
        else if (!kind.Minted(taskId))
        {
            // isComplete follows what the resource started to its end (AppStream cannot cancel) and applies the removal policy.
            return await StopUnansweredAsync(kind, request, cancellationToken) is { } started
                ? new OnEventResponse { PhysicalResourceId = taskId, Action = ExportActions.Deleting, NewTaskId = started, WaitStartedAt = await WaitStartAsync(request, cancellationToken) }
                : Answer(taskId, ExportActions.Released);
        }
        else stopping = await kind.BeginDeleteAsync(request, cancellationToken);
        // One read of the resource: when this Delete began, and which export CloudFormation holds.
        var resource = await ReadResourceAsync(request, cancellationToken);
        var answer = new OnEventResponse
        {
            PhysicalResourceId = taskId, Action = ExportActions.Deleting, NewTaskId = queued, WaitStartedAt = WaitStartOf(resource),
            Stopping = stopping ? true : null,
        };
        if (!kind.MayHaveStrays(request)) return answer;
        // Strays belong to the export CloudFormation holds, so only its own Delete ends them: never the
        // cleanup Delete of a generation it replaced (whose strays' replacement may be the held export).
        var held = resource?.Held;
        _log($"Delete of {taskId}: CloudFormation holds {held ?? "nothing it can name"} as {request.LogicalId}");
        if (held == taskId) answer.EndStrays = true;
        // The cleanup Delete of a replacement that is itself a stray of the held export (a rollback's).
        else if (held is not null && await kind.DescribeAsync(taskId, cancellationToken) is { Running: true } export && export.Replaces == held) answer.StrayOf = held;
        return answer;
    }

    /// <summary>
    /// isComplete of a Delete: the strays first (when this is the held export's Delete), then the
    /// export itself. A stray of the held export still running at the Provider's time limit is
    /// released: the held export's own Delete ends it (see <see cref="OnEventResponse.StrayOf"/>).
    /// </summary>
    private async Task<IsCompleteResponse> DeletingAsync(IExportKind kind, ExportRequest request, CancellationToken cancellationToken)
    {
        var done = (request.Decided.EndStrays != true || await kind.FinishStraysAsync(request, cancellationToken))
            && await kind.FinishDeleteAsync(request.Decided.NewTaskId is { } found ? request.ForTask(found) : request, cancellationToken);
        if (done)
        {
            if (request.Decided.Stopping == true) await ReportCancelledAsync(request, request.Decided.NewTaskId ?? request.TaskId!, cancellationToken);
            return IsCompleteResponse.Done();
        }
        if (request.Decided.WaitStartedAt is not { } started || _clock.GetUtcNow().ToUnixTimeSeconds() - started < ProviderSettings.ShortPathLimitSeconds)
            return IsCompleteResponse.Pending;
        // The Provider's time is nearly up: answer before the framework does (its "Operation timed out" says nothing).
        if (request.Decided.StrayOf is { } owner)
        {
            _log($"Export {request.TaskId} still runs at the Provider's time limit; releasing it: it is a stray of {owner}, whose own Delete ends it");
            return IsCompleteResponse.Done();
        }
        throw Errors.DeleteOutlastedTheHour(request.ResourceType, request.LogicalId, request.Decided.NewTaskId ?? request.TaskId!, request.Decided.EndStrays == true);
    }

    /// <summary>
    /// A Delete with a physical id we never minted: CloudFormation made it up after a Create or
    /// Update whose answer it never got (a timeout, a cancelled operation). What that request
    /// started is found by its owner tags and stopped; an export that is not running any more,
    /// or exports something else (the one CloudFormation still holds), is left alone.
    /// </summary>
    /// <returns>The export found, for isComplete to follow to its end; null when there is none.</returns>
    private async Task<string?> StopUnansweredAsync(IExportKind kind, ExportRequest request, CancellationToken cancellationToken)
    {
        var wanted = Tagging.IdentityOf(request.Properties);
        var owned = await kind.FindOwnedAsync(request.StackId, request.LogicalId, cancellationToken);
        // Which properties such a Delete carries after an unanswered Update is not documented (the
        // attempted ones, or those before). A running replacement is never what CloudFormation holds
        // when ids move only on completion (a short path that waits), so it is stopped either way.
        var heldOnlyOnCompletion = request.Wait is { Poller: null or "" } && request.Properties.WaitForCompletion != "false";
        string? found = null;
        foreach (var export in owned.Where(e => e.Running && (e.Identity == wanted || heldOnlyOnCompletion && e.Replaces is not null)))
        {
            _log($"Delete of {request.TaskId}, an id CloudFormation made up: export {export.TaskId} was started by this resource; stopping it");
            await _pollers.StopWatcherAsync(request.Properties, export.TaskId, request.LogicalId, cancellationToken);
            if (await kind.BeginDeleteAsync(request.ForTask(export.TaskId), cancellationToken)) await ReportCancelledAsync(request, export.TaskId, cancellationToken);
            found ??= export.TaskId;
        }
        return found;
    }
}

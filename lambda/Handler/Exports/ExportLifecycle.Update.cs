using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;

namespace ExportConstructs.Handler.Exports;

/// <summary>Updates: replace, keep (and re-tag), and roll back.</summary>
internal sealed partial class ExportLifecycle
{
    /// <summary>
    /// An Update, forward or rollback, decided from what the held export really is rather than from
    /// the two property sets alone: a rollback Update carries the properties before a failed
    /// change as the new ones, so "they differ" would start yet another export (aws-facts §6).
    /// </summary>
    private async Task<OnEventResponse> UpdateAsync(IExportKind kind, ExportRequest request, CancellationToken cancellationToken)
    {
        var held = request.TaskId!;
        if (ChangesExport(request))
        {
            // A rollback never starts an export: it returns to what these properties describe, which
            // is either the held export (the rollback of its own failed Update) or the one the held
            // export replaced (the rollback of a completed replacement). Only the stack's status
            // tells a rollback from a forward Update back to earlier properties.
            if (await _stack.RollingBackAsync(request.StackId, cancellationToken))
                return await RollBackAsync(kind, request, held, cancellationToken);
            var started = await StartOrQueueAsync(kind, request, held, cancellationToken);
            // Long path: the start succeeded (or was queued: the poller retries it), so the new id is
            // answered now; CloudFormation deletes the old export after the update.
            if (request.LongPath) return await HandOverAsync(kind, request, started, startedHere: true, cancellationToken, replaces: held);
            // Short path: CloudFormation keeps the old id until the new export has completed (isComplete answers the new one).
            return new OnEventResponse
            {
                PhysicalResourceId = held, Action = ExportActions.Replacing, NewTaskId = started,
                WaitStartedAt = await WaitStartAsync(request, cancellationToken),
            };
        }
        var kept = await Queue.ResolveAsync(kind, request, cancellationToken);
        await RetagAsync(kind, kept, cancellationToken);
        await RewatchAsync(kind, kept, cancellationToken);
        var signal = request.Wait?.Signal;
        if (signal == request.OldProperties?.Wait?.Signal) return Answer(held, ExportActions.Kept);
        // One poller per export: the one signalling the old condition stops, whether the export gets a
        // new condition (a new Timeout, a move to the long path) or none (a move to the short path).
        await _pollers.StopAsync(request.OldProperties?.Wait, held, request.LogicalId, cancellationToken);
        // A rollback returns to a condition that was signalled when it was created: nothing to poll for.
        if (signal is null || await _stack.RollingBackAsync(request.StackId, cancellationToken)) return Answer(held, ExportActions.Kept);
        return await HandOverAsync(kind, request, held, startedHere: false, cancellationToken);
    }

    /// <summary>
    /// An Update that keeps the export and turns <c>WaitForCompletion</c> off (or a stack made by an
    /// earlier version that gets watchers): a watcher is started for an export still running (one
    /// that has ended was reported, or not, when it ended). An Update that turns waiting on stops the
    /// watcher only when the long path's poller takes over (its result reports the end); on the short
    /// path, whose kept export's Update answers at once, the watcher goes on and reports the end, and
    /// ends without an event if the resource no longer holds the export by then (a watcher is named
    /// after its task, and Step Functions never reuses a closed name: one stopped could not be started
    /// again). Its bookkeeping never fails the Update.
    /// </summary>
    private async Task RewatchAsync(IExportKind kind, ExportRequest request, CancellationToken cancellationToken)
    {
        if (request.Properties.Watch is null && request.Wait?.Poller is { Length: > 0 })
            await _pollers.StopWatcherAsync(request.OldProperties, request.TaskId, request.LogicalId, cancellationToken);
        if (request.Properties.Watch is null || request.OldProperties?.Watch is not null || StartLimits.IsQueueId(request.TaskId)) return;
        try
        {
            if ((await kind.DescribeAsync(request.TaskId!, cancellationToken))?.Running == true)
                await _pollers.WatchAsync(request, request.TaskId!, cancellationToken);
        }
        catch (ExportException e)
        {
            _log($"No watcher started for {request.TaskId}: {e.Message}; its completion event will not come unless its Delete stops it while it runs");
        }
    }

    /// <summary>True when an Update changes what is exported (so the export is replaced); tags, removal policy and waiting do not.</summary>
    private static bool ChangesExport(ExportRequest request) =>
        request.OldProperties is not { } old || !old.Identity().SequenceEqual(request.Properties.Identity());

    /// <summary>The rollback of an Update: answers the export these properties describe, and stops a replacement still running.</summary>
    private async Task<OnEventResponse> RollBackAsync(IExportKind kind, ExportRequest request, string held, CancellationToken cancellationToken)
    {
        var wanted = Tagging.IdentityOf(request.Properties);
        // A queued replacement (long path) is held by its queue id: the task it started tells what it replaced.
        var current = await kind.DescribeAsync((await Queue.ResolveAsync(kind, request, cancellationToken)).TaskId!, cancellationToken);
        if (current?.Identity != wanted && current?.Replaces is { } previous && (await kind.DescribeAsync(previous, cancellationToken))?.Identity == wanted)
        {
            _log($"Rollback: returning to export {previous}, which {held} replaced");
            return Answer(previous, ExportActions.Kept);
        }
        // The rollback of this resource's own Update, whose answer CloudFormation may never have
        // heard: a replacement of the held export may still be running. Stop it.
        foreach (var stray in (await kind.FindOwnedAsync(request.StackId, request.LogicalId, cancellationToken)).Where(e => e.Running && e.Replaces == held))
        {
            _log($"Rollback: keeping {held}; stopping its replacement {stray.TaskId}");
            await kind.BeginDeleteAsync(request.ForTask(stray.TaskId), cancellationToken);
        }
        return Answer(held, ExportActions.Kept);
    }

    /// <summary>
    /// An Update that keeps the export re-tags it in place when the user tags changed (a rollback
    /// brings the earlier ones back the same way). A forward Update fails when the tags cannot be
    /// written, as CloudFormation's own resources do; a rollback logs it and goes on, since failing
    /// it would leave the stack in UPDATE_ROLLBACK_FAILED over tags.
    /// </summary>
    private async Task RetagAsync(IExportKind kind, ExportRequest request, CancellationToken cancellationToken)
    {
        var change = TagChange.Between(request.OldProperties?.Tags, request.Properties.Tags);
        if (change.IsEmpty) return;
        try
        {
            await kind.RetagAsync(request, change, cancellationToken);
        }
        catch (ExportException e)
        {
            if (!await _stack.RollingBackAsync(request.StackId, cancellationToken)) throw;
            _log($"Rollback: the tags of {request.TaskId} were not restored ({change}); the export is kept as it is. {e.Message}");
        }
    }

    /// <summary>
    /// isComplete of a short-path replacement: waits for the new export; on success answers its id
    /// (the physical id moves now, and only now); on failure or at the deadline stops it first, so the
    /// FAILED answer, which carries the old id, leaves nothing of the new export running.
    /// </summary>
    private async Task<IsCompleteResponse> ReplacingAsync(IExportKind kind, ExportRequest request, CancellationToken cancellationToken)
    {
        var newTask = request.Decided.NewTaskId ?? throw Errors.ReplacementWithoutTask(request.LogicalId);
        if (StartLimits.IsQueueId(newTask)) return await _queueWait.WaitAsync(kind, request, newTask, request.TaskId, cancellationToken);
        var replacement = request.ForTask(newTask);
        try
        {
            var answer = await _wait.WaitAsync(kind, replacement, cancellationToken);
            if (answer.IsComplete) answer.PhysicalResourceId = newTask;
            return answer;
        }
        catch (ExportException e) when (e is not AwsCallException { Transient: true })
        {
            _log($"Replacement {newTask} of {request.TaskId} failed; stopping it before answering: {e.Message}");
            await kind.BeginDeleteAsync(replacement, cancellationToken);
            throw;
        }
    }
}

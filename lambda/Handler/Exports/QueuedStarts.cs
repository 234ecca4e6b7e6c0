using ExportConstructs.Contract;

namespace ExportConstructs.Handler.Exports;

/// <summary>
/// Exports whose start AWS refused for a limit that frees up (<see cref="StartLimits"/>). Such an
/// export is answered with a queue id (<see cref="StartLimits.QueueId"/>) instead of a task id.
/// Every later look at it first finds the task an attempt started, by the request tag each attempt
/// puts on it, and only when there is none tries the start again with the same fingerprint (EC2's
/// ClientToken, AppStream's request tag): a retried attempt, or the same attempt delivered twice,
/// still yields one task.
/// </summary>
internal sealed class QueuedStarts(StackReads stack, Action<string> log)
{
    /// <summary>The task the queued export <paramref name="queueId"/> of <paramref name="logicalId"/> started; null while it has not.</summary>
    public async Task<string?> FindAsync(IExportKind kind, string stackId, string logicalId, string queueId, CancellationToken cancellationToken)
    {
        var fingerprint = StartLimits.FingerprintOf(queueId);
        var owned = await kind.FindOwnedAsync(stackId, logicalId, cancellationToken);
        return owned.FirstOrDefault(e => e.Tags.GetValueOrDefault(Tagging.RequestTag) == fingerprint)?.TaskId;
    }

    /// <summary>
    /// The request pointed at the task its queued export started (a result resource's export is
    /// named by its ExportLogicalId); unchanged when the id is not a queue id or nothing has started.
    /// </summary>
    public async Task<ExportRequest> ResolveAsync(IExportKind kind, ExportRequest request, CancellationToken cancellationToken) =>
        StartLimits.IsQueueId(request.TaskId)
        && await FindAsync(kind, request.StackId, request.Properties.ExportLogicalId ?? request.LogicalId, request.TaskId!, cancellationToken) is { } task
            ? request.ForTask(task)
            : request;

    /// <summary>
    /// One attempt of a queued export: the task it already started, else a new start under the
    /// queueing request's fingerprint. Throws <see cref="StartRefusedException"/> while AWS still
    /// refuses. Only while the stack is still in the operation whose wait began at
    /// <paramref name="since"/>: otherwise (a rollback, whose Delete may have looked already; a
    /// finished, deleted or later operation, which a leftover waiter may outlive) it starts
    /// nothing, stops what it started, and throws <see cref="QueuedStartAbandonedException"/>.
    /// </summary>
    public async Task<string> FindOrStartAsync(IExportKind kind, ExportRequest request, string queueId, string? replaces, int attempt, long since, CancellationToken cancellationToken)
    {
        var found = await FindAsync(kind, request.StackId, request.LogicalId, queueId, cancellationToken);
        if (await stack.NotWaitingSinceAsync(request.StackId, since, cancellationToken) is { } status)
        {
            if (found is not null)
            {
                log($"Queued export {queueId} of {request.LogicalId} started {found}, but the stack no longer waits for it ({status}): stopping it");
                await kind.BeginDeleteAsync(request.ForTask(found), cancellationToken);
            }
            throw Errors.QueuedStartAbandoned(request.ResourceType, request.LogicalId, queueId, status);
        }
        if (found is not null) return found;
        var starting = request with { Fingerprint = StartLimits.FingerprintOf(queueId) };
        try
        {
            var taskId = await kind.StartAsync(starting, ExportLifecycle.OwnerTags(starting, replaces), cancellationToken);
            log($"Queued export {queueId} of {request.LogicalId} got a slot at start attempt {attempt}: task {taskId}");
            return taskId;
        }
        catch (StartRefusedException e)
        {
            log($"Queued export {queueId} of {request.LogicalId}: start attempt {attempt} refused [{e.Code}]: {e.Message}");
            throw;
        }
    }
}

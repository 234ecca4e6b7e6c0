using Amazon.CloudFormation;
using Amazon.Runtime;

namespace ExportConstructs.Handler.Exports;

/// <summary>What the handler asks CloudFormation about its own stack (aws-facts §6: only the stack tells a rollback from an update).</summary>
internal sealed class StackReads(IAmazonCloudFormation cloudFormation, Action<string> log)
{
    /// <summary>True while the stack rolls back (any *ROLLBACK* status).</summary>
    public async Task<bool> RollingBackAsync(string stackId, CancellationToken cancellationToken) =>
        ((await StackAsync(stackId, "to tell a rollback from an update", cancellationToken))?.StackStatus ?? "").Contains("ROLLBACK", StringComparison.Ordinal);

    /// <summary>True while the stack runs an operation (an *_IN_PROGRESS status): only then may a WaitCondition of it take a signal.</summary>
    public async Task<bool> InProgressAsync(string stackId, CancellationToken cancellationToken) =>
        ((await StackAsync(stackId, "to know whether its WaitCondition may still take a signal", cancellationToken))?.StackStatus ?? "").EndsWith("_IN_PROGRESS", StringComparison.Ordinal);

    /// <summary>
    /// Null while the stack is still in the create or update that began before <paramref name="since"/>
    /// (the moment a queued export's wait began); otherwise the status it is in now. A rollback, a
    /// finished operation, a deleted stack or a later operation all mean nobody waits for that
    /// export any more: the framework's waiter can outlive the operation that started it.
    /// </summary>
    public async Task<string?> NotWaitingSinceAsync(string stackId, long since, CancellationToken cancellationToken)
    {
        var stack = await StackAsync(stackId, "to know that it still waits for a queued export", cancellationToken);
        var status = stack?.StackStatus ?? "gone";
        var began = stack?.LastUpdatedTime ?? stack?.CreationTime;
        if (status is not ("CREATE_IN_PROGRESS" or "UPDATE_IN_PROGRESS")) return status;
        if (began is null || new DateTimeOffset(DateTime.SpecifyKind(began.Value, DateTimeKind.Utc)).ToUnixTimeSeconds() <= since) return null;
        return $"{status}, an operation begun at {began:u}, after this wait";
    }

    /// <summary>The stack as DescribeStacks tells it; null when it names none. <paramref name="why"/> completes the advice of a refusal.</summary>
    private async Task<Amazon.CloudFormation.Stack?> StackAsync(string stackId, string why, CancellationToken cancellationToken)
    {
        try
        {
            return (await cloudFormation.DescribeStacksAsync(new DescribeStacksRequest { StackName = stackId }, cancellationToken)).Stacks.FirstOrDefault();
        }
        catch (AmazonServiceException e)
        {
            throw Errors.AwsCall("CloudFormation", "DescribeStacks", stackId, e, $"The handler needs cloudformation:DescribeStacks on its stack {why}.");
        }
    }

    /// <summary>
    /// What CloudFormation says of one resource of the stack (DescribeStackResource): the export it
    /// holds, its status and when its current operation began. A resource or stack it does not know
    /// (ValidationError) is <see cref="StackResourceState.Missing"/>; null when it cannot say, which is
    /// logged with <paramref name="why"/> (what the caller then does without it).
    /// </summary>
    public async Task<StackResourceState?> ResourceAsync(string stackId, string logicalId, string why, CancellationToken cancellationToken)
    {
        try
        {
            var found = (await cloudFormation.DescribeStackResourceAsync(new DescribeStackResourceRequest { StackName = stackId, LogicalResourceId = logicalId }, cancellationToken)).StackResourceDetail;
            var started = found.LastUpdatedTimestamp is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)).ToUnixTimeSeconds() : (long?)null;
            return new StackResourceState(true, found.PhysicalResourceId, found.ResourceStatus, started);
        }
        catch (AmazonServiceException e) when (e.ErrorCode == "ValidationError")
        {
            return StackResourceState.Missing; // "Resource … does not exist for stack …", or no such stack
        }
        catch (AmazonServiceException e)
        {
            log($"Cannot read {logicalId} from CloudFormation: [{e.ErrorCode}] {e.Message}; {why}");
            return null;
        }
    }
}

/// <summary>One resource of the stack as CloudFormation describes it (see <see cref="StackReads.ResourceAsync"/>).</summary>
internal sealed record StackResourceState(bool Exists, string PhysicalId, string Status, long? LastUpdated)
{
    /// <summary>A resource or stack CloudFormation does not know.</summary>
    public static StackResourceState Missing { get; } = new(false, "", "", null);

    /// <summary>The physical id held, or null when the resource does not exist.</summary>
    public string? Held => Exists ? PhysicalId : null;

    /// <summary>
    /// When CloudFormation began the operation it now runs on the resource (the time of its
    /// *_IN_PROGRESS status), Unix seconds: the same for every delivery of one request, so that
    /// onEvent answers a request delivered twice identically (the framework starts its waiter under
    /// the request id, and Step Functions refuses that name with another input). Null when none runs.
    /// </summary>
    public long? OperationStarted => Status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal) ? LastUpdated : null;

    /// <summary>
    /// False when the resource no longer holds <paramref name="taskId"/>: it or the stack is gone or
    /// being deleted, or it holds another export (a replacement). True when it does, or has recorded
    /// no id yet (a create in progress).
    /// </summary>
    public bool Holds(string taskId) =>
        Exists && !Status.StartsWith("DELETE", StringComparison.Ordinal) && (PhysicalId.Length == 0 || PhysicalId == taskId);
}

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
    /// False when CloudFormation no longer holds <paramref name="taskId"/> under this logical id: the
    /// resource or the stack is gone or being deleted, or holds another export (a replacement). True
    /// when it does, or has recorded no id yet (a create in progress); null when it cannot say.
    /// </summary>
    public async Task<bool?> HoldsAsync(string stackId, string logicalId, string taskId, CancellationToken cancellationToken)
    {
        try
        {
            var found = (await cloudFormation.DescribeStackResourceAsync(new DescribeStackResourceRequest { StackName = stackId, LogicalResourceId = logicalId }, cancellationToken)).StackResourceDetail;
            if (found.ResourceStatus.StartsWith("DELETE", StringComparison.Ordinal)) return false;
            return string.IsNullOrEmpty(found.PhysicalResourceId) || found.PhysicalResourceId == taskId;
        }
        catch (AmazonServiceException e) when (e.ErrorCode == "ValidationError")
        {
            return false; // "Resource … does not exist for stack …", or no such stack
        }
        catch (AmazonServiceException e)
        {
            log($"Cannot tell whether CloudFormation still holds {taskId} as {logicalId}: [{e.ErrorCode}] {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// When CloudFormation began the operation it now runs on this resource (the timestamp of its
    /// *_IN_PROGRESS status), in Unix seconds: the same for every delivery of one request, so that
    /// onEvent answers a request delivered twice identically (the framework starts its waiter under
    /// the request id, and Step Functions refuses that name with another input). Null when the
    /// resource is not in progress or CloudFormation cannot say.
    /// </summary>
    public async Task<long?> OperationStartedAsync(string stackId, string logicalId, CancellationToken cancellationToken)
    {
        try
        {
            var found = (await cloudFormation.DescribeStackResourceAsync(new DescribeStackResourceRequest { StackName = stackId, LogicalResourceId = logicalId }, cancellationToken)).StackResourceDetail;
            return found.ResourceStatus.EndsWith("_IN_PROGRESS", StringComparison.Ordinal) && found.LastUpdatedTimestamp is { } at
                ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)).ToUnixTimeSeconds()
                : null;
        }
        catch (AmazonServiceException e)
        {
            log($"Cannot tell when CloudFormation began this operation on {logicalId}: [{e.ErrorCode}] {e.Message}; the wait counts from now");
            return null;
        }
    }

    /// <summary>The physical id CloudFormation holds for this logical id now; null when it holds none, or cannot say.</summary>
    public async Task<string?> HeldAsync(string stackId, string logicalId, CancellationToken cancellationToken)
    {
        try
        {
            var found = await cloudFormation.DescribeStackResourceAsync(new DescribeStackResourceRequest { StackName = stackId, LogicalResourceId = logicalId }, cancellationToken);
            return found.StackResourceDetail.PhysicalResourceId;
        }
        catch (AmazonServiceException e)
        {
            // Not a reason to fail the Delete (CloudFormation would keep retrying it): the strays then stay, and the log says so.
            log($"Cannot tell which export CloudFormation holds for {logicalId}: [{e.ErrorCode}] {e.Message}; its strays, if any, are left");
            return null;
        }
    }
}

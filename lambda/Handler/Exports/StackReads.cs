using Amazon.CloudFormation;
using Amazon.Runtime;

namespace ExportConstructs.Handler.Exports;

/// <summary>What the handler asks CloudFormation about its own stack (aws-facts §6: only the stack tells a rollback from an update).</summary>
internal sealed class StackReads(IAmazonCloudFormation cloudFormation, Action<string> log)
{
    /// <summary>True while the stack rolls back (any *ROLLBACK* status).</summary>
    public async Task<bool> RollingBackAsync(string stackId, CancellationToken cancellationToken)
    {
        try
        {
            var stacks = await cloudFormation.DescribeStacksAsync(new DescribeStacksRequest { StackName = stackId }, cancellationToken);
            return (stacks.Stacks.FirstOrDefault()?.StackStatus ?? "").Contains("ROLLBACK", StringComparison.Ordinal);
        }
        catch (AmazonServiceException e)
        {
            throw Errors.AwsCall("CloudFormation", "DescribeStacks", stackId, e, "The handler needs cloudformation:DescribeStacks on its stack to tell a rollback from an update.");
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

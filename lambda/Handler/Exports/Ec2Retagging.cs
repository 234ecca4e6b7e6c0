using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;

namespace ExportConstructs.Handler.Exports;

/// <summary>
/// A tags-only Update applied in place to EC2 resources (an export-image-task, an AMI): the changed
/// user tags set with <c>CreateTags</c>, the removed ones deleted by key with <c>DeleteTags</c>. The
/// handler's right to do so requires the resource's owner tag and refuses owner-tag keys, so it can
/// neither touch another stack's resources nor rewrite the tags that find and scope an export.
/// </summary>
internal static class Ec2Retagging
{
    /// <summary>Applies <paramref name="change"/> to <paramref name="resourceId"/>; false when EC2 does not know it (any more).</summary>
    public static async Task<bool> ApplyAsync(IAmazonEC2 ec2, string resourceId, TagChange change, Action<string> log, CancellationToken cancellationToken)
    {
        var operation = "CreateTags";
        try
        {
            if (change.Set.Count > 0)
                await ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [resourceId], Tags = change.Set.Select(t => new Tag(t.Key, t.Value)).ToList() }, cancellationToken);
            operation = "DeleteTags";
            if (change.Removed.Count > 0)
                // A tag given without a value is deleted whatever its value. An empty list would delete every user tag.
                await ec2.DeleteTagsAsync(new DeleteTagsRequest { Resources = [resourceId], Tags = change.Removed.Select(k => new Tag { Key = k }).ToList() }, cancellationToken);
            log($"Re-tagged {resourceId}: {change}");
            return true;
        }
        catch (AmazonServiceException e) when (e.ErrorCode is { } code && code.Contains("NotFound", StringComparison.Ordinal))
        {
            log($"{resourceId} is not known to EC2 (any more); its tags were not changed");
            return false;
        }
        catch (AmazonServiceException e)
        {
            throw Errors.AwsCall("EC2", operation, resourceId, e,
                "The handler's role needs ec2:CreateTags and ec2:DeleteTags on resources carrying this stack's exportconstructs:stack tag.");
        }
    }
}

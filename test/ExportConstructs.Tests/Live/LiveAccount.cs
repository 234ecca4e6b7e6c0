using System.Diagnostics;
using System.Net;
using Amazon;
using Amazon.CloudFormation;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.S3;
using Amazon.S3.Model;
using ExportConstructs.Contract;
using CfnStack = Amazon.CloudFormation.Stack;
using Tagging = ExportConstructs.Contract.Tagging;

namespace ExportConstructs.Tests.Live;

/// <summary>
/// What the live suite reads from the account: the stack (DescribeStacks, through the repository's
/// own CloudFormation client), export tasks (EC2) and files (S3), in the settings' region with the
/// standard credential chain. Read-only.
/// </summary>
internal sealed class LiveAccount(LiveSettings settings) : IDisposable
{
    private readonly AmazonCloudFormationClient _cfn = new(new AmazonCloudFormationConfig { RegionEndpoint = RegionEndpoint.GetBySystemName(settings.Region) });
    private readonly AmazonEC2Client _ec2 = new(RegionEndpoint.GetBySystemName(settings.Region));
    private readonly AmazonS3Client _s3 = new(RegionEndpoint.GetBySystemName(settings.Region));

    public void Dispose()
    {
        _cfn.Dispose();
        _ec2.Dispose();
        _s3.Dispose();
    }

    /// <summary>The stack of this name or id (a deleted one only by id), or null when CloudFormation has none.</summary>
    public async Task<CfnStack?> StackAsync(string nameOrId)
    {
        try
        {
            var answer = await _cfn.DescribeStacksAsync(new Amazon.CloudFormation.DescribeStacksRequest { StackName = nameOrId });
            return answer.Stacks.FirstOrDefault();
        }
        catch (AmazonCloudFormationException e) when (e.ErrorCode == "ValidationError" && e.Message.Contains("does not exist", StringComparison.Ordinal))
        {
            return null;
        }
    }

    /// <summary>One export task by id.</summary>
    public async Task<ExportImageTask> TaskAsync(string taskId)
    {
        var answer = await _ec2.DescribeExportImageTasksAsync(new DescribeExportImageTasksRequest { ExportImageTaskIds = [taskId] });
        return Assert.Single(answer.ExportImageTasks ?? []);
    }

    /// <summary>Every export task the region shows that carries this stack's owner tag (DescribeExportImageTasks has no tag filter: paged and matched).</summary>
    public async Task<List<ExportImageTask>> TasksOfStackAsync(string stackId)
    {
        var tasks = new List<ExportImageTask>();
        string? next = null;
        do
        {
            var page = await _ec2.DescribeExportImageTasksAsync(new DescribeExportImageTasksRequest { NextToken = next });
            tasks.AddRange((page.ExportImageTasks ?? []).Where(t => TagOf(t, Tagging.StackTag) == stackId));
            next = page.NextToken;
        } while (!string.IsNullOrEmpty(next));
        return tasks;
    }

    /// <summary>A tag's value on a task, or null.</summary>
    public static string? TagOf(ExportImageTask task, string key) => (task.Tags ?? []).FirstOrDefault(t => t.Key == key)?.Value;

    /// <summary>The size of the object, or null when there is none.</summary>
    public async Task<long?> ObjectSizeAsync(string key)
    {
        try { return (await _s3.GetObjectMetadataAsync(settings.BucketName, key)).ContentLength; }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound) { return null; }
    }

    /// <summary>Every key under the stack's prefix.</summary>
    public async Task<List<string>> KeysUnderPrefixAsync()
    {
        var keys = new List<string>();
        string? next = null;
        do
        {
            var page = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = settings.BucketName, Prefix = settings.Prefix, ContinuationToken = next });
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            next = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (next is not null);
        return keys;
    }

    /// <summary>
    /// Checks until <paramref name="problem"/> answers null, on the real clock, every
    /// <paramref name="every"/> for at most <paramref name="limit"/>; then fails with its last answer.
    /// </summary>
    public static async Task EventuallyAsync(string what, TimeSpan limit, TimeSpan every, Func<Task<string?>> problem)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var last = await problem();
            if (last is null) return;
            if (clock.Elapsed + every > limit) Assert.Fail($"{what}: still not so after {clock.Elapsed:hh\\:mm\\:ss}: {last}");
            await Task.Delay(every);
        }
    }
}

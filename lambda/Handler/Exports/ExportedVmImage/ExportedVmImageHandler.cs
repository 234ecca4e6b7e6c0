using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.S3;
using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;

namespace ExportConstructs.Handler.Exports;

/// <summary>EC2 <c>ExportImage</c>: an AMI written to S3 as a VMDK, RAW or VHD file.</summary>
internal sealed partial class ExportedVmImageHandler(IAmazonEC2 ec2, IAmazonS3 s3, Action<string> log, Telemetry.ExportMetrics? metrics = null)
    : ExportKind<ExportedVmImageProperties>(ContractJsonContext.Default.ExportedVmImageProperties), IExportKind
{
    /// <inheritdoc />
    public string ResourceType => ResourceTypes.ExportedVmImage;

    /// <inheritdoc />
    public async Task<string> StartAsync(ExportRequest request, IReadOnlyDictionary<string, string> ownerTags, CancellationToken cancellationToken)
    {
        var p = Props(request);
        var export = new ExportImageRequest
        {
            ImageId = p.ImageId,
            DiskImageFormat = p.DiskImageFormat,
            S3ExportLocation = new ExportTaskS3LocationRequest { S3Bucket = p.S3Bucket, S3Prefix = p.S3Prefix ?? "" },
            RoleName = p.RoleName,
            Description = p.Description,
            // The same request delivered twice yields the same token, and EC2 returns the first task.
            ClientToken = request.Fingerprint,
        };
        // Owner tags last: a user tag cannot take their keys (validation refuses exportconstructs:* keys anyway).
        var tags = new Dictionary<string, string>(p.Tags ?? []);
        foreach (var (key, value) in ownerTags) tags[key] = value;
        export.TagSpecifications = [new TagSpecification
        {
            ResourceType = Amazon.EC2.ResourceType.ExportImageTask,
            Tags = tags.Select(t => new Tag(t.Key, t.Value)).ToList(),
        }];
        metrics?.StartAttempted(ExportEvents.Kinds.ExportedVmImage, request.StackId);
        try
        {
            var started = await ec2.ExportImageAsync(export, cancellationToken);
            log($"Started EC2 export {started.ExportImageTaskId} of {p.ImageId} to s3://{p.S3Bucket}/{p.S3Prefix} as {p.DiskImageFormat}");
            return started.ExportImageTaskId;
        }
        catch (AmazonServiceException e) when (StartLimits.Frees("EC2", e.ErrorCode))
        {
            throw Errors.StartRefused("EC2", "ExportImage", $"image {p.ImageId}", e, AdviceFor(e.ErrorCode));
        }
        catch (AmazonServiceException e)
        {
            throw Errors.AwsCall("EC2", "ExportImage", $"image {p.ImageId} (bucket {p.S3Bucket}, role {p.RoleName})", e, AdviceFor(e.ErrorCode));
        }
    }

    /// <inheritdoc />
    public async Task<IsCompleteResponse> CheckAsync(ExportRequest request, CancellationToken cancellationToken)
    {
        var p = Props(request);
        var taskId = request.TaskId!;
        if (!Waits(p.WaitForCompletion)) return IsCompleteResponse.Done(Attributes(p, taskId));
        var task = await DescribeAsync(taskId, cancellationToken);
        metrics?.Polled(ExportEvents.Kinds.ExportedVmImage, request.StackId, task?.Status == "completed" ? 100 : ProgressOf(task?.Progress));
        if (task is null) throw Errors.VmExportNotFound(taskId);
        switch (task.Status)
        {
            case "completed":
                log($"EC2 export {taskId} completed");
                return IsCompleteResponse.Done(Attributes(p, taskId));
            case "active":
            case "deleting":
                log($"EC2 export {taskId}: {task.Status}, {task.Progress ?? "0"}% {task.StatusMessage}");
                return IsCompleteResponse.Pending;
            default:
                throw Errors.VmExportFailed(taskId, task.ImageId ?? p.ImageId, task.Status, task.StatusMessage);
        }
    }

    /// <summary>EC2's progress ("0" to "100", a string), or null when it reports none or none that reads as a number.</summary>
    private static double? ProgressOf(string? progress) =>
        double.TryParse(progress, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 100 ? p : null;

    /// <inheritdoc />
    public Task<Dictionary<string, string>> CurrentAsync(ExportRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(Attributes(Props(request), request.TaskId!));

    /// <inheritdoc />
    /// <remarks>The task carries the tags; the file carries none. A task EC2 no longer lists has nothing left to tag.</remarks>
    public async Task RetagAsync(ExportRequest request, TagChange change, CancellationToken cancellationToken)
    {
        var taskId = request.TaskId!;
        if (Minted(taskId) && await DescribeAsync(taskId, cancellationToken) is not null)
            await Ec2Retagging.ApplyAsync(ec2, taskId, change, log, cancellationToken);
        else
            log($"EC2 export {taskId} is not known to EC2 any more: nothing carries its tags ({change} not applied; the file has no tags)");
    }

    /// <inheritdoc />
    public async Task<bool> BeginDeleteAsync(ExportRequest request, CancellationToken cancellationToken)
    {
        var taskId = request.TaskId!;
        if (!Minted(taskId)) return false;
        var task = await DescribeAsync(taskId, cancellationToken);
        // A task not seen (yet: reads are eventually consistent right after a start) is cancelled all the same.
        if (task is not null && task.Status != "active") return false;
        try
        {
            await ec2.CancelExportTaskAsync(new CancelExportTaskRequest { ExportTaskId = taskId }, cancellationToken);
            log($"Cancelled EC2 export {taskId}");
        }
        catch (AmazonServiceException e) when (task is null && e.ErrorCode is { } code && code.Contains("NotFound", StringComparison.Ordinal))
        {
            log($"EC2 export {taskId} is not known to EC2; nothing to cancel");
            return false;
        }
        catch (AmazonServiceException e)
        {
            // EC2 refuses to cancel a task that is writing its final image; it completes instead,
            // and FinishDeleteAsync applies the removal policy to the finished file: not a cancel.
            log($"EC2 did not cancel export {taskId}: [{e.ErrorCode}] {e.Message}; waiting for it to end");
            return false;
        }
        return true;
    }

    /// <inheritdoc />
    public async Task<bool> FinishDeleteAsync(ExportRequest request, CancellationToken cancellationToken)
    {
        var taskId = request.TaskId!;
        if (!Minted(taskId)) return true;
        var task = await DescribeAsync(taskId, cancellationToken);
        if (task?.Status is "active" or "deleting")
        {
            log($"Waiting for EC2 export {taskId} to stop ({task.Status}, {task.StatusMessage})");
            return false;
        }
        var p = Props(request);
        if (Destroys(p.RemovalPolicy))
            await DeleteFileAsync(p.S3Bucket!, ExportedVmImageFiles.ObjectKey(p.S3Prefix ?? "", taskId, p.DiskImageFormat ?? ""), taskId, cancellationToken);
        return true;
    }

    /// <inheritdoc />
    /// <remarks>The file carries no tags and its key holds the task id: without the task nothing names it.</remarks>
    public Task ReleaseUnlistedAsync(ExportRequest request, string fingerprint, CancellationToken cancellationToken)
    {
        if (Destroys(Props(request).RemovalPolicy))
            log($"DESTROY: EC2 lists no export task of queued export {request.TaskId}; if it started one that EC2 has since forgotten, its file under s3://{Props(request).S3Bucket}/{Props(request).S3Prefix} is left");
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>None: an EC2 replacement that failed, timed out or was rolled back is cancelled before the handler answers.</remarks>
    public bool MayHaveStrays(ExportRequest request) => false;

    /// <inheritdoc />
    public Task<bool> FinishStraysAsync(ExportRequest request, CancellationToken cancellationToken) => Task.FromResult(true);

    /// <inheritdoc />
    public bool Minted(string taskId) => taskId.StartsWith(ExportedVmImageFiles.TaskIdPrefix, StringComparison.Ordinal);

    /// <inheritdoc />
    async Task<OwnedExport?> IExportKind.DescribeAsync(string taskId, CancellationToken cancellationToken) =>
        Minted(taskId) && await DescribeAsync(taskId, cancellationToken) is { } task ? Owned(task) : null;

    /// <inheritdoc />
    public async Task<IReadOnlyList<OwnedExport>> FindOwnedAsync(string stackId, string logicalId, CancellationToken cancellationToken)
    {
        // DescribeExportImageTasks documents no tag filter: page through every task and match.
        var found = new List<OwnedExport>();
        string? next = null;
        do
        {
            DescribeExportImageTasksResponse page;
            try
            {
                page = await ec2.DescribeExportImageTasksAsync(new DescribeExportImageTasksRequest { NextToken = next, MaxResults = 500 }, cancellationToken);
            }
            catch (AmazonServiceException e)
            {
                throw Errors.AwsCall("EC2", "DescribeExportImageTasks", $"the exports of {logicalId}", e, AdviceFor(e.ErrorCode));
            }
            found.AddRange((page.ExportImageTasks ?? []).Select(Owned)
                .Where(o => o.Tags.GetValueOrDefault(Tagging.StackTag) == stackId && o.Tags.GetValueOrDefault(Tagging.LogicalIdTag) == logicalId));
            next = page.NextToken;
        } while (!string.IsNullOrEmpty(next));
        return found;
    }

    private static OwnedExport Owned(ExportImageTask task) =>
        new(task.ExportImageTaskId, (task.Tags ?? []).GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.First().Value), task.Status == "active");

    /// <summary>
    /// Removes an export's file. In a versioned bucket a plain DeleteObject only adds a delete
    /// marker and the data stays: there every version of that exact key is deleted. A file already
    /// gone is fine (S3 answers 204 for a key that does not exist).
    /// </summary>
    private async Task DeleteFileAsync(string bucket, string key, string taskId, CancellationToken cancellationToken)
    {
        var subject = $"s3://{bucket}/{key} of export {taskId}";
        const string advice = "The handler's role needs s3:DeleteObject, s3:DeleteObjectVersion, s3:GetBucketVersioning and s3:ListBucketVersions there; or set RemovalPolicy to RETAIN.";
        try
        {
            var versioning = await s3.GetBucketVersioningAsync(new Amazon.S3.Model.GetBucketVersioningRequest { BucketName = bucket }, cancellationToken);
            if (versioning.VersioningConfig?.Status is not { } status || status == VersionStatus.Off)
            {
                await s3.DeleteObjectAsync(bucket, key, cancellationToken);
                log($"Deleted s3://{bucket}/{key}");
                return;
            }
            var listed = await s3.ListVersionsAsync(new Amazon.S3.Model.ListVersionsRequest { BucketName = bucket, Prefix = key }, cancellationToken);
            foreach (var version in (listed.Versions ?? []).Where(v => v.Key == key))
            {
                await s3.DeleteObjectAsync(new Amazon.S3.Model.DeleteObjectRequest { BucketName = bucket, Key = key, VersionId = version.VersionId }, cancellationToken);
                log($"Deleted s3://{bucket}/{key} version {version.VersionId}");
            }
        }
        catch (AmazonServiceException e)
        {
            throw Errors.AwsCall("S3", "delete", subject, e, advice);
        }
    }

    private async Task<ExportImageTask?> DescribeAsync(string taskId, CancellationToken cancellationToken)
    {
        try
        {
            var found = await ec2.DescribeExportImageTasksAsync(new DescribeExportImageTasksRequest { ExportImageTaskIds = [taskId] }, cancellationToken);
            return found.ExportImageTasks?.FirstOrDefault(t => t.ExportImageTaskId == taskId);
        }
        catch (AmazonServiceException e) when (e.ErrorCode is { } code && code.Contains("NotFound", StringComparison.Ordinal))
        {
            return null;
        }
        catch (AmazonServiceException e)
        {
            throw Errors.AwsCall("EC2", "DescribeExportImageTasks", $"export {taskId}", e, AdviceFor(e.ErrorCode));
        }
    }

    private static Dictionary<string, string> Attributes(ExportedVmImageProperties p, string taskId)
    {
        var key = ExportedVmImageFiles.ObjectKey(p.S3Prefix ?? "", taskId, p.DiskImageFormat ?? "");
        return new()
        {
            [ExportedVmImageAttributeNames.ExportImageTaskId] = taskId,
            [ExportedVmImageAttributeNames.S3Bucket] = p.S3Bucket ?? "",
            [ExportedVmImageAttributeNames.S3Key] = key,
            [ExportedVmImageAttributeNames.S3Uri] = $"s3://{p.S3Bucket}/{key}",
            [ExportedVmImageAttributeNames.DiskImageFormat] = p.DiskImageFormat ?? "",
        };
    }

    private static string AdviceFor(string? code) => code switch
    {
        "InvalidAMIID.NotFound" or "InvalidAMIID.Malformed" => "Check ImageId: the AMI must exist in this account and region.",
        "NotExportable" => "AMIs with AWS-provided or Marketplace software (Windows, SQL Server) and AMIs with encrypted snapshots cannot be exported.",
        "UnauthorizedOperation" or "AccessDenied" or "AccessDeniedException" => "Check that the handler may call this action and pass the service role, and that the role trusts vmie.amazonaws.com and can write to the bucket.",
        "InvalidParameter" or "InvalidParameterValue" => "Check the bucket (same account and region, not SSE-KMS encrypted) and the role name.",
        "ResourceLimitExceeded" => "EC2 runs at most 5 conversion tasks per region at once by default, and one export per AMI; wait or ask for a higher quota.",
        "RequestLimitExceeded" or "Throttling" => "EC2 kept throttling after the retries; deploy again later.",
        _ => "",
    };
}

using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.S3;
using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;

namespace ExportConstructs.Handler.Exports;

/// <summary>EC2 <c>ExportImage</c>: an AMI written to S3 as a VMDK, RAW or VHD file.</summary>
public sealed class VmImageExport(IAmazonEC2 ec2, IAmazonS3 s3, Action<string> log)
    : ExportKind<VmImageExportProperties>(ContractJsonContext.Default.VmImageExportProperties), IExportKind
{
    private const string TaskPrefix = "export-ami-";

    /// <inheritdoc />
    public string ResourceType => ResourceTypes.ExportedVmImage;

    /// <inheritdoc />
    public void Validate(CustomResourceRequest request) => Check(Validation.Check(Props(request), Validation.Resolved));

    /// <inheritdoc />
    public bool ChangesExport(CustomResourceRequest request) =>
        OldProps(request) is not { } old || !old.Identity().SequenceEqual(Props(request).Identity());

    /// <inheritdoc />
    public async Task<string> StartAsync(CustomResourceRequest request, CancellationToken cancellationToken)
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
            ClientToken = RequestFingerprint.Of(request),
        };
        if (p.Tags is { Count: > 0 } tags)
            export.TagSpecifications = [new TagSpecification
            {
                ResourceType = Amazon.EC2.ResourceType.ExportImageTask,
                Tags = tags.Select(t => new Tag(t.Key, t.Value)).ToList(),
            }];
        try
        {
            var started = await ec2.ExportImageAsync(export, cancellationToken);
            log($"Started EC2 export {started.ExportImageTaskId} of {p.ImageId} to s3://{p.S3Bucket}/{p.S3Prefix} as {p.DiskImageFormat}");
            return started.ExportImageTaskId;
        }
        catch (AmazonServiceException e)
        {
            throw Errors.AwsCall("EC2", "ExportImage", $"image {p.ImageId} (bucket {p.S3Bucket}, role {p.RoleName})", e, AdviceFor(e.ErrorCode));
        }
    }

    /// <inheritdoc />
    public async Task<IsCompleteResponse> CheckAsync(CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var p = Props(request);
        var taskId = request.PhysicalResourceId!;
        if (!Waits(p.WaitForCompletion)) return IsCompleteResponse.Done(Attributes(p, taskId));
        var task = await DescribeAsync(taskId, cancellationToken) ?? throw Errors.VmExportNotFound(taskId);
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

    /// <inheritdoc />
    public Task<Dictionary<string, string>> CurrentAsync(CustomResourceRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(Attributes(Props(request), request.PhysicalResourceId!));

    /// <inheritdoc />
    public async Task BeginDeleteAsync(CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var taskId = request.PhysicalResourceId!;
        if (!taskId.StartsWith(TaskPrefix, StringComparison.Ordinal)) return;
        var task = await DescribeAsync(taskId, cancellationToken);
        if (task?.Status != "active") return;
        try
        {
            await ec2.CancelExportTaskAsync(new CancelExportTaskRequest { ExportTaskId = taskId }, cancellationToken);
            log($"Cancelled EC2 export {taskId}");
        }
        catch (AmazonServiceException e)
        {
            // EC2 refuses to cancel a task that is writing its final image; it completes instead,
            // and FinishDeleteAsync applies the removal policy to the finished file.
            log($"EC2 did not cancel export {taskId}: [{e.ErrorCode}] {e.Message}; waiting for it to end");
        }
    }

    /// <inheritdoc />
    public async Task<bool> FinishDeleteAsync(CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var taskId = request.PhysicalResourceId!;
        if (!taskId.StartsWith(TaskPrefix, StringComparison.Ordinal)) return true;
        var task = await DescribeAsync(taskId, cancellationToken);
        if (task?.Status is "active" or "deleting")
        {
            log($"Waiting for EC2 export {taskId} to stop ({task.Status}, {task.StatusMessage})");
            return false;
        }
        var p = Props(request);
        if (Destroys(p.RemovalPolicy))
        {
            var key = DiskImageFormats.ObjectKey(p.S3Prefix ?? "", taskId, p.DiskImageFormat ?? "");
            try
            {
                // S3 answers 204 for a key that does not exist: a file already gone is fine.
                await s3.DeleteObjectAsync(p.S3Bucket, key, cancellationToken);
                log($"Deleted s3://{p.S3Bucket}/{key}");
            }
            catch (AmazonServiceException e)
            {
                throw Errors.AwsCall("S3", "DeleteObject", $"s3://{p.S3Bucket}/{key} of export {taskId}", e,
                    "The handler's role needs s3:DeleteObject on that key; or set RemovalPolicy to RETAIN.");
            }
        }
        return true;
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

    private static Dictionary<string, string> Attributes(VmImageExportProperties p, string taskId)
    {
        var key = DiskImageFormats.ObjectKey(p.S3Prefix ?? "", taskId, p.DiskImageFormat ?? "");
        return new()
        {
            [VmImageExportData.Names.ExportImageTaskId] = taskId,
            [VmImageExportData.Names.S3Bucket] = p.S3Bucket ?? "",
            [VmImageExportData.Names.S3Key] = key,
            [VmImageExportData.Names.S3Uri] = $"s3://{p.S3Bucket}/{key}",
            [VmImageExportData.Names.DiskImageFormat] = p.DiskImageFormat ?? "",
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

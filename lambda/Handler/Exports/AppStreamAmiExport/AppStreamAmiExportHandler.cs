using Amazon.AppStream;
using Amazon.AppStream.Model;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;
using Filter = Amazon.EC2.Model.Filter;
using ExportImageTask = Amazon.AppStream.Model.ExportImageTask;

namespace ExportConstructs.Handler.Exports;

/// <summary>AppStream <c>CreateExportImageTask</c>: an AppStream image copied into an EC2 AMI.</summary>
internal sealed partial class AppStreamAmiExportHandler(IAmazonAppStream appStream, IAmazonEC2 ec2, Action<string> log, Telemetry.ExportMetrics? metrics = null)
    : ExportKind<AppStreamAmiExportProperties>(ContractJsonContext.Default.AppStreamAmiExportProperties), IExportKind
{
    /// <inheritdoc />
    public string ResourceType => ResourceTypes.AppStreamAmiExport;

    /// <summary>
    /// The AMI name used when none is given: the image name and a digest of the request, so that
    /// every export, including the one replacing another, gets a name of its own.
    /// </summary>
    public static string GeneratedAmiName(string imageName, string fingerprint) => $"{imageName}-{fingerprint[..12]}";

    /// <inheritdoc />
    public async Task<string> StartAsync(ExportRequest request, IReadOnlyDictionary<string, string> ownerTags, CancellationToken cancellationToken)
    {
        var p = Props(request);
        var fingerprint = request.Fingerprint;
        if ((await ListAsync(t => t.TagSpecifications.GetValueOrDefault(Tagging.RequestTag) == fingerprint, first: true, cancellationToken)).FirstOrDefault() is { } existing)
        {
            log($"AppStream export {existing.TaskId} was already started by this request; using it");
            return existing.TaskId;
        }
        if (p.AmiName is not null && (request.OldProperties as AppStreamAmiExportProperties)?.AmiName == p.AmiName)
            throw Errors.AmiNameCollision(p.AmiName);
        var amiName = p.AmiName ?? GeneratedAmiName(p.ImageName!, fingerprint);
        var tags = new Dictionary<string, string>(p.Tags ?? []);
        foreach (var (key, value) in ownerTags) tags[key] = value;
        metrics?.StartAttempted(ExportEvents.Kinds.AppStreamAmiExport, request.StackId);
        try
        {
            var started = await appStream.CreateExportImageTaskAsync(new CreateExportImageTaskRequest
            {
                ImageName = p.ImageName!,
                AmiName = amiName,
                IamRoleArn = p.IamRoleArn!,
                AmiDescription = p.AmiDescription,
                TagSpecifications = tags,
            }, cancellationToken);
            var taskId = started.ExportImageTask?.TaskId ?? throw Errors.AppStreamStartedNothing(p.ImageName!);
            log($"Started AppStream export {taskId} of image {p.ImageName} to AMI {amiName}");
            return taskId;
        }
        catch (AmazonServiceException e) when (StartLimits.Frees("AppStream", e.ErrorCode))
        {
            throw Errors.StartRefused("AppStream", "CreateExportImageTask", $"image {p.ImageName}", e, AdviceFor(e.ErrorCode));
        }
        catch (AmazonServiceException e)
        {
            throw Errors.AwsCall("AppStream", "CreateExportImageTask", $"image {p.ImageName} (AMI name {amiName}, role {p.IamRoleArn})", e, AdviceFor(e.ErrorCode));
        }
    }

    /// <inheritdoc />
    public async Task<IsCompleteResponse> CheckAsync(ExportRequest request, CancellationToken cancellationToken)
    {
        var taskId = request.TaskId!;
        if (!Waits(Props(request).WaitForCompletion))
            // Not waiting: the attributes as they stand, also when AppStream does not show the task yet.
            return IsCompleteResponse.Done(await CurrentAsync(request, cancellationToken));
        var task = await GetAsync(taskId, cancellationToken);
        // AppStream reports no progress: the poll is counted alone.
        metrics?.Polled(ExportEvents.Kinds.AppStreamAmiExport, request.StackId, null);
        if (task is null) throw Errors.AppStreamExportNotFound(taskId);
        if (task.State == ExportImageTaskState.COMPLETED) return IsCompleteResponse.Done(Attributes(task));
        if (task.State == ExportImageTaskState.EXPORTING)
        {
            log($"AppStream export {taskId} of {task.ImageArn}: EXPORTING");
            return IsCompleteResponse.Pending;
        }
        throw Errors.AppStreamExportFailed(taskId, task.ImageArn, task.State?.Value ?? "unknown",
            task.ErrorDetails.Select(d => $"{d.ErrorCode}: {d.ErrorMessage}"));
    }

    /// <inheritdoc />
    public async Task<Dictionary<string, string>> CurrentAsync(ExportRequest request, CancellationToken cancellationToken)
    {
        var taskId = request.TaskId!;
        // A queued export's id (StartLimits.QueueId) names no task AppStream could look up.
        if (Minted(taskId) && await GetAsync(taskId, cancellationToken) is { } task) return Attributes(task);
        // AppStream forgets finished tasks (or does not show a new one yet): an Update that keeps the
        // export must not depend on it. The AMI carries the owner tags; the rest comes from the properties.
        var p = Props(request);
        // A result resource names the export resource, whose logical id the owner tags carry.
        var image = (await OwnedAmisAsync(request.StackId, p.ExportLogicalId ?? request.LogicalId, Tagging.IdentityOf(p), cancellationToken)).FirstOrDefault();
        log($"AppStream export {taskId} is not known to AppStream; attributes from {(image is null ? "the properties (no AMI found yet)" : "AMI " + image.ImageId)}");
        var region = request.StackId.Split(':') is { Length: > 4 } arn ? (arn[3], arn[4]) : ("", "");
        return new()
        {
            [AppStreamAmiExportAttributeNames.TaskId] = taskId,
            [AppStreamAmiExportAttributeNames.AmiId] = image?.ImageId ?? "",
            [AppStreamAmiExportAttributeNames.ImageArn] = $"arn:aws:appstream:{region.Item1}:{region.Item2}:image/{p.ImageName}",
            [AppStreamAmiExportAttributeNames.AmiName] = image?.Name ?? p.AmiName ?? "",
        };
    }

    /// <summary>AMIs of this account that carry this resource's owner tags and identity.</summary>
    private async Task<List<Amazon.EC2.Model.Image>> OwnedAmisAsync(string stackId, string logicalId, string identity, CancellationToken cancellationToken)
    {
        var filters = new List<Filter>
        {
            new("tag:" + Tagging.StackTag, [stackId]), new("tag:" + Tagging.LogicalIdTag, [logicalId]), new("tag:" + Tagging.IdentityTag, [identity]),
        };
        var images = await Ec2Async("DescribeImages", $"the AMIs of {logicalId}",
            () => ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"], Filters = filters }, cancellationToken));
        return images.Images ?? [];
    }

    /// <inheritdoc />
    /// <remarks>
    /// The AMI is what lasts: it is re-tagged, found through the task, or by its owner tags once
    /// AppStream has forgotten the task. The task's own tags cannot change (AppStream tags no export
    /// tasks after their start), and an AMI still being made gets the tags its export started with.
    /// </remarks>
    public async Task RetagAsync(ExportRequest request, TagChange change, CancellationToken cancellationToken)
    {
        var taskId = request.TaskId!;
        var task = Minted(taskId) ? await GetAsync(taskId, cancellationToken) : null;
        if (task?.State == ExportImageTaskState.EXPORTING)
        {
            log($"AppStream export {taskId} is still running: AMI {task.AmiName} will carry the tags the export started with ({change} not applied)");
            return;
        }
        var p = Props(request);
        var amis = task is not null
            ? task.AmiId is { Length: > 0 } id ? [id] : []
            : (await OwnedAmisAsync(request.StackId, request.LogicalId, Tagging.IdentityOf(p), cancellationToken)).Select(i => i.ImageId).ToList();
        if (amis.Count == 0) log($"AppStream export {taskId} made no AMI that carries its tags ({change} not applied)");
        foreach (var ami in amis) await Ec2Retagging.ApplyAsync(ec2, ami, change, log, cancellationToken);
    }
}

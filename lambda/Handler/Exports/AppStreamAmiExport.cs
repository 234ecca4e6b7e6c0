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
public sealed class AppStreamAmiExport(IAmazonAppStream appStream, IAmazonEC2 ec2, Action<string> log)
    : ExportKind<AppStreamAmiExportProperties>(ContractJsonContext.Default.AppStreamAmiExportProperties), IExportKind
{
    /// <inheritdoc />
    public string ResourceType => ResourceTypes.AppStreamAmiExport;

    /// <inheritdoc />
    public void Validate(CustomResourceRequest request) => Check(Validation.Check(Props(request), Validation.Resolved));

    /// <inheritdoc />
    public bool ChangesExport(CustomResourceRequest request) =>
        OldProps(request) is not { } old || !old.Identity().SequenceEqual(Props(request).Identity());

    /// <summary>
    /// The AMI name used when none is given: the image name and a digest of the request, so that
    /// every export, including the one replacing another, gets a name of its own.
    /// </summary>
    public static string GeneratedAmiName(string imageName, string fingerprint) => $"{imageName}-{fingerprint[..12]}";

    /// <inheritdoc />
    public async Task<string> StartAsync(CustomResourceRequest request, IReadOnlyDictionary<string, string> ownerTags, CancellationToken cancellationToken)
    {
        var p = Props(request);
        var fingerprint = RequestFingerprint.Of(request);
        if ((await ListAsync(t => t.TagSpecifications.GetValueOrDefault(Tagging.RequestTag) == fingerprint, first: true, cancellationToken)).FirstOrDefault() is { } existing)
        {
            log($"AppStream export {existing.TaskId} was already started by this request; using it");
            return existing.TaskId;
        }
        if (p.AmiName is not null && OldProps(request)?.AmiName == p.AmiName)
            throw Errors.AmiNameCollision(p.AmiName);
        var amiName = p.AmiName ?? GeneratedAmiName(p.ImageName!, fingerprint);
        var tags = new Dictionary<string, string>(p.Tags ?? []);
        foreach (var (key, value) in ownerTags) tags[key] = value;
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
            var taskId = started.ExportImageTask?.TaskId ?? throw new ExportException($"AppStream CreateExportImageTask for image {p.ImageName} returned no task.");
            log($"Started AppStream export {taskId} of image {p.ImageName} to AMI {amiName}");
            return taskId;
        }
        catch (AmazonServiceException e)
        {
            throw Errors.AwsCall("AppStream", "CreateExportImageTask", $"image {p.ImageName} (AMI name {amiName}, role {p.IamRoleArn})", e, AdviceFor(e.ErrorCode));
        }
    }

    /// <inheritdoc />
    public async Task<IsCompleteResponse> CheckAsync(CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var taskId = request.PhysicalResourceId!;
        if (!Waits(Props(request).WaitForCompletion))
            // Not waiting: the attributes as they stand, also when AppStream does not show the task yet.
            return IsCompleteResponse.Done(await CurrentAsync(request, cancellationToken));
        var task = await GetAsync(taskId, cancellationToken) ?? throw Errors.AppStreamExportNotFound(taskId);
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
    public async Task<Dictionary<string, string>> CurrentAsync(CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var taskId = request.PhysicalResourceId!;
        if (await GetAsync(taskId, cancellationToken) is { } task) return Attributes(task);
        // AppStream forgets finished tasks (or does not show a new one yet): an Update that keeps the
        // export must not depend on it. The AMI carries the owner tags; the rest comes from the properties.
        var p = Props(request);
        // A result resource names the export resource, whose logical id the owner tags carry.
        var image = (await OwnedAmisAsync(request.StackId, p.ExportLogicalId ?? request.LogicalResourceId, Tagging.IdentityOf(p), cancellationToken)).FirstOrDefault();
        log($"AppStream export {taskId} is not known to AppStream; attributes from {(image is null ? "the properties (no AMI found yet)" : "AMI " + image.ImageId)}");
        var region = request.StackId.Split(':') is { Length: > 4 } arn ? (arn[3], arn[4]) : ("", "");
        return new()
        {
            [AppStreamAmiExportData.Names.TaskId] = taskId,
            [AppStreamAmiExportData.Names.AmiId] = image?.ImageId ?? "",
            [AppStreamAmiExportData.Names.ImageArn] = $"arn:aws:appstream:{region.Item1}:{region.Item2}:image/{p.ImageName}",
            [AppStreamAmiExportData.Names.AmiName] = image?.Name ?? p.AmiName ?? "",
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
    public async Task RetagAsync(CustomResourceRequest request, TagChange change, CancellationToken cancellationToken)
    {
        var taskId = request.PhysicalResourceId!;
        var task = Minted(taskId) ? await GetAsync(taskId, cancellationToken) : null;
        if (task?.State == ExportImageTaskState.EXPORTING)
        {
            log($"AppStream export {taskId} is still running: AMI {task.AmiName} will carry the tags the export started with ({change} not applied)");
            return;
        }
        var p = Props(request);
        var amis = task is not null
            ? task.AmiId is { Length: > 0 } id ? [id] : []
            : (await OwnedAmisAsync(request.StackId, request.LogicalResourceId, Tagging.IdentityOf(p), cancellationToken)).Select(i => i.ImageId).ToList();
        if (amis.Count == 0) log($"AppStream export {taskId} made no AMI that carries its tags ({change} not applied)");
        foreach (var ami in amis) await Ec2Retagging.ApplyAsync(ec2, ami, change, log, cancellationToken);
    }

    /// <inheritdoc />
    public Task BeginDeleteAsync(CustomResourceRequest request, CancellationToken cancellationToken) =>
        // AppStream has no cancel operation: FinishDeleteAsync waits for the task to end.
        Task.CompletedTask;

    /// <inheritdoc />
    public async Task<bool> FinishDeleteAsync(CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var taskId = request.PhysicalResourceId!;
        var task = await GetAsync(taskId, cancellationToken);
        if (!Destroys(Props(request).RemovalPolicy))
        {
            if (task?.State == ExportImageTaskState.EXPORTING)
                log($"RETAIN: AppStream export {taskId} is still running and will still create AMI {task.AmiName}");
            return true;
        }
        if (task is null) return true;
        if (task.State == ExportImageTaskState.EXPORTING)
        {
            log($"DESTROY: waiting for AppStream export {taskId} to end before removing AMI {task.AmiName}");
            return false;
        }
        await DeregisterAsync(task, cancellationToken);
        return true;
    }

    /// <summary>
    /// Removes exactly what this task produced: the AMIs that carry its request tag (its AmiId, or
    /// one a failed export left behind), never another AMI of the same name (another stack's, when
    /// the name was taken).
    /// </summary>
    private async Task DeregisterAsync(ExportImageTask task, CancellationToken cancellationToken)
    {
        var filters = task.TagSpecifications.TryGetValue(Tagging.RequestTag, out var request)
            ? new List<Filter> { new("tag:" + Tagging.RequestTag, [request]) }
            : task.AmiId is { } id ? [new("image-id", [id])] : null;
        if (filters is null) return;
        var images = await Ec2Async("DescribeImages", $"the AMI of export {task.TaskId}",
            () => ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"], Filters = filters }, cancellationToken));
        await DeregisterImagesAsync(images.Images ?? [], cancellationToken);
    }

    /// <summary>Deregisters these AMIs, then deletes the snapshots each used (read before).</summary>
    private async Task DeregisterImagesAsync(IEnumerable<Amazon.EC2.Model.Image> images, CancellationToken cancellationToken)
    {
        foreach (var image in images)
        {
            var snapshots = (image.BlockDeviceMappings ?? []).Select(b => b.Ebs?.SnapshotId).OfType<string>().ToList();
            await Ec2Async("DeregisterImage", image.ImageId,
                () => ec2.DeregisterImageAsync(new DeregisterImageRequest { ImageId = image.ImageId }, cancellationToken));
            log($"Deregistered AMI {image.ImageId} ({image.Name})");
            foreach (var snapshot in snapshots)
            {
                try
                {
                    await Ec2Async("DeleteSnapshot", snapshot,
                        () => ec2.DeleteSnapshotAsync(new DeleteSnapshotRequest { SnapshotId = snapshot }, cancellationToken));
                    log($"Deleted snapshot {snapshot} of {image.ImageId}");
                }
                catch (AwsCallException e) when (e.InnerException is AmazonServiceException { ErrorCode: "UnauthorizedOperation" })
                {
                    // The right to delete snapshots requires this stack's owner tag, and AWS does not document
                    // whether AppStream copies the export's tags to the AMI's snapshots: say what is left.
                    log($"LEFT: snapshot {snapshot} of the deregistered AMI {image.ImageId} does not carry this stack's owner tag, so it may not be deleted here; delete it by hand. {e.Message}");
                }
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// AppStream cannot stop an export, so a replacement the handler gave up on (its Update failed,
    /// outlasted its Timeout, or was rolled back or cancelled) runs on and makes an AMI. The export
    /// CloudFormation holds owns it: under DESTROY its Delete ends it. Under RETAIN it is kept, as the
    /// held export's AMI is: see <see cref="FinishStraysAsync"/> for why it is not removed regardless.
    /// </remarks>
    public bool MayHaveStrays(CustomResourceRequest request) => Destroys(Props(request).RemovalPolicy);

    /// <summary>
    /// The strays of the held export X, found by their owner tags: exports of this stack and logical id
    /// whose <c>replaces</c> tag names X or one of the generations X descends from (X's <c>replaces</c>,
    /// its <c>replaces</c>, ... as far as AppStream still lists them), other than those generations
    /// themselves. Running ones are waited for; then every AMI of this stack and logical id that such
    /// an export made (it carries such a <c>replaces</c> tag and is not a generation's, told by the
    /// request tag) is deregistered with its snapshots, also when AppStream has forgotten its task.
    /// The held export is a generation, so it is never among them, nor is an older generation kept
    /// under RETAIN, nor is another stack's AMI (the stack tag). What the tags cannot tell apart from a
    /// stray is a replacement CloudFormation did hold and then deleted in a rollback: its own Delete
    /// applied the removal policy then (under DESTROY it is gone already). That is why strays are
    /// removed only under DESTROY: under RETAIN removing them would also remove such a kept AMI.
    /// </summary>
    public async Task<bool> FinishStraysAsync(CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var held = request.PhysicalResourceId!;
        var tasks = (await ListAsync(t => t.TagSpecifications.GetValueOrDefault(Tagging.StackTag) == request.StackId
            && t.TagSpecifications.GetValueOrDefault(Tagging.LogicalIdTag) == request.LogicalResourceId, first: false, cancellationToken))
            .ToDictionary(t => t.TaskId);
        var generations = new HashSet<string> { held };
        var generationRequests = new HashSet<string>();
        for (var id = held; tasks.TryGetValue(id, out var generation);)
        {
            if (generation.TagSpecifications.GetValueOrDefault(Tagging.RequestTag) is { } r) generationRequests.Add(r);
            if (generation.TagSpecifications.GetValueOrDefault(Tagging.ReplacesTag) is not { } previous || !generations.Add(previous)) break;
            id = previous;
        }
        bool IsStray(Dictionary<string, string> tags) =>
            tags.GetValueOrDefault(Tagging.ReplacesTag) is { } replaced && generations.Contains(replaced)
            && !(tags.GetValueOrDefault(Tagging.RequestTag) is { } r && generationRequests.Contains(r));
        var running = tasks.Values.Where(t => !generations.Contains(t.TaskId) && IsStray(t.TagSpecifications) && t.State == ExportImageTaskState.EXPORTING).ToList();
        foreach (var stray in running)
            log($"DESTROY: waiting for AppStream export {stray.TaskId}, a replacement of {stray.TagSpecifications[Tagging.ReplacesTag]} that CloudFormation never held, to end before removing AMI {stray.AmiName}");
        if (running.Count > 0) return false;
        var filters = new List<Filter> { new("tag:" + Tagging.StackTag, [request.StackId]), new("tag:" + Tagging.LogicalIdTag, [request.LogicalResourceId]) };
        var images = await Ec2Async("DescribeImages", $"the AMIs of {request.LogicalResourceId}",
            () => ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"], Filters = filters }, cancellationToken));
        var strays = (images.Images ?? []).Where(i => IsStray((i.Tags ?? []).GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.First().Value))).ToList();
        foreach (var image in strays)
            log($"DESTROY: AMI {image.ImageId} ({image.Name}) was made by a replacement of {held} or of an export it replaced that CloudFormation never held; removing it with {held}");
        await DeregisterImagesAsync(strays, cancellationToken);
        return true;
    }

    private static async Task<T> Ec2Async<T>(string operation, string subject, Func<Task<T>> call) where T : AmazonWebServiceResponse, new()
    {
        try
        {
            return await call();
        }
        catch (AmazonServiceException e) when (e.ErrorCode is { } code && code.Contains("NotFound", StringComparison.Ordinal))
        {
            return new T(); // Already gone.
        }
        catch (AmazonServiceException e)
        {
            throw Errors.AwsCall("EC2", operation, subject, e, "The handler's role needs this permission under RemovalPolicy DESTROY; or set RemovalPolicy to RETAIN.");
        }
    }

    /// <inheritdoc />
    public bool Minted(string physicalId) => Guid.TryParse(physicalId, out _);

    /// <inheritdoc />
    async Task<OwnedExport?> IExportKind.DescribeAsync(string taskId, CancellationToken cancellationToken) =>
        Minted(taskId) && await GetAsync(taskId, cancellationToken) is { } task ? Owned(task) : null;

    /// <inheritdoc />
    public async Task<IReadOnlyList<OwnedExport>> FindOwnedAsync(string stackId, string logicalId, CancellationToken cancellationToken) =>
        (await ListAsync(t => t.TagSpecifications.GetValueOrDefault(Tagging.StackTag) == stackId && t.TagSpecifications.GetValueOrDefault(Tagging.LogicalIdTag) == logicalId,
            first: false, cancellationToken)).Select(Owned).ToList();

    private static OwnedExport Owned(ExportImageTask task) => new(task.TaskId, task.TagSpecifications, task.State == ExportImageTaskState.EXPORTING);

    /// <summary>Export tasks that match, paging through all (ListExportImageTasks documents no tag filter).</summary>
    private async Task<List<ExportImageTask>> ListAsync(Func<ExportImageTask, bool> match, bool first, CancellationToken cancellationToken)
    {
        var found = new List<ExportImageTask>();
        string? next = null;
        do
        {
            var page = await AppStreamAsync("ListExportImageTasks", "this account",
                () => appStream.ListExportImageTasksAsync(new ListExportImageTasksRequest { NextToken = next }, cancellationToken));
            found.AddRange(page.ExportImageTasks.Where(match));
            if (first && found.Count > 0) break;
            next = page.NextToken;
        } while (!string.IsNullOrEmpty(next));
        return found;
    }

    private async Task<ExportImageTask?> GetAsync(string taskId, CancellationToken cancellationToken)
    {
        try
        {
            return (await appStream.GetExportImageTaskAsync(new GetExportImageTaskRequest { TaskId = taskId }, cancellationToken)).ExportImageTask;
        }
        catch (Amazon.AppStream.Model.ResourceNotFoundException)
        {
            return null;
        }
        catch (AmazonServiceException e)
        {
            throw Errors.AwsCall("AppStream", "GetExportImageTask", $"task {taskId}", e, AdviceFor(e.ErrorCode));
        }
    }

    private static async Task<T> AppStreamAsync<T>(string operation, string subject, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonServiceException e)
        {
            throw Errors.AwsCall("AppStream", operation, subject, e, AdviceFor(e.ErrorCode));
        }
    }

    private static Dictionary<string, string> Attributes(ExportImageTask task) => new()
    {
        [AppStreamAmiExportData.Names.TaskId] = task.TaskId,
        [AppStreamAmiExportData.Names.AmiId] = task.AmiId ?? "",
        [AppStreamAmiExportData.Names.ImageArn] = task.ImageArn ?? "",
        [AppStreamAmiExportData.Names.AmiName] = task.AmiName ?? "",
    };

    private static string AdviceFor(string? code) => code switch
    {
        "ResourceNotFoundException" => "Check ImageName: the image must exist in this account and region.",
        "InvalidRoleException" => "Check Role: it must trust appstream.amazonaws.com and may copy images, describe images and create tags.",
        "LimitExceededException" => "An AppStream quota was reached; wait for running exports to end or ask for a higher quota.",
        "ResourceNotAvailableException" => "The image must be AVAILABLE and owned by this account.",
        "OperationNotPermittedException" => "AppStream does not allow exporting this image; check that it is a private image of this account.",
        "ConcurrentModificationException" => "The image is being changed; deploy again once it is stable.",
        "InvalidAccountStatusException" => "The account is not yet enabled for AppStream; contact AWS Support.",
        "AccessDeniedException" or "UnauthorizedOperation" => "Check that the handler may call this action and pass the role.",
        "ThrottlingException" => "AppStream kept throttling after the retries; deploy again later.",
        _ => "",
    };
}

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

/// <summary>Deletes of AppStream exports: AppStream cannot cancel, so a Delete follows the export to its end and then applies the removal policy to its AMI; the held export also owns its strays.</summary>
internal sealed partial class AppStreamAmiExportHandler
{
    /// <inheritdoc />
    /// <remarks>
    /// AppStream has no cancel operation: under DESTROY, FinishDeleteAsync waits for the task to end and
    /// removes its AMI, which ends the export as far as anyone can use it (true while it runs). Under
    /// RETAIN the export runs on and makes its AMI: the Delete ends nothing (false, without a read).
    /// </remarks>
    public async Task<bool> BeginDeleteAsync(ExportRequest request, CancellationToken cancellationToken) =>
        Destroys(Props(request).RemovalPolicy) && Minted(request.TaskId!)
        && (await GetAsync(request.TaskId!, cancellationToken))?.State == ExportImageTaskState.EXPORTING;

    /// <inheritdoc />
    public async Task<bool> FinishDeleteAsync(ExportRequest request, CancellationToken cancellationToken)
    {
        var taskId = request.TaskId!;
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

    /// <inheritdoc />
    /// <remarks>The AMI carries the request tag, also once AppStream has forgotten the task that made it.</remarks>
    public async Task ReleaseUnlistedAsync(ExportRequest request, string fingerprint, CancellationToken cancellationToken)
    {
        if (!Destroys(Props(request).RemovalPolicy)) return;
        var filters = new List<Filter> { new("tag:" + Tagging.StackTag, [request.StackId]), new("tag:" + Tagging.RequestTag, [fingerprint]) };
        var images = await Ec2Async("DescribeImages", $"the AMI of queued export {request.TaskId}",
            () => ec2.DescribeImagesAsync(new DescribeImagesRequest { Owners = ["self"], Filters = filters }, cancellationToken));
        await DeregisterImagesAsync(images.Images ?? [], cancellationToken);
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
    public bool MayHaveStrays(ExportRequest request) => Destroys(Props(request).RemovalPolicy);

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
    public async Task<bool> FinishStraysAsync(ExportRequest request, CancellationToken cancellationToken)
    {
        var held = request.TaskId!;
        var tasks = (await ListAsync(t => t.TagSpecifications.GetValueOrDefault(Tagging.StackTag) == request.StackId
            && t.TagSpecifications.GetValueOrDefault(Tagging.LogicalIdTag) == request.LogicalId, first: false, cancellationToken))
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
        var filters = new List<Filter> { new("tag:" + Tagging.StackTag, [request.StackId]), new("tag:" + Tagging.LogicalIdTag, [request.LogicalId]) };
        var images = await Ec2Async("DescribeImages", $"the AMIs of {request.LogicalId}",
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
}

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

/// <summary>Reading AppStream export tasks (get, list by owner tags), their attributes, and the advice for AppStream's errors.</summary>
internal sealed partial class AppStreamAmiExportHandler
{
    /// <inheritdoc />
    public bool Minted(string taskId) => Guid.TryParse(taskId, out _);

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
        [AppStreamAmiExportAttributeNames.TaskId] = task.TaskId,
        [AppStreamAmiExportAttributeNames.AmiId] = task.AmiId ?? "",
        [AppStreamAmiExportAttributeNames.ImageArn] = task.ImageArn ?? "",
        [AppStreamAmiExportAttributeNames.AmiName] = task.AmiName ?? "",
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

using Amazon.AppStream.Model;

namespace Amazon.AppStream;

/// <summary>The export-task part of AWSSDK.AppStream's <c>IAmazonAppStream</c>, with the same signatures.</summary>
public interface IAmazonAppStream : IDisposable
{
    /// <summary>Starts exporting an AppStream image to an EC2 AMI.</summary>
    Task<CreateExportImageTaskResponse> CreateExportImageTaskAsync(CreateExportImageTaskRequest request, CancellationToken cancellationToken = default);

    /// <summary>Describes one export task.</summary>
    Task<GetExportImageTaskResponse> GetExportImageTaskAsync(GetExportImageTaskRequest request, CancellationToken cancellationToken = default);

    /// <summary>Lists export tasks, one page at a time.</summary>
    Task<ListExportImageTasksResponse> ListExportImageTasksAsync(ListExportImageTasksRequest request, CancellationToken cancellationToken = default);
}

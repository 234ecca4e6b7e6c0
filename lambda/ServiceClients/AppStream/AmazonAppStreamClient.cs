using Amazon.AppStream.Internal;
using Amazon.AppStream.Model;
using Amazon.Runtime;
using Amazon.ServiceClients.Internal;

namespace Amazon.AppStream;

/// <summary>
/// AppStream (WorkSpaces Applications) over AWS JSON 1.1, through AWSSDK.Core's pipeline: the
/// standard credential chain, SigV4 signing as <c>appstream</c>, the SDK's retry policy
/// (throttling and 5xx, with backoff and jitter) and its endpoint variables.
/// </summary>
public sealed class AmazonAppStreamClient : JsonServiceClient, IAmazonAppStream
{
    /// <summary>Credentials and region from the environment, as every AWS SDK client.</summary>
    public AmazonAppStreamClient() : this(new AmazonAppStreamConfig()) { }

    /// <summary>Credentials from the environment, with this configuration.</summary>
    public AmazonAppStreamClient(AmazonAppStreamConfig config) : base(AppStreamService.Descriptor, config) { }

    /// <summary>These credentials, with this configuration.</summary>
    public AmazonAppStreamClient(AWSCredentials credentials, AmazonAppStreamConfig config) : base(AppStreamService.Descriptor, credentials, config) { }

    /// <inheritdoc />
    /// <remarks>
    /// The SDK's retry policy counts <c>LimitExceededException</c> as throttling and would retry a
    /// refused start five more times within one call. Here a limit is the export queue's business
    /// (one start attempt per poll, aws-facts §7), so this client does not retry it; throttling
    /// (<c>ThrottlingException</c>) and 5xx answers are still retried.
    /// </remarks>
    protected override void CustomizeRuntimePipeline(Amazon.Runtime.Internal.RuntimePipeline pipeline)
    {
        base.CustomizeRuntimePipeline(pipeline);
        var policy = new Amazon.Runtime.Internal.StandardRetryPolicy(Config);
        policy.ThrottlingErrorCodes.Remove("LimitExceededException");
        pipeline.ReplaceHandler<Amazon.Runtime.Internal.RetryHandler>(new Amazon.Runtime.Internal.RetryHandler(policy));
    }

    /// <inheritdoc />
    public Task<CreateExportImageTaskResponse> CreateExportImageTaskAsync(CreateExportImageTaskRequest request, CancellationToken cancellationToken = default) =>
        CallAsync<CreateExportImageTaskResponse>(request, AppStreamService.CreateExportImageTask, cancellationToken);

    /// <inheritdoc />
    public Task<GetExportImageTaskResponse> GetExportImageTaskAsync(GetExportImageTaskRequest request, CancellationToken cancellationToken = default) =>
        CallAsync<GetExportImageTaskResponse>(request, AppStreamService.GetExportImageTask, cancellationToken);

    /// <inheritdoc />
    public Task<ListExportImageTasksResponse> ListExportImageTasksAsync(ListExportImageTasksRequest request, CancellationToken cancellationToken = default) =>
        CallAsync<ListExportImageTasksResponse>(request, AppStreamService.ListExportImageTasks, cancellationToken);
}

using Amazon.AppStream.Internal;
using Amazon.AppStream.Model;
using Amazon.Runtime;
using Amazon.Runtime.Internal;

namespace Amazon.AppStream;

/// <summary>
/// AppStream (WorkSpaces Applications) over AWS JSON 1.1, through AWSSDK.Core's pipeline: the
/// standard credential chain, SigV4 signing as <c>appstream</c>, the SDK's retry policy
/// (throttling and 5xx, with backoff and jitter) and its endpoint variables.
/// </summary>
public sealed class AmazonAppStreamClient : AmazonServiceClient, IAmazonAppStream
{
    private static readonly IServiceMetadata Metadata = new AppStreamMetadata();

    /// <summary>Credentials and region from the environment, as every AWS SDK client.</summary>
    public AmazonAppStreamClient() : base(new AmazonAppStreamConfig()) { }

    /// <summary>Credentials from the environment, with this configuration.</summary>
    public AmazonAppStreamClient(AmazonAppStreamConfig config) : base(config) { }

    /// <summary>These credentials, with this configuration.</summary>
    public AmazonAppStreamClient(AWSCredentials credentials, AmazonAppStreamConfig config) : base(credentials, config) { }

    /// <inheritdoc />
    protected override IServiceMetadata ServiceMetadata => Metadata;

    /// <inheritdoc />
    protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
    {
        // The same arrangement as the generated clients: endpoint rules and auth scheme after marshalling.
        pipeline.RemoveHandler<EndpointResolver>();
        pipeline.AddHandlerAfter<Marshaller>(new AppStreamEndpointResolver());
        pipeline.AddHandlerAfter<Marshaller>(new AppStreamAuthSchemeHandler());
    }

    /// <inheritdoc />
    public Task<CreateExportImageTaskResponse> CreateExportImageTaskAsync(CreateExportImageTaskRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync<CreateExportImageTaskResponse>(request, Operations.CreateExportImageTask, cancellationToken);

    /// <inheritdoc />
    public Task<GetExportImageTaskResponse> GetExportImageTaskAsync(GetExportImageTaskRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync<GetExportImageTaskResponse>(request, Operations.GetExportImageTask, cancellationToken);

    /// <inheritdoc />
    public Task<ListExportImageTasksResponse> ListExportImageTasksAsync(ListExportImageTasksRequest request, CancellationToken cancellationToken = default) =>
        InvokeAsync<ListExportImageTasksResponse>(request, Operations.ListExportImageTasks, cancellationToken);
}

using Amazon.EventBridge.Internal;
using Amazon.EventBridge.Model;
using Amazon.Runtime;
using Amazon.ServiceClients.Internal;

namespace Amazon.EventBridge;

/// <summary>
/// EventBridge over AWS JSON 1.1, through AWSSDK.Core's pipeline: the standard credential chain,
/// SigV4 signing as <c>events</c>, the SDK's retry policy (throttling and 5xx, with backoff and
/// jitter) and its endpoint variables.
/// </summary>
public sealed class AmazonEventBridgeClient : JsonServiceClient, IAmazonEventBridge
{
    /// <summary>Credentials and region from the environment, as every AWS SDK client.</summary>
    public AmazonEventBridgeClient() : this(new AmazonEventBridgeConfig()) { }

    /// <summary>Credentials from the environment, with this configuration.</summary>
    public AmazonEventBridgeClient(AmazonEventBridgeConfig config) : base(EventBridgeService.Descriptor, config) { }

    /// <summary>These credentials, with this configuration.</summary>
    public AmazonEventBridgeClient(AWSCredentials credentials, AmazonEventBridgeConfig config) : base(EventBridgeService.Descriptor, credentials, config) { }

    /// <inheritdoc />
    public Task<PutEventsResponse> PutEventsAsync(PutEventsRequest request, CancellationToken cancellationToken = default) =>
        CallAsync<PutEventsResponse>(request, EventBridgeService.PutEvents, cancellationToken);
}

using Amazon.EventBridge.Internal;
using Amazon.ServiceClients.Internal;

namespace Amazon.EventBridge;

/// <summary>
/// Configuration of <see cref="AmazonEventBridgeClient"/>: honours <c>AWS_ENDPOINT_URL_EVENTBRIDGE</c>
/// (the variable is named after botocore's service id, "EventBridge", not the endpoint prefix) and
/// <c>AWS_ENDPOINT_URL</c>, signs as <c>events</c>, standard retry mode.
/// </summary>
public class AmazonEventBridgeConfig() : JsonServiceConfig(EventBridgeService.Descriptor)
{
    /// <summary>botocore's service id; it also names the endpoint variable.</summary>
    public const string EventBridgeServiceId = "EventBridge";

    /// <inheritdoc />
    public override string RegionEndpointServiceName => "events";

    /// <inheritdoc />
    public override string ServiceVersion => "2015-10-07";

    /// <inheritdoc />
    public override string UserAgent => "exportconstructs-events/0.1";
}

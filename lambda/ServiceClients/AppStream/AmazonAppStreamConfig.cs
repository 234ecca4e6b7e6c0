using Amazon.AppStream.Internal;
using Amazon.ServiceClients.Internal;

namespace Amazon.AppStream;

/// <summary>
/// Configuration of <see cref="AmazonAppStreamClient"/>: honours <c>AWS_ENDPOINT_URL_APPSTREAM</c>
/// and <c>AWS_ENDPOINT_URL</c>, signs as <c>appstream</c>, standard retry mode.
/// </summary>
public class AmazonAppStreamConfig() : JsonServiceConfig(AppStreamService.Descriptor)
{
    /// <summary>botocore's service id; it also names the endpoint variable.</summary>
    public const string AppStreamServiceId = "AppStream";

    /// <inheritdoc />
    public override string RegionEndpointServiceName => "appstream2";

    /// <inheritdoc />
    public override string ServiceVersion => "2016-12-01";

    /// <inheritdoc />
    public override string UserAgent => "exportconstructs-appstream/0.1";
}

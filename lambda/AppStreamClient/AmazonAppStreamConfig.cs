using Amazon.AppStream.Internal;
using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;

namespace Amazon.AppStream;

/// <summary>
/// Configuration of <see cref="AmazonAppStreamClient"/>. Setting <see cref="ClientConfig.ServiceId"/>
/// makes AWSSDK.Core honour <c>AWS_ENDPOINT_URL_APPSTREAM</c> and <c>AWS_ENDPOINT_URL</c> as every SDK does.
/// </summary>
public class AmazonAppStreamConfig : ClientConfig
{
    /// <summary>The service id of botocore's model; also names the endpoint variable.</summary>
    public const string AppStreamServiceId = "AppStream";

    private static readonly AppStreamEndpointResolver EndpointResolver = new();

    /// <summary>Standard settings (standard retry mode, default timeouts).</summary>
    public AmazonAppStreamConfig()
        : base(new DefaultConfigurationProvider([new DefaultConfiguration { Name = DefaultConfigurationMode.Standard, RetryMode = RequestRetryMode.Standard }]))
    {
        ServiceId = AppStreamServiceId;
        AuthenticationServiceName = "appstream";
        EndpointProvider = new AppStreamEndpointProvider();
    }

    /// <inheritdoc />
    public override string RegionEndpointServiceName => "appstream2";

    /// <inheritdoc />
    public override string ServiceVersion => "2016-12-01";

    /// <inheritdoc />
    public override string UserAgent => "exportconstructs-appstream/0.1";

    /// <inheritdoc />
    public override Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters)
    {
        var context = new Amazon.Runtime.Internal.ExecutionContext(new RequestContext(false)
        {
            ClientConfig = this,
            OriginalRequest = parameters.Request,
            Request = new DefaultRequest(parameters.Request, AppStreamServiceId) { AlternateEndpoint = parameters.AlternateEndpoint },
        }, null);
        return EndpointResolver.GetEndpoint(context);
    }
}

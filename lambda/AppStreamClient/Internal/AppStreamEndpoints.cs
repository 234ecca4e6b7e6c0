using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.Runtime.Credentials.Internal;

namespace Amazon.AppStream.Internal;

/// <summary>
/// AppStream's endpoints: an explicit or environment-configured URL when there is one, otherwise
/// <c>https://appstream2[-fips].{region}.amazonaws.com</c> (<c>.com.cn</c> in China regions).
/// </summary>
internal sealed class AppStreamEndpointProvider : IEndpointProvider
{
    public Endpoint ResolveEndpoint(EndpointParameters parameters)
    {
        var region = parameters["Region"] as string;
        if (parameters["Endpoint"] is string url && url.Length > 0) return WithSigning(url, region);
        if (string.IsNullOrEmpty(region))
            throw new AmazonClientException("AppStream needs a region: set AWS_REGION, or a ServiceURL.");
        var fips = parameters["UseFIPS"] is true ? "-fips" : "";
        var suffix = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
        return WithSigning($"https://appstream2{fips}.{region}.{suffix}", region);
    }

    /// <summary>
    /// Names the signing region as the generated endpoint rules do (an <c>authSchemes</c>
    /// attribute): without it the signer guesses the region from the URL, which is wrong for
    /// an endpoint override such as <c>AWS_ENDPOINT_URL_APPSTREAM</c>.
    /// </summary>
    private static Endpoint WithSigning(string url, string? region) => string.IsNullOrEmpty(region)
        ? new Endpoint(url)
        : new Endpoint(url, $$"""{"authSchemes":[{"name":"sigv4","signingName":"appstream","signingRegion":"{{region}}"}]}""", "{}");
}

/// <summary>Maps the client configuration onto the endpoint parameters above.</summary>
internal sealed class AppStreamEndpointResolver : BaseEndpointResolver
{
    protected override EndpointParameters MapEndpointsParameters(IRequestContext requestContext)
    {
        var config = requestContext.ClientConfig;
        var parameters = new EndpointParameters();
        parameters["Region"] = requestContext.Request.AlternateEndpoint?.SystemName
            ?? config.RegionEndpoint?.SystemName
            ?? config.AuthenticationRegion;
        parameters["UseFIPS"] = config.UseFIPSEndpoint;
        parameters["Endpoint"] = config.ServiceURL;
        return parameters;
    }
}

/// <summary>AppStream signs every operation with SigV4.</summary>
internal sealed class AppStreamAuthSchemeHandler : BaseAuthResolverHandler
{
    protected override List<IAuthSchemeOption> ResolveAuthOptions(IExecutionContext executionContext) => AuthSchemeOption.DEFAULT_SIGV4;
}

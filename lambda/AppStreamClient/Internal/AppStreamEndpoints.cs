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
        if (parameters["Endpoint"] is string url && url.Length > 0) return new Endpoint(url);
        if (parameters["Region"] is not string region || region.Length == 0)
            throw new AmazonClientException("AppStream needs a region: set AWS_REGION, or a ServiceURL.");
        var fips = parameters["UseFIPS"] is true ? "-fips" : "";
        var suffix = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
        return new Endpoint($"https://appstream2{fips}.{region}.{suffix}");
    }
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

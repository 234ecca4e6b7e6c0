using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.Runtime.Credentials.Internal;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.Runtime.Internal.Transform;
using Amazon.Runtime.Internal.Util;

namespace Amazon.ServiceClients.Internal;

/// <summary>Builds the typed exception for an AWS error code.</summary>
internal delegate AmazonServiceException ErrorFactory(string code, string message, Exception? inner, ErrorType type, string? requestId, HttpStatusCode status);

/// <summary>
/// What distinguishes one AWS JSON (1.0 or 1.1) service on the wire, as botocore's model names it:
/// the target prefix, the content type, the endpoint prefix, the signing name and its errors.
/// </summary>
internal sealed record JsonService(
    string ServiceId,
    string SdkServiceName,
    string TargetPrefix,
    string JsonVersion,
    string ApiVersion,
    string EndpointPrefix,
    string SigningName,
    ErrorFactory Errors)
{
    public string ContentType => "application/x-amz-json-" + JsonVersion;

    /// <summary>Invoke options for one operation: its request writer and response reader.</summary>
    public InvokeOptions Operation<TRequest, TResponse>(string operation, Action<Utf8JsonWriter, TRequest> write, Func<JsonElement, TResponse> read)
        where TRequest : AmazonWebServiceRequest
        where TResponse : AmazonWebServiceResponse => new()
    {
        RequestMarshaller = new JsonRequestMarshaller<TRequest>(this, operation, write),
        ResponseUnmarshaller = new JsonResponseUnmarshaller<TResponse>(this, read),
    };
}

/// <summary>
/// Writes one request: <c>POST /</c>, <c>X-Amz-Target: {prefix}.{operation}</c>, the JSON content
/// type, and the body the writer produces.
/// </summary>
internal sealed class JsonRequestMarshaller<TRequest>(JsonService service, string operation, Action<Utf8JsonWriter, TRequest> write)
    : IMarshaller<IRequest, AmazonWebServiceRequest> where TRequest : AmazonWebServiceRequest
{
    public IRequest Marshall(AmazonWebServiceRequest input)
    {
        var request = new DefaultRequest(input, service.SdkServiceName)
        {
            HttpMethod = "POST",
            ResourcePath = "/",
        };
        request.Headers["X-Amz-Target"] = $"{service.TargetPrefix}.{operation}";
        request.Headers["Content-Type"] = service.ContentType;
        request.Headers["X-Amz-Api-Version"] = service.ApiVersion;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer, (TRequest)input);
            writer.WriteEndObject();
        }
        request.Content = buffer.ToArray();
        return request;
    }
}

/// <summary>
/// Reads one answer. Errors (<c>{"__type": "…#Code", "message": "…"}</c>) become the service's
/// typed exception for their code, so the SDK's retry policy and callers see the AWS error code.
/// </summary>
internal sealed class JsonResponseUnmarshaller<TResponse>(JsonService service, Func<JsonElement, TResponse> read) : JsonResponseUnmarshaller
    where TResponse : AmazonWebServiceResponse
{
    public override AmazonWebServiceResponse Unmarshall(JsonUnmarshallerContext context)
    {
        using var document = JsonDocument.Parse(context.Stream);
        return read(document.RootElement);
    }

    public override AmazonServiceException UnmarshallException(JsonUnmarshallerContext context, Exception innerException, HttpStatusCode statusCode)
    {
        var reader = new StreamingUtf8JsonReader(context.Stream, AWSConfigs.StreamingUtf8JsonReaderBufferSize ?? 4096, context.JsonMaxDepth);
        var error = JsonErrorResponseUnmarshaller.GetInstance().Unmarshall(context, ref reader);
        return service.Errors(error.Code ?? statusCode.ToString(), error.Message ?? "", innerException, error.Type, error.RequestId, statusCode);
    }
}

/// <summary>Service metadata the SDK pipeline asks for.</summary>
internal sealed class JsonServiceMetadata(JsonService service) : IServiceMetadata
{
    public string ServiceId => service.ServiceId;
    public IDictionary<string, string> OperationNameMapping => new Dictionary<string, string>(0);
}

/// <summary>
/// The service's endpoints: an explicit or environment-configured URL when there is one,
/// otherwise <c>https://{prefix}[-fips].{region}.amazonaws.com</c> (<c>.com.cn</c> in China).
/// Each endpoint names its signing region, as the generated endpoint rules do: without it the
/// signer guesses the region from the URL, which is wrong behind an endpoint override.
/// </summary>
internal sealed class JsonServiceEndpointProvider(JsonService service) : IEndpointProvider
{
    public Endpoint ResolveEndpoint(EndpointParameters parameters)
    {
        var region = parameters["Region"] as string;
        if (parameters["Endpoint"] is string url && url.Length > 0) return WithSigning(url, region);
        if (string.IsNullOrEmpty(region))
            throw new AmazonClientException($"{service.ServiceId} needs a region: set AWS_REGION, or a ServiceURL.");
        var fips = parameters["UseFIPS"] is true ? "-fips" : "";
        var suffix = region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";
        return WithSigning($"https://{service.EndpointPrefix}{fips}.{region}.{suffix}", region);
    }

    private Endpoint WithSigning(string url, string? region) => string.IsNullOrEmpty(region)
        ? new Endpoint(url)
        : new Endpoint(url, $$"""{"authSchemes":[{"name":"sigv4","signingName":"{{service.SigningName}}","signingRegion":"{{region}}"}]}""", "{}");
}

/// <summary>Maps the client configuration onto the endpoint parameters above.</summary>
internal sealed class JsonServiceEndpointResolver : BaseEndpointResolver
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

/// <summary>Every operation is signed with SigV4.</summary>
internal sealed class SigV4AuthSchemeHandler : BaseAuthResolverHandler
{
    protected override List<IAuthSchemeOption> ResolveAuthOptions(IExecutionContext executionContext) => AuthSchemeOption.DEFAULT_SIGV4;
}

/// <summary>A client config for one JSON service: endpoint variables, signing name, standard retries.</summary>
public abstract class JsonServiceConfig : ClientConfig
{
    private static readonly JsonServiceEndpointResolver EndpointResolver = new();
    private readonly string _serviceId;

    internal JsonServiceConfig(JsonService service)
        : base(new DefaultConfigurationProvider([new DefaultConfiguration { Name = DefaultConfigurationMode.Standard, RetryMode = RequestRetryMode.Standard }]))
    {
        _serviceId = service.ServiceId;
        // Setting ServiceId makes AWSSDK.Core honour AWS_ENDPOINT_URL_<SERVICE_ID> and AWS_ENDPOINT_URL.
        ServiceId = service.ServiceId;
        AuthenticationServiceName = service.SigningName;
        EndpointProvider = new JsonServiceEndpointProvider(service);
    }

    /// <inheritdoc />
    public override Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters)
    {
        var context = new Amazon.Runtime.Internal.ExecutionContext(new RequestContext(false)
        {
            ClientConfig = this,
            OriginalRequest = parameters.Request,
            Request = new DefaultRequest(parameters.Request, _serviceId) { AlternateEndpoint = parameters.AlternateEndpoint },
        }, null);
        return EndpointResolver.GetEndpoint(context);
    }
}

/// <summary>A client for one JSON service on AWSSDK.Core's pipeline.</summary>
public abstract class JsonServiceClient : AmazonServiceClient
{
    private readonly IServiceMetadata _metadata;

    /// <summary>Credentials from the standard chain (environment, profile, container, instance).</summary>
    internal JsonServiceClient(JsonService service, ClientConfig config) : base(config) => _metadata = new JsonServiceMetadata(service);

    /// <summary>These credentials.</summary>
    internal JsonServiceClient(JsonService service, AWSCredentials credentials, ClientConfig config) : base(credentials, config) => _metadata = new JsonServiceMetadata(service);

    /// <inheritdoc />
    protected override IServiceMetadata ServiceMetadata => _metadata;

    /// <inheritdoc />
    protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
    {
        // The same arrangement as the generated clients: endpoint rules and auth scheme after marshalling.
        pipeline.RemoveHandler<EndpointResolver>();
        pipeline.AddHandlerAfter<Marshaller>(new JsonServiceEndpointResolver());
        pipeline.AddHandlerAfter<Marshaller>(new SigV4AuthSchemeHandler());
    }

    /// <summary>Runs one operation through the pipeline.</summary>
    internal Task<TResponse> CallAsync<TResponse>(AmazonWebServiceRequest request, InvokeOptions options, CancellationToken cancellationToken)
        where TResponse : AmazonWebServiceResponse, new() => InvokeAsync<TResponse>(request, options, cancellationToken);
}

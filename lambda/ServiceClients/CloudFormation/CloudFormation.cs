using System.Net;
using Amazon.Runtime;
using Amazon.ServiceClients.Internal;

namespace Amazon.CloudFormation;

/// <summary>Any error CloudFormation returned; <see cref="AmazonServiceException.ErrorCode"/> keeps its code (e.g. ValidationError).</summary>
public class AmazonCloudFormationException(string message, Exception? inner, ErrorType errorType, string errorCode, string? requestId, HttpStatusCode statusCode)
    : AmazonServiceException(message, inner, errorType, errorCode, requestId, statusCode);

/// <summary>AWSSDK.CloudFormation's <c>SignalResourceRequest</c>, the members the handler sets.</summary>
public class SignalResourceRequest : AmazonWebServiceRequest
{
    /// <summary>The stack's name or id.</summary>
    public string StackName { get; set; } = "";
    /// <summary>The logical id of the resource with a CreationPolicy.</summary>
    public string LogicalResourceId { get; set; } = "";
    /// <summary>Up to 64 characters; a signal of the same id is counted once.</summary>
    public string UniqueId { get; set; } = "";
    /// <summary>SUCCESS or FAILURE.</summary>
    public string Status { get; set; } = "SUCCESS";
}

/// <summary>AWSSDK.CloudFormation's <c>SignalResourceResponse</c>.</summary>
public class SignalResourceResponse : AmazonWebServiceResponse;

/// <summary>AWSSDK.CloudFormation's <c>DescribeStacksRequest</c>, the member the handler sets.</summary>
public class DescribeStacksRequest : AmazonWebServiceRequest
{
    /// <summary>The stack's name or id.</summary>
    public string StackName { get; set; } = "";
}

/// <summary>AWSSDK.CloudFormation's <c>Stack</c>, the members the handler (and the live tests) read.</summary>
public class Stack
{
    /// <summary>The stack's id (ARN).</summary>
    public string StackId { get; set; } = "";
    /// <summary>E.g. UPDATE_IN_PROGRESS, UPDATE_ROLLBACK_IN_PROGRESS.</summary>
    public string StackStatus { get; set; } = "";
    /// <summary>Why the stack is in that status, when CloudFormation says.</summary>
    public string? StackStatusReason { get; set; }
    /// <summary>When the stack was created (UTC).</summary>
    public DateTime? CreationTime { get; set; }
    /// <summary>When its last update began (UTC); null when it was never updated.</summary>
    public DateTime? LastUpdatedTime { get; set; }
    /// <summary>The stack's outputs.</summary>
    public List<Output> Outputs { get; set; } = [];
}

/// <summary>AWSSDK.CloudFormation's <c>Output</c>.</summary>
public class Output
{
    /// <summary>The output's name in the template.</summary>
    public string OutputKey { get; set; } = "";
    /// <summary>Its value ("" when CloudFormation sends an empty element).</summary>
    public string OutputValue { get; set; } = "";
    /// <summary>The output's description, if any.</summary>
    public string? Description { get; set; }
}

/// <summary>AWSSDK.CloudFormation's <c>DescribeStacksResponse</c>.</summary>
public class DescribeStacksResponse : AmazonWebServiceResponse
{
    /// <summary>The stacks described.</summary>
    public List<Stack> Stacks { get; set; } = [];
}

/// <summary>AWSSDK.CloudFormation's <c>DescribeStackResourceRequest</c>.</summary>
public class DescribeStackResourceRequest : AmazonWebServiceRequest
{
    /// <summary>The stack's name or id.</summary>
    public string StackName { get; set; } = "";
    /// <summary>The resource's logical id.</summary>
    public string LogicalResourceId { get; set; } = "";
}

/// <summary>AWSSDK.CloudFormation's <c>StackResourceDetail</c>, the members the handler reads.</summary>
public class StackResourceDetail
{
    /// <summary>The logical id.</summary>
    public string LogicalResourceId { get; set; } = "";
    /// <summary>The physical id CloudFormation holds for it now.</summary>
    public string PhysicalResourceId { get; set; } = "";
    /// <summary>E.g. DELETE_IN_PROGRESS.</summary>
    public string ResourceStatus { get; set; } = "";
    /// <summary>When the resource's status last changed (UTC): for one in progress, when CloudFormation began that operation.</summary>
    public DateTime? LastUpdatedTimestamp { get; set; }
}

/// <summary>AWSSDK.CloudFormation's <c>DescribeStackResourceResponse</c>.</summary>
public class DescribeStackResourceResponse : AmazonWebServiceResponse
{
    /// <summary>The resource.</summary>
    public StackResourceDetail StackResourceDetail { get; set; } = new();
}

/// <summary>The part of AWSSDK.CloudFormation's <c>IAmazonCloudFormation</c> the handler uses, with the same signatures.</summary>
public interface IAmazonCloudFormation : IDisposable
{
    /// <summary>Describes a stack (the right <c>cloudformation:DescribeStacks</c> on it).</summary>
    Task<DescribeStacksResponse> DescribeStacksAsync(DescribeStacksRequest request, CancellationToken cancellationToken = default);

    /// <summary>Describes one resource of a stack (the right <c>cloudformation:DescribeStackResource</c> on it).</summary>
    Task<DescribeStackResourceResponse> DescribeStackResourceAsync(DescribeStackResourceRequest request, CancellationToken cancellationToken = default);

    /// <summary>Signals a resource's CreationPolicy (the right <c>cloudformation:SignalResource</c> on the stack).</summary>
    Task<SignalResourceResponse> SignalResourceAsync(SignalResourceRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Configuration of <see cref="AmazonCloudFormationClient"/>: honours <c>AWS_ENDPOINT_URL_CLOUDFORMATION</c> and <c>AWS_ENDPOINT_URL</c>.</summary>
public class AmazonCloudFormationConfig() : JsonServiceConfig(CloudFormationService.Descriptor)
{
    /// <inheritdoc />
    public override string RegionEndpointServiceName => "cloudformation";

    /// <inheritdoc />
    public override string ServiceVersion => "2010-05-15";

    /// <inheritdoc />
    public override string UserAgent => "exportconstructs-cloudformation/0.1";
}

/// <summary>CloudFormation over the AWS Query protocol through AWSSDK.Core's pipeline.</summary>
public sealed class AmazonCloudFormationClient : JsonServiceClient, IAmazonCloudFormation
{
    /// <summary>Credentials and region from the environment.</summary>
    public AmazonCloudFormationClient() : this(new AmazonCloudFormationConfig()) { }

    /// <summary>Credentials from the environment, with this configuration.</summary>
    public AmazonCloudFormationClient(AmazonCloudFormationConfig config) : base(CloudFormationService.Descriptor, config) { }

    /// <summary>These credentials, with this configuration.</summary>
    public AmazonCloudFormationClient(AWSCredentials credentials, AmazonCloudFormationConfig config) : base(CloudFormationService.Descriptor, credentials, config) { }

    /// <inheritdoc />
    public Task<DescribeStacksResponse> DescribeStacksAsync(DescribeStacksRequest request, CancellationToken cancellationToken = default) =>
        CallAsync<DescribeStacksResponse>(request, CloudFormationService.DescribeStacks, cancellationToken);

    /// <inheritdoc />
    public Task<DescribeStackResourceResponse> DescribeStackResourceAsync(DescribeStackResourceRequest request, CancellationToken cancellationToken = default) =>
        CallAsync<DescribeStackResourceResponse>(request, CloudFormationService.DescribeStackResource, cancellationToken);

    /// <inheritdoc />
    public Task<SignalResourceResponse> SignalResourceAsync(SignalResourceRequest request, CancellationToken cancellationToken = default) =>
        CallAsync<SignalResourceResponse>(request, CloudFormationService.SignalResource, cancellationToken);
}

/// <summary>CloudFormation on the wire (botocore cloudformation 2010-05-15, protocol query).</summary>
internal static class CloudFormationService
{
    public static readonly JsonService Descriptor = new(
        ServiceId: "CloudFormation",
        SdkServiceName: "Amazon.CloudFormation",
        TargetPrefix: "",
        JsonVersion: "",
        ApiVersion: "2010-05-15",
        EndpointPrefix: "cloudformation",
        SigningName: "cloudformation",
        Errors: (c, m, i, t, r, s) => new AmazonCloudFormationException(m, i, t, c, r, s));

    public static readonly Amazon.Runtime.Internal.InvokeOptions SignalResource = QueryProtocol.Operation<SignalResourceRequest, SignalResourceResponse>(
        Descriptor, "SignalResource",
        r => [("StackName", r.StackName), ("LogicalResourceId", r.LogicalResourceId), ("UniqueId", r.UniqueId), ("Status", r.Status)],
        _ => new SignalResourceResponse());

    /// <summary>An ISO 8601 timestamp of a Query answer, as UTC; null when absent.</summary>
    private static DateTime? Time(string? value) =>
        value is null ? null : DateTime.Parse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);

    public static readonly Amazon.Runtime.Internal.InvokeOptions DescribeStacks = QueryProtocol.Operation<DescribeStacksRequest, DescribeStacksResponse>(
        Descriptor, "DescribeStacks",
        r => [("StackName", r.StackName)],
        // Stacks/member, each with Outputs/member; the names read here occur nowhere else inside a stack member.
        answer => new DescribeStacksResponse
        {
            Stacks = answer.Members("Stacks").Select(stack => new Stack
            {
                StackId = stack.Value("StackId") ?? "",
                StackStatus = stack.Value("StackStatus") ?? "",
                StackStatusReason = stack.Value("StackStatusReason"),
                CreationTime = Time(stack.Value("CreationTime")),
                LastUpdatedTime = Time(stack.Value("LastUpdatedTime")),
                Outputs = stack.Members("Outputs").Select(output => new Output
                {
                    OutputKey = output.Value("OutputKey") ?? "",
                    OutputValue = output.Value("OutputValue") ?? "",
                    Description = output.Value("Description"),
                }).ToList(),
            }).ToList(),
        });

    public static readonly Amazon.Runtime.Internal.InvokeOptions DescribeStackResource = QueryProtocol.Operation<DescribeStackResourceRequest, DescribeStackResourceResponse>(
        Descriptor, "DescribeStackResource",
        r => [("StackName", r.StackName), ("LogicalResourceId", r.LogicalResourceId)],
        // One StackResourceDetail: its leaves appear once each (the metadata's text has no element of these names).
        answer => new DescribeStackResourceResponse
        {
            StackResourceDetail = new StackResourceDetail
            {
                LogicalResourceId = answer.Values("LogicalResourceId").FirstOrDefault() ?? "",
                PhysicalResourceId = answer.Values("PhysicalResourceId").FirstOrDefault() ?? "",
                ResourceStatus = answer.Values("ResourceStatus").FirstOrDefault() ?? "",
                LastUpdatedTimestamp = Time(answer.Values("LastUpdatedTimestamp").FirstOrDefault()),
            },
        });
}

using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.ServiceClients.Internal;
using Amazon.StepFunctions.Model;

namespace Amazon.StepFunctions;

/// <summary>Any error Step Functions returned; <see cref="AmazonServiceException.ErrorCode"/> keeps its code.</summary>
public class AmazonStepFunctionsException(string message, Exception? inner, ErrorType errorType, string errorCode, string? requestId, HttpStatusCode statusCode)
    : AmazonServiceException(message, inner, errorType, errorCode, requestId, statusCode);

/// <summary>The part of AWSSDK.StepFunctions' <c>IAmazonStepFunctions</c> the handler uses, with the same signatures.</summary>
public interface IAmazonStepFunctions : IDisposable
{
    /// <summary>Starts an execution.</summary>
    Task<StartExecutionResponse> StartExecutionAsync(StartExecutionRequest request, CancellationToken cancellationToken = default);

    /// <summary>Stops an execution.</summary>
    Task<StopExecutionResponse> StopExecutionAsync(StopExecutionRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Configuration of <see cref="AmazonStepFunctionsClient"/>: honours <c>AWS_ENDPOINT_URL_SFN</c> and <c>AWS_ENDPOINT_URL</c>.</summary>
public class AmazonStepFunctionsConfig() : JsonServiceConfig(StepFunctionsService.Descriptor)
{
    /// <inheritdoc />
    public override string RegionEndpointServiceName => "states";

    /// <inheritdoc />
    public override string ServiceVersion => "2016-11-23";

    /// <inheritdoc />
    public override string UserAgent => "exportconstructs-sfn/0.1";
}

/// <summary>Step Functions over AWS JSON 1.0 through AWSSDK.Core's pipeline (signing name <c>states</c>).</summary>
public sealed class AmazonStepFunctionsClient : JsonServiceClient, IAmazonStepFunctions
{
    /// <summary>Credentials and region from the environment.</summary>
    public AmazonStepFunctionsClient() : this(new AmazonStepFunctionsConfig()) { }

    /// <summary>Credentials from the environment, with this configuration.</summary>
    public AmazonStepFunctionsClient(AmazonStepFunctionsConfig config) : base(StepFunctionsService.Descriptor, config) { }

    /// <summary>These credentials, with this configuration.</summary>
    public AmazonStepFunctionsClient(AWSCredentials credentials, AmazonStepFunctionsConfig config) : base(StepFunctionsService.Descriptor, credentials, config) { }

    /// <inheritdoc />
    public Task<StartExecutionResponse> StartExecutionAsync(StartExecutionRequest request, CancellationToken cancellationToken = default) =>
        CallAsync<StartExecutionResponse>(request, StepFunctionsService.StartExecution, cancellationToken);

    /// <inheritdoc />
    public Task<StopExecutionResponse> StopExecutionAsync(StopExecutionRequest request, CancellationToken cancellationToken = default) =>
        CallAsync<StopExecutionResponse>(request, StepFunctionsService.StopExecution, cancellationToken);
}

/// <summary>Step Functions on the wire (botocore stepfunctions 2016-11-23).</summary>
internal static class StepFunctionsService
{
    public static readonly JsonService Descriptor = new(
        ServiceId: "SFN",
        SdkServiceName: "Amazon.StepFunctions",
        TargetPrefix: "AWSStepFunctions",
        JsonVersion: "1.0",
        ApiVersion: "2016-11-23",
        EndpointPrefix: "states",
        SigningName: "states",
        Errors: (c, m, i, t, r, s) => c switch
        {
            "ExecutionAlreadyExists" => new ExecutionAlreadyExistsException(m, i, t, c, r, s),
            "ExecutionDoesNotExist" => new ExecutionDoesNotExistException(m, i, t, c, r, s),
            "StateMachineDoesNotExist" => new StateMachineDoesNotExistException(m, i, t, c, r, s),
            _ => new AmazonStepFunctionsException(m, i, t, c, r, s),
        });

    public static readonly Amazon.Runtime.Internal.InvokeOptions StartExecution = Descriptor.Operation<StartExecutionRequest, StartExecutionResponse>(
        "StartExecution",
        (w, r) =>
        {
            w.WriteString("stateMachineArn", r.StateMachineArn);
            if (r.Name is not null) w.WriteString("name", r.Name);
            if (r.Input is not null) w.WriteString("input", r.Input);
        },
        e => new StartExecutionResponse { ExecutionArn = e.GetProperty("executionArn").GetString() ?? "", StartDate = Date(e, "startDate") });

    public static readonly Amazon.Runtime.Internal.InvokeOptions StopExecution = Descriptor.Operation<StopExecutionRequest, StopExecutionResponse>(
        "StopExecution",
        (w, r) =>
        {
            w.WriteString("executionArn", r.ExecutionArn);
            if (r.Error is not null) w.WriteString("error", r.Error);
            if (r.Cause is not null) w.WriteString("cause", r.Cause);
        },
        e => new StopExecutionResponse { StopDate = Date(e, "stopDate") });

    private static DateTime? Date(JsonElement e, string name) =>
        e.TryGetProperty(name, out var d) && d.ValueKind == JsonValueKind.Number ? DateTime.UnixEpoch.AddMilliseconds(Math.Round(d.GetDouble() * 1000)) : null;
}

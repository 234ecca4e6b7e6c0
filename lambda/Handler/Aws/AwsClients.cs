using Amazon.AppStream;
using Amazon.CloudFormation;
using Amazon.EC2;
using Amazon.EventBridge;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.StepFunctions;
using ExportConstructs.Handler.CustomResources;
using ExportConstructs.Handler.Exports;
using ExportConstructs.Handler.Waiting;

namespace ExportConstructs.Handler.Aws;

/// <summary>The AWS clients the handler talks through.</summary>
internal sealed record AwsServices(IAmazonEC2 Ec2, IAmazonS3 S3, IAmazonAppStream AppStream, IAmazonStepFunctions StepFunctions, IAmazonCloudFormation CloudFormation, IAmazonEventBridge EventBridge);

/// <summary>
/// Builds the AWS clients the way they run on Lambda: credentials and region from the
/// environment, endpoints overridable by <c>AWS_ENDPOINT_URL[_SERVICE]</c>, and the SDK's standard
/// retry mode (backoff with jitter on throttling and 5xx) with a few more attempts than its
/// default, because a failed call here fails a whole stack operation.
/// </summary>
internal static class AwsClients
{
    /// <summary>Attempts per call, the first included.</summary>
    public const int MaxAttempts = 6;

    /// <summary>Clients from the environment.</summary>
    public static AwsServices FromEnvironment() => new(
        new AmazonEC2Client(Configure(new AmazonEC2Config())),
        new AmazonS3Client(Configure(new AmazonS3Config())),
        new AmazonAppStreamClient(Configure(new AmazonAppStreamConfig())),
        new AmazonStepFunctionsClient(Configure(new AmazonStepFunctionsConfig())),
        new AmazonCloudFormationClient(Configure(new AmazonCloudFormationConfig())),
        new AmazonEventBridgeClient(Configure(new AmazonEventBridgeConfig())));

    /// <summary>The export rules wired to the given clients.</summary>
    public static ExportLifecycle Lifecycle(AwsServices aws, TimeProvider clock, Action<string> log)
    {
        var emf = new Telemetry.EmbeddedMetrics(clock, log);
        var metrics = new Telemetry.ExportMetrics(emf, log);
        return new([new ExportedVmImageHandler(aws.Ec2, aws.S3, log, metrics), new AppStreamAmiExportHandler(aws.AppStream, aws.Ec2, log, metrics)],
            aws.StepFunctions, aws.CloudFormation, clock, log, new Telemetry.ExportEventPublisher(aws.EventBridge, emf, log), metrics);
    }

    /// <summary>The whole function: lifecycle and poller, for one handler string.</summary>
    public static CustomResourceFunction Function(AwsServices aws, TimeProvider clock, Action<string> log, string? handler)
    {
        var lifecycle = Lifecycle(aws, clock, log);
        return new CustomResourceFunction(lifecycle, new WaitPoller(lifecycle, aws.CloudFormation, clock, log), handler);
    }

    /// <summary>Applies the retry settings shared by every client.</summary>
    public static T Configure<T>(T config) where T : ClientConfig
    {
        config.RetryMode = RequestRetryMode.Standard;
        config.MaxErrorRetry = MaxAttempts - 1;
        return config;
    }
}

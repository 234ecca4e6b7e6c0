using Amazon.AppStream;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.S3;
using ExportConstructs.Handler.Exports;

namespace ExportConstructs.Handler.Aws;

/// <summary>
/// Builds the AWS clients the way they run on Lambda: credentials and region from the
/// environment, endpoints overridable by <c>AWS_ENDPOINT_URL[_SERVICE]</c>, and the SDK's standard
/// retry mode (backoff with jitter on throttling and 5xx) with a few more attempts than its
/// default, because a failed call here fails a whole stack operation.
/// </summary>
public static class AwsClients
{
    /// <summary>Attempts per call, the first included.</summary>
    public const int MaxAttempts = 6;

    /// <summary>The export rules wired to clients from the environment.</summary>
    public static ExportLifecycle LifecycleFromEnvironment(Action<string> log)
    {
        var ec2 = new AmazonEC2Client(Configure(new AmazonEC2Config()));
        var s3 = new AmazonS3Client(Configure(new AmazonS3Config()));
        var appStream = new AmazonAppStreamClient(Configure(new AmazonAppStreamConfig()));
        return Lifecycle(ec2, s3, appStream, log);
    }

    /// <summary>The export rules wired to the given clients.</summary>
    public static ExportLifecycle Lifecycle(IAmazonEC2 ec2, IAmazonS3 s3, IAmazonAppStream appStream, Action<string> log) =>
        new([new VmImageExport(ec2, s3, log), new AppStreamAmiExport(appStream, ec2, log)], log);

    /// <summary>Applies the retry settings shared by every client.</summary>
    public static T Configure<T>(T config) where T : ClientConfig
    {
        config.RetryMode = RequestRetryMode.Standard;
        config.MaxErrorRetry = MaxAttempts - 1;
        return config;
    }
}

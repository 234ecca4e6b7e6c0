using Amazon.AppStream;
using Amazon.CloudFormation;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.StepFunctions;
using ExportConstructs.Handler.Aws;

namespace ExportConstructs.Fakes;

/// <summary>The handler's AWS clients and process environment, pointed at the loopback fakes.</summary>
internal static class LoopbackClients
{
    /// <summary>Credentials the fakes accept (they check the signature's shape, not its key).</summary>
    public static readonly BasicAWSCredentials Credentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

    /// <summary>
    /// Real SDK clients (and the hand-written ones) with the handler's retry settings, sending to
    /// <paramref name="aws"/>, signed with <paramref name="credentials"/> (by default the fakes' own).
    /// </summary>
    public static AwsServices For(FakeAws aws, AWSCredentials? credentials = null)
    {
        credentials ??= Credentials;
        var url = aws.Url.ToString();
        T Loopback<T>(T config) where T : ClientConfig
        {
            AwsClients.Configure(config);
            config.ServiceURL = url;
            config.AuthenticationRegion = FakeAws.Region;
            return config;
        }
        return new AwsServices(
            new AmazonEC2Client(credentials, Loopback(new AmazonEC2Config())),
            new AmazonS3Client(credentials, Loopback(new AmazonS3Config { ForcePathStyle = true })),
            new AmazonAppStreamClient(credentials, Loopback(new AmazonAppStreamConfig())),
            new AmazonStepFunctionsClient(credentials, Loopback(new AmazonStepFunctionsConfig())),
            new AmazonCloudFormationClient(credentials, Loopback(new AmazonCloudFormationConfig())),
            new Amazon.EventBridge.AmazonEventBridgeClient(credentials, Loopback(new Amazon.EventBridge.AmazonEventBridgeConfig())));
    }

    /// <summary>The environment Lambda gives the bootstrap, with every AWS endpoint on <paramref name="aws"/>.</summary>
    public static Dictionary<string, string> BootstrapEnvironment(FakeRuntimeApi api, FakeAws aws, string handler) => new()
    {
        ["AWS_LAMBDA_RUNTIME_API"] = api.Address,
        ["_HANDLER"] = handler,
        ["AWS_REGION"] = FakeAws.Region,
        ["AWS_ACCESS_KEY_ID"] = Credentials.GetCredentials().AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = Credentials.GetCredentials().SecretKey,
        ["AWS_ENDPOINT_URL"] = aws.Url.ToString(),
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };
}

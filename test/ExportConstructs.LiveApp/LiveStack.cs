using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using Constructs;

namespace ExportConstructs.LiveApp;

/// <summary>
/// One ExportedVmImage on the short path (it waits inside its custom resource), writing under a
/// prefix of its own in an existing bucket, with every attribute as an output. Its inputs come from
/// CDK context, so each deploy of the live suite says exactly what it changes. <c>Fail=true</c>
/// adds a WaitCondition that nobody signals, created after the export: the stack operation fails a
/// minute after the export completed, and CloudFormation rolls back.
/// </summary>
public sealed class LiveStack : Stack
{
    /// <summary>Used when the context gives no stack name.</summary>
    public const string DefaultStackName = "ExportConstructsLive";

    /// <summary>The export's Timeout: within the short path's 55 minutes.</summary>
    public static readonly TimeSpan ExportTimeout = TimeSpan.FromMinutes(50);

    /// <summary>Logical id of the resource that fails the operation when <c>Fail=true</c>.</summary>
    public const string FailingResourceId = "NeverSignalled";

    /// <summary>Context keys.</summary>
    public static class Context
    {
        /// <summary>The CloudFormation stack name (optional).</summary>
        public const string StackName = "StackName";
        /// <summary>AMI to export (required).</summary>
        public const string ImageId = "ImageId";
        /// <summary>Existing bucket in the stack's account and region, not SSE-KMS (required).</summary>
        public const string BucketName = "BucketName";
        /// <summary><c>destroy</c> (the default) or <c>retain</c>.</summary>
        public const string RemovalPolicy = "RemovalPolicy";
        /// <summary><c>true</c> adds the failing resource.</summary>
        public const string Fail = "Fail";
    }

    /// <summary>Output names.</summary>
    public static class Outputs
    {
        public const string ExportImageTaskId = "ExportImageTaskId";
        public const string S3Bucket = "S3Bucket";
        public const string S3Key = "S3Key";
        public const string S3Uri = "S3Uri";
        /// <summary>The export resource's logical id, which the handler writes in the task's owner tags.</summary>
        public const string ExportLogicalId = "ExportLogicalId";
    }

    /// <summary>The stack name the context gives, or <see cref="DefaultStackName"/>.</summary>
    public static string StackNameOf(Construct app) => Text(app, Context.StackName) ?? DefaultStackName;

    /// <summary>Where this stack's files go in the bucket: a prefix no other stack writes under.</summary>
    public static string PrefixOf(string stackName) => $"exportconstructs-live/{stackName}/";

    /// <summary>Builds the stack from the context.</summary>
    public LiveStack(Construct scope, string id, IStackProps? props = null) : base(scope, id, props)
    {
        var vm = new ExportedVmImage(this, "Vm", new ExportedVmImageProps
        {
            ImageId = Required(Context.ImageId),
            DiskImageFormat = DiskImageFormat.VMDK,
            Bucket = Bucket.FromBucketName(this, "Bucket", Required(Context.BucketName)),
            Prefix = PrefixOf(StackName),
            Description = "ExportConstructs live check",
            RemovalPolicy = Removal(),
            Timeout = Duration.Minutes(ExportTimeout.TotalMinutes),
            PollInterval = Duration.Minutes(1),
        });

        if (Flag(Context.Fail))
        {
            // No properties and no handle: only SignalResource could complete it, and nothing calls it.
            var never = new CfnWaitCondition(this, FailingResourceId);
            never.CfnOptions.CreationPolicy = new CfnCreationPolicy { ResourceSignal = new CfnResourceSignal { Count = 1, Timeout = "PT1M" } };
            never.Node.AddDependency(vm);
        }

        Output(Outputs.ExportImageTaskId, vm.ExportImageTaskId);
        Output(Outputs.S3Bucket, vm.S3Bucket);
        Output(Outputs.S3Key, vm.S3Key);
        Output(Outputs.S3Uri, vm.S3Uri);
        Output(Outputs.ExportLogicalId, GetLogicalId((CfnElement)vm.Resource.Node.DefaultChild!));
    }

    private static string? Text(Construct scope, string key) => scope.Node.TryGetContext(key) is string value && value.Length > 0 ? value : null;

    private string Required(string key) => Text(this, key)
        ?? throw new ArgumentException($"LiveStack: context '{key}' is required; give it with -c {key}=… (see README, Checking against a real account).");

    private bool Flag(string key) => Text(this, key)?.ToLowerInvariant() switch
    {
        null or "false" => false,
        "true" => true,
        var other => throw new ArgumentException($"LiveStack: context '{key}' is '{other}'; expected true or false."),
    };

    private RemovalPolicy Removal() => Text(this, Context.RemovalPolicy)?.ToLowerInvariant() switch
    {
        null or "destroy" => RemovalPolicy.DESTROY,
        "retain" => RemovalPolicy.RETAIN,
        var other => throw new ArgumentException($"LiveStack: context '{Context.RemovalPolicy}' is '{other}'; expected destroy or retain."),
    };

    private void Output(string name, string value) => new CfnOutput(this, name, new CfnOutputProps { Value = value });
}

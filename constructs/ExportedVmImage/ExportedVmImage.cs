using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Constructs;
using ExportConstructs.Contract;

namespace ExportConstructs;

/// <summary>
/// An EC2 AMI exported to S3 as a VMDK, RAW or VHD file (EC2 <c>ExportImage</c>), as a stack
/// resource: created when the stack is deployed, replaced when what is exported changes,
/// cancelled (and, under DESTROY, deleted) with the resource.
/// </summary>
public sealed class ExportedVmImage : Construct, IExportedVmImage, ITaggableV2
{
    private readonly ExportTags _tags;

    /// <summary>The tags <c>Tags.Of(scope).Add</c> writes; they reach the export task and the AMI (the <c>Tags</c> prop wins on a conflict).</summary>
    public TagManager CdkTagManager => _tags.Manager;

    /// <summary>The default <see cref="IExportedVmImageProps.Prefix"/>.</summary>
    public const string DefaultPrefix = "exports/";

    private readonly IBucket _bucket;

    private readonly CustomResource _attributes;

    /// <summary>The custom resource that starts, replaces and cancels the export (its Ref is the task id).</summary>
    public CustomResource Resource { get; }

    /// <summary>The WaitCondition of the long-wait path (Timeout over 55 minutes), or null.</summary>
    public CfnWaitCondition? WaitCondition { get; }

    /// <summary>The role VM Import/Export uses.</summary>
    public IRole ServiceRole { get; }

    /// <summary>The EC2 export-image-task id, e.g. <c>export-ami-1234567890abcdef0</c>.</summary>
    public string ExportImageTaskId => _attributes.GetAttString(ExportedVmImageAttributeNames.ExportImageTaskId);

    /// <summary>The bucket holding the file.</summary>
    public string S3Bucket => _attributes.GetAttString(ExportedVmImageAttributeNames.S3Bucket);

    /// <summary>The file's key: prefix + task id + "." + lower-case format.</summary>
    public string S3Key => _attributes.GetAttString(ExportedVmImageAttributeNames.S3Key);

    /// <summary><c>s3://bucket/key</c> of the file.</summary>
    public string S3Uri => _attributes.GetAttString(ExportedVmImageAttributeNames.S3Uri);

    /// <summary>VMDK, RAW or VHD.</summary>
    public string DiskImageFormat => _attributes.GetAttString(ExportedVmImageAttributeNames.DiskImageFormat);

    /// <summary>Defines the export.</summary>
    public ExportedVmImage(Construct scope, string id, IExportedVmImageProps props) : base(scope, id)
    {
        var who = $"ExportedVmImage '{Node.Path}'";
        if (props.Bucket is null) throw Messages.Required(who, "Bucket", "the IBucket to write the file to");
        if (props.DiskImageFormat is not { } format) throw Messages.Required(who, "DiskImageFormat", "VMDK, RAW or VHD");
        _bucket = props.Bucket;
        Props.ThrowIfInvalid([.. BucketChecks.Problems(who, props.Bucket, Stack.Of(this))]);
        var prefix = props.Prefix ?? DefaultPrefix;
        var removal = Props.RemovalPolicyValue(who, props.RemovalPolicy);
        var waiting = Waiting.From(who, props.WaitForCompletion, props.Timeout, props.PollInterval);
        var provider = ExportProvider.Of(this);
        ServiceRole = props.Role ?? CreateServiceRole(provider, props.Bucket, prefix);

        var properties = new ExportedVmImageProperties
        {
            ImageId = props.ImageId,
            DiskImageFormat = format.ToApiValue(),
            S3Bucket = props.Bucket.BucketName,
            S3Prefix = prefix,
            Description = props.Description,
            RoleName = ServiceRole.RoleName,
        };
        (var resources, _tags) = ExportResources.Define(this, provider, waiting, ResourceTypes.ExportedVmImage, ResourceTypes.ExportedVmImageResult,
            properties, ContractJsonContext.Default.ExportedVmImageProperties, props.Tags, removal, props.WaitForCompletion, ServiceRole);
        (Resource, _attributes, WaitCondition) = (resources.Resource, resources.Attributes, resources.WaitCondition);
        GrantHandler(provider, props, prefix, removal);
        if (props.ImageId is not null && Props.IsToken(props.ImageId)) Node.AddValidation(new ChainedInput(this, props.ImageId));
        if (props.ImageId is not null) provider.OrderByImage(this, props.ImageId, _attributes, props.WaitForCompletion ?? true);
    }

    /// <summary>
    /// Allows <paramref name="grantee"/> to read the exported file: <c>s3:GetObject</c> on that one
    /// key, in the grantee's own policy (Bucket.GrantRead would grant wildcard actions on every
    /// object under a pattern). A principal of another account also needs the bucket's policy to allow it.
    /// </summary>
    public Grant GrantRead(IGrantable grantee) => GrantReadOf(grantee, _bucket, S3Key);

    /// <inheritdoc/>
    public Rule OnExportCompleted(string id, IOnEventOptions? options = null) => ExportEventRules.Completed(this, id, options, ExportEventRules.OfResource(Resource));

    /// <inheritdoc/>
    public Rule OnExportFailed(string id, IOnEventOptions? options = null) => ExportEventRules.Failed(this, id, options, ExportEventRules.OfResource(Resource));

    /// <inheritdoc/>
    public Rule OnExportStateChange(string id, IOnEventOptions? options = null) => ExportEventRules.StateChange(this, id, options, ExportEventRules.OfResource(Resource));

    internal static Grant GrantReadOf(IGrantable grantee, IBucket bucket, string key) => Grant.AddToPrincipal(new GrantOnPrincipalOptions
    {
        Grantee = grantee,
        Actions = ["s3:GetObject"],
        ResourceArns = [bucket.ArnForObjects(key)],
    });

    /// <summary>
    /// A VM file exported elsewhere (another stack, or by hand), to read and grant without owning it.
    /// Give plain values (e.g. read from an SSM parameter the exporting stack writes): a reference to
    /// another stack's attribute becomes a CloudFormation export, which blocks replacing that export.
    /// </summary>
    public static IExportedVmImage FromExportedVmImageAttributes(Construct scope, string id, IExportedVmImageAttributes attributes) =>
        new ImportedVmImage(scope, id, attributes);

    private Role CreateServiceRole(ExportProvider provider, IBucket bucket, string prefix)
    {
        var role = new Role(this, "ServiceRole", new RoleProps
        {
            // VM Import/Export assumes its role with the fixed external id "vmimport".
            AssumedBy = new ServicePrincipal("vmie.amazonaws.com").WithConditions(new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["sts:ExternalId"] = "vmimport" },
            }),
            Description = "VM Import/Export writes the exported image to its bucket and prefix with this role.",
        });
        var files = bucket.ArnForObjects(prefix + "*");
        var snapshots = provider.Arn("ec2", "snapshot/*", account: false);
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["s3:GetBucketLocation", "s3:GetBucketAcl", "s3:ListBucket"],
            Resources = [bucket.BucketArn],
        }));
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["s3:GetObject", "s3:PutObject"],
            Resources = [files],
        }));
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            // List actions: the Service Authorization Reference gives them no resource type.
            Actions = ["ec2:DescribeImages", "ec2:DescribeSnapshots"],
            Resources = ["*"],
        }));
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            // Both require the snapshot resource type (arn:…:ec2:<region>::snapshot/<id>, no account).
            Actions = ["ec2:CopySnapshot", "ec2:ModifySnapshotAttribute"],
            Resources = [snapshots],
        }));
        var stack = Stack.Of(this);
        var policy = role.Node.FindChild("DefaultPolicy");
        provider.Nag.Add(policy, "AwsSolutions-IAM5",
            "VM Import/Export writes the file under the construct's Prefix with a key EC2 makes from the task id, known only once the export starts: s3:GetObject and s3:PutObject under that prefix of this bucket only.",
            NagSuppressions.Resource(stack, files));
        provider.Nag.Add(policy, "AwsSolutions-IAM5",
            "ec2:DescribeImages and ec2:DescribeSnapshots have no resource type in the Service Authorization Reference: IAM accepts only '*' for them.",
            NagSuppressions.Resource(stack, "*"));
        provider.Nag.Add(policy, "AwsSolutions-IAM5",
            "ec2:CopySnapshot and ec2:ModifySnapshotAttribute, which the VM Import/Export guide lists for its role, act on the exported image's snapshots and their copies, whose ids AWS chooses during the export: snapshots of this region only.",
            NagSuppressions.Resource(stack, snapshots));
        return role;
    }

    private void GrantHandler(ExportProvider provider, IExportedVmImageProps props, string prefix, string removal)
    {
        var taskArn = provider.Arn("ec2", "export-image-task/*");
        provider.Allow(["ec2:ExportImage"], [taskArn]);
        // The image may be another resource's attribute (e.g. an AppStreamAmiExport's AmiId): AllowFor
        // keeps such a grant out of the shared policy, where it would close a dependency cycle.
        provider.AllowFor(Resource, ["ec2:ExportImage"], provider.Arn("ec2", "image/" + props.ImageId, account: false), source: props.ImageId);
        // Every export carries the owner tags (cancelling and finding it rely on them; see ExportProvider).
        provider.Allow(["ec2:CreateTags"], [taskArn], new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["ec2:CreateAction"] = "ExportImage" } });
        var passRole = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["iam:PassedToService"] = "vmie.amazonaws.com" } };
        // A role this construct made depends on nothing that needs the handler: it may stay shared.
        if (props.Role is null) provider.Allow(["iam:PassRole"], [ServiceRole.RoleArn], passRole);
        else provider.AllowFor(Resource, ["iam:PassRole"], ServiceRole.RoleArn, passRole);
        // The VM Import/Export guide lists this for the caller of an export.
        provider.AllowFor(Resource, ["s3:GetBucketLocation"], props.Bucket.BucketArn);
        if (removal == RemovalPolicies.Destroy)
            Resource.Node.AddDependency(provider.FileCleanup(props.Bucket.BucketName, props.Bucket.BucketArn));
    }
}

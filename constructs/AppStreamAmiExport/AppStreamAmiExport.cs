using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Constructs;
using ExportConstructs.Contract;

namespace ExportConstructs;

/// <summary>
/// An AppStream (WorkSpaces Applications) image exported to an EC2 AMI
/// (AppStream <c>CreateExportImageTask</c>), as a stack resource whose AMI other constructs
/// can boot from through <see cref="MachineImage"/>.
/// </summary>
public sealed class AppStreamAmiExport : Construct, IAppStreamAmiExport, ITaggableV2
{
    private readonly ExportTags _tags;

    /// <summary>The tags <c>Tags.Of(scope).Add</c> writes; they reach the export task and the AMI (the <c>Tags</c> prop wins on a conflict).</summary>
    public TagManager CdkTagManager => _tags.Manager;

    private readonly CustomResource _attributes;

    /// <summary>The custom resource that starts and replaces the export (its Ref is the task id).</summary>
    public CustomResource Resource { get; }

    /// <summary>The WaitCondition of the long-wait path (Timeout over 55 minutes), or null.</summary>
    public CfnWaitCondition? WaitCondition { get; }

    /// <summary>The role AppStream assumes.</summary>
    public IRole ServiceRole { get; }

    /// <summary>The AppStream export task id.</summary>
    public string TaskId => _attributes.GetAttString(AppStreamAmiExportAttributeNames.TaskId);

    /// <summary>The exported AMI's id (empty when <c>WaitForCompletion</c> is false).</summary>
    public string AmiId => _attributes.GetAttString(AppStreamAmiExportAttributeNames.AmiId);

    /// <summary>ARN of the exported AppStream image.</summary>
    public string ImageArn => _attributes.GetAttString(AppStreamAmiExportAttributeNames.ImageArn);

    /// <summary>Name of the AMI (the given one, or the generated one).</summary>
    public string AmiName => _attributes.GetAttString(AppStreamAmiExportAttributeNames.AmiName);

    /// <summary>The exported AMI as a machine image for an <c>Instance</c> or a launch template.</summary>
    public IMachineImage MachineImage { get; }

    /// <summary>Where the attributes are read: the export resource, or the result resource after a long wait.</summary>
    internal CustomResource Attributes => _attributes;

    /// <summary>False when the resource completes once the export started (<c>AmiId</c> is empty then).</summary>
    internal bool WaitsForCompletion { get; }

    /// <summary>The operating system of the image (the user data type of <see cref="MachineImage"/>).</summary>
    internal OperatingSystemType OperatingSystem { get; }

    /// <summary>Defines the export.</summary>
    public AppStreamAmiExport(Construct scope, string id, IAppStreamAmiExportProps props) : base(scope, id)
    {
        var who = $"AppStreamAmiExport '{Node.Path}'";
        var removal = Props.RemovalPolicyValue(who, props.RemovalPolicy);
        var waiting = Waiting.From(who, props.WaitForCompletion, props.Timeout, props.PollInterval);
        var provider = ExportProvider.Of(this);
        ServiceRole = props.Role ?? CreateServiceRole(provider);

        var properties = new AppStreamAmiExportProperties
        {
            ImageName = props.ImageName,
            AmiName = props.AmiName,
            IamRoleArn = ServiceRole.RoleArn,
            AmiDescription = props.AmiDescription,
        };
        (var resources, _tags) = ExportResources.Define(this, provider, waiting, ResourceTypes.AppStreamAmiExport, ResourceTypes.AppStreamAmiExportResult,
            properties, ContractJsonContext.Default.AppStreamAmiExportProperties, props.Tags, removal, props.WaitForCompletion, ServiceRole);
        (Resource, _attributes, WaitCondition) = (resources.Resource, resources.Attributes, resources.WaitCondition);
        WaitsForCompletion = props.WaitForCompletion ?? true;
        OperatingSystem = props.OperatingSystem ?? OperatingSystemType.WINDOWS;
        MachineImage = new ExportedMachineImage(AmiId, OperatingSystem);
        provider.AppStreamExports.Add(this);
        GrantHandler(provider, props.Role is null);
    }

    /// <inheritdoc/>
    public Rule OnExportCompleted(string id, IOnEventOptions? options = null) => ExportEventRules.Completed(this, id, options, ExportEventRules.OfResource(Resource));

    /// <inheritdoc/>
    public Rule OnExportFailed(string id, IOnEventOptions? options = null) => ExportEventRules.Failed(this, id, options, ExportEventRules.OfResource(Resource));

    /// <inheritdoc/>
    public Rule OnExportStateChange(string id, IOnEventOptions? options = null) => ExportEventRules.StateChange(this, id, options, ExportEventRules.OfResource(Resource));

    /// <summary>
    /// An AMI exported elsewhere (another stack, or by hand), to boot from without owning it. Give
    /// plain values (e.g. read from an SSM parameter the exporting stack writes): a reference to
    /// another stack's attribute becomes a CloudFormation export, which blocks replacing that export.
    /// </summary>
    public static IAppStreamAmiExport FromAppStreamAmiExportAttributes(Construct scope, string id, IAppStreamAmiExportAttributes attributes) =>
        new ImportedAppStreamAmi(scope, id, attributes);

    private Role CreateServiceRole(ExportProvider provider)
    {
        var role = new Role(this, "ServiceRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("appstream.amazonaws.com"),
            Description = "AppStream copies the image into an EC2 AMI with this role.",
        });
        // Image and snapshot ARNs have no account: arn:…:ec2:<region>::image/<id>, …::snapshot/<id>.
        var images = provider.Arn("ec2", "image/*", account: false);
        var snapshots = provider.Arn("ec2", "snapshot/*", account: false);
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["ec2:CopyImage", "ec2:CreateTags"],
            Resources = [images, snapshots],
        }));
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            // DescribeImages supports no resource-level permissions.
            Actions = ["ec2:DescribeImages"],
            Resources = ["*"],
        }));
        var stack = Stack.Of(this);
        var policy = role.Node.FindChild("DefaultPolicy");
        const string copies = "AppStream copies its image into a new AMI and snapshots and tags them (ec2:CopyImage, ec2:CreateTags), with ids AWS chooses during the export: images and snapshots of this region only.";
        provider.Nag.Add(policy, "AwsSolutions-IAM5", copies, NagSuppressions.Resource(stack, images), NagSuppressions.Resource(stack, snapshots));
        provider.Nag.Add(policy, "AwsSolutions-IAM5",
            "ec2:DescribeImages has no resource type in the Service Authorization Reference: IAM accepts only '*' for it.",
            NagSuppressions.Resource(stack, "*"));
        return role;
    }

    private void GrantHandler(ExportProvider provider, bool ownRole)
    {
        // The Service Authorization Reference lists no resource type for the three export-task actions
        // (only the aws:ResourceTag key): a grant on the image ARN would never match, so they take "*".
        // Reading export tasks (Get, List) is a cleanup right of the provider: a removed export's Delete needs it too.
        provider.Allow(["appstream:CreateExportImageTask"], ["*"]);
        var passRole = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["iam:PassedToService"] = "appstream.amazonaws.com" } };
        // A role this construct made depends on nothing that needs the handler: it may stay shared.
        if (ownRole) provider.Allow(["iam:PassRole"], [ServiceRole.RoleArn], passRole);
        else provider.AllowFor(Resource, ["iam:PassRole"], ServiceRole.RoleArn, passRole);
        // DESTROY's deregister and snapshot rights are the provider's tag-conditioned cleanup rights.
    }
}

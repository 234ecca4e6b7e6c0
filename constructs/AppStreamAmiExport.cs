using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Constructs;
using ExportConstructs.Contract;

namespace ExportConstructs;

/// <summary>
/// An AppStream (WorkSpaces Applications) image exported to an EC2 AMI
/// (AppStream <c>CreateExportImageTask</c>), as a stack resource whose AMI other constructs
/// can boot from through <see cref="MachineImage"/>.
/// </summary>
public sealed class AppStreamAmiExport : Construct
{
    private readonly CustomResource _attributes;

    /// <summary>The custom resource that starts and replaces the export (its Ref is the task id).</summary>
    public CustomResource Resource { get; }

    /// <summary>The WaitCondition of the long-wait path (Timeout over 55 minutes), or null.</summary>
    public CfnWaitCondition? WaitCondition { get; }

    /// <summary>The role AppStream assumes.</summary>
    public IRole ServiceRole { get; }

    /// <summary>The AppStream export task id.</summary>
    public string TaskId => _attributes.GetAttString(AppStreamAmiExportData.Names.TaskId);

    /// <summary>The exported AMI's id (empty when <c>WaitForCompletion</c> is false).</summary>
    public string AmiId => _attributes.GetAttString(AppStreamAmiExportData.Names.AmiId);

    /// <summary>ARN of the exported AppStream image.</summary>
    public string ImageArn => _attributes.GetAttString(AppStreamAmiExportData.Names.ImageArn);

    /// <summary>Name of the AMI (the given one, or the generated one).</summary>
    public string AmiName => _attributes.GetAttString(AppStreamAmiExportData.Names.AmiName);

    /// <summary>The exported AMI as a machine image for an <c>Instance</c> or a launch template.</summary>
    public IMachineImage MachineImage { get; }

    /// <summary>Defines the export.</summary>
    public AppStreamAmiExport(Construct scope, string id, IAppStreamAmiExportProps props) : base(scope, id)
    {
        var removal = Props.RemovalPolicyValue("AppStreamAmiExport", props.RemovalPolicy);
        var waiting = Waiting.From("AppStreamAmiExport", props.WaitForCompletion, props.Timeout, props.PollInterval);
        var provider = ExportProvider.Of(this);
        ServiceRole = props.Role ?? CreateServiceRole();

        var properties = new AppStreamAmiExportProperties
        {
            ImageName = props.ImageName,
            AmiName = props.AmiName,
            IamRoleArn = ServiceRole.RoleArn,
            AmiDescription = props.AmiDescription,
            Tags = Props.Tags(props.Tags),
            RemovalPolicy = removal,
            WaitForCompletion = Props.Flag(props.WaitForCompletion, true),
        };
        Props.ThrowIfInvalid(Validation.Check(properties, Props.IsToken));

        var resources = ExportResources.Create(this, provider, waiting, ResourceTypes.AppStreamAmiExport, ResourceTypes.AppStreamAmiExportResult,
            properties, ContractJsonContext.Default.AppStreamAmiExportProperties);
        (Resource, _attributes, WaitCondition) = (resources.Resource, resources.Attributes, resources.WaitCondition);
        Resource.Node.AddDependency(ServiceRole);
        MachineImage = new ExportedMachineImage(AmiId, props.OperatingSystem ?? OperatingSystemType.WINDOWS);
        GrantHandler(provider);
    }

    private Role CreateServiceRole()
    {
        var role = new Role(this, "ServiceRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("appstream.amazonaws.com"),
            Description = "AppStream copies the image into an EC2 AMI with this role.",
        });
        var stack = Stack.Of(this);
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["ec2:CopyImage", "ec2:CreateTags"],
            Resources =
            [
                stack.FormatArn(new ArnComponents { Service = "ec2", Account = "", Resource = "image", ResourceName = "*" }),
                stack.FormatArn(new ArnComponents { Service = "ec2", Resource = "snapshot", ResourceName = "*" }),
            ],
        }));
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            // DescribeImages supports no resource-level permissions.
            Actions = ["ec2:DescribeImages"],
            Resources = ["*"],
        }));
        return role;
    }

    private void GrantHandler(ExportProvider provider)
    {
        // The Service Authorization Reference lists no resource type for the three export-task actions
        // (only the aws:ResourceTag key): a grant on the image ARN would never match, so they take "*".
        // Reading export tasks (Get, List) is a cleanup right of the provider: a removed export's Delete needs it too.
        provider.Allow(["appstream:CreateExportImageTask"], ["*"]);
        provider.Allow(["iam:PassRole"], [ServiceRole.RoleArn], new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["iam:PassedToService"] = "appstream.amazonaws.com" } });
        // DESTROY's deregister and snapshot rights are the provider's tag-conditioned cleanup rights.
    }
}

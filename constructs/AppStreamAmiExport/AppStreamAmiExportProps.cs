using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;

namespace ExportConstructs;

/// <summary>Properties of <see cref="AppStreamAmiExport"/>.</summary>
public interface IAppStreamAmiExportProps
{
    /// <summary>
    /// The AppStream (WorkSpaces Applications) image to export: AVAILABLE and owned by this
    /// account; pattern <c>^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,100}$</c>. Required.
    /// </summary>
    string ImageName { get; }

    /// <summary>
    /// Name of the AMI to create (pattern <c>^[a-zA-Z0-9().\-/_]{3,128}$</c>), unique per account
    /// and region. An update that replaces the export must change it too, or deployment fails
    /// before anything is started.
    /// </summary>
    /// <remarks>Default: generated at deploy time as <c>{ImageName}-{12 hex digits of the request}</c>,
    /// so every export, including a replacement, gets a name of its own.</remarks>
    string? AmiName { get; }

    /// <summary>
    /// The role AppStream assumes to create the AMI. It must trust <c>appstream.amazonaws.com</c>
    /// and may copy images, describe images and create tags.
    /// </summary>
    /// <remarks>Default: a role created for this export with exactly those permissions.</remarks>
    IRole? Role { get; }

    /// <summary>Description of the AMI, at most 256 characters.</summary>
    /// <remarks>Default: none.</remarks>
    string? AmiDescription { get; }

    /// <summary>
    /// Tags for the AMI: at most 49 (AppStream allows 50; one is used to recognise the task),
    /// keys of 1 to 128 characters not starting with <c>aws:</c>, values up to 256.
    /// </summary>
    /// <remarks>Default: none.</remarks>
    IDictionary<string, string>? Tags { get; }

    /// <summary>
    /// What happens to the AMI when the resource is deleted or replaced: RETAIN keeps it;
    /// DESTROY waits for a running export to end, then deregisters the AMI and deletes its snapshots.
    /// </summary>
    /// <remarks>Default: <see cref="Amazon.CDK.RemovalPolicy.RETAIN"/>.</remarks>
    RemovalPolicy? RemovalPolicy { get; }

    /// <summary>
    /// Wait for the AMI before the resource completes. With false the resource completes once the
    /// task has started and <see cref="AppStreamAmiExport.AmiId"/> is empty.
    /// </summary>
    /// <remarks>Default: true.</remarks>
    bool? WaitForCompletion { get; }

    /// <summary>Operating system of the image, for <see cref="AppStreamAmiExport.MachineImage"/>'s user data.</summary>
    /// <remarks>Default: <see cref="OperatingSystemType.WINDOWS"/>.</remarks>
    OperatingSystemType? OperatingSystem { get; }
    /// <summary>
    /// How long to wait for the export, at most 12 hours. Up to 55 minutes the custom resource
    /// itself waits (CloudFormation gives it one hour); longer waits use a WaitCondition that a
    /// poller signals. A whole multiple of <see cref="PollInterval"/>.
    /// </summary>
    /// <remarks>Default: 6 hours.</remarks>
    Duration? Timeout { get; }

    /// <summary>
    /// How often the export is checked (10 s to 1 hour): each check is one Lambda invocation and
    /// one describe call (12 per hour at the default).
    /// </summary>
    /// <remarks>Default: 5 minutes.</remarks>
    Duration? PollInterval { get; }
}

/// <summary>Properties of <see cref="AppStreamAmiExport"/>.</summary>
public sealed class AppStreamAmiExportProps : IAppStreamAmiExportProps
{
    /// <inheritdoc />
    public string ImageName { get; set; } = "";
    /// <inheritdoc />
    public string? AmiName { get; set; }
    /// <inheritdoc />
    public IRole? Role { get; set; }
    /// <inheritdoc />
    public string? AmiDescription { get; set; }
    /// <inheritdoc />
    public IDictionary<string, string>? Tags { get; set; }
    /// <inheritdoc />
    public RemovalPolicy? RemovalPolicy { get; set; }
    /// <inheritdoc />
    public bool? WaitForCompletion { get; set; }
    /// <inheritdoc />
    public OperatingSystemType? OperatingSystem { get; set; }
    /// <inheritdoc />
    public Duration? Timeout { get; set; }
    /// <inheritdoc />
    public Duration? PollInterval { get; set; }
}

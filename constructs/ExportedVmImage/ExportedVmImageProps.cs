using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;

namespace ExportConstructs;

/// <summary>Properties of <see cref="ExportedVmImage"/>.</summary>
public interface IExportedVmImageProps
{
    /// <summary>The AMI to export: <c>ami-</c> followed by 8 or 17 hex digits. Required.</summary>
    string ImageId { get; }

    /// <summary>The file format to write. Required: there is no default format.</summary>
    DiskImageFormat? DiskImageFormat { get; }

    /// <summary>
    /// Bucket to write the file to: same account and region as the stack, not encrypted with
    /// SSE-KMS (EC2 cannot write there). Required.
    /// </summary>
    IBucket Bucket { get; }

    /// <summary>
    /// Key prefix. It is concatenated as is with the task id: give a trailing <c>/</c> for a
    /// folder. The file's key is <c>Prefix + ExportImageTaskId + "." + lower-case format</c>.
    /// </summary>
    /// <remarks>Default: <c>"exports/"</c>.</remarks>
    string? Prefix { get; }

    /// <summary>Description of the export task, at most 255 characters.</summary>
    /// <remarks>Default: none.</remarks>
    string? Description { get; }

    /// <summary>
    /// The service role VM Import/Export assumes to write the file, e.g. the account's
    /// <c>vmimport</c> role. It must trust <c>vmie.amazonaws.com</c>.
    /// </summary>
    /// <remarks>Default: a role created for this export, trusted by vmie.amazonaws.com with
    /// <c>sts:ExternalId = vmimport</c>, allowed only on this bucket and prefix.</remarks>
    IRole? Role { get; }

    /// <summary>Tags for the EC2 export-image-task (at most 50).</summary>
    /// <remarks>Default: none.</remarks>
    IDictionary<string, string>? Tags { get; }

    /// <summary>
    /// What happens to the exported file when the resource is deleted or replaced: RETAIN
    /// keeps it, DESTROY deletes it. A running export is cancelled either way.
    /// </summary>
    /// <remarks>Default: <see cref="Amazon.CDK.RemovalPolicy.RETAIN"/>.</remarks>
    RemovalPolicy? RemovalPolicy { get; }

    /// <summary>
    /// Wait for the file to be written before the resource completes. With false the resource
    /// completes once the task has started; its id, key and URI are known then, the file is not.
    /// </summary>
    /// <remarks>Default: true.</remarks>
    bool? WaitForCompletion { get; }
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

/// <summary>Properties of <see cref="ExportedVmImage"/>.</summary>
public sealed class ExportedVmImageProps : IExportedVmImageProps
{
    /// <inheritdoc />
    public string ImageId { get; set; } = "";
    /// <inheritdoc />
    public DiskImageFormat? DiskImageFormat { get; set; }
    /// <inheritdoc />
    public IBucket Bucket { get; set; } = null!;
    /// <inheritdoc />
    public string? Prefix { get; set; }
    /// <inheritdoc />
    public string? Description { get; set; }
    /// <inheritdoc />
    public IRole? Role { get; set; }
    /// <inheritdoc />
    public IDictionary<string, string>? Tags { get; set; }
    /// <inheritdoc />
    public RemovalPolicy? RemovalPolicy { get; set; }
    /// <inheritdoc />
    public bool? WaitForCompletion { get; set; }
    /// <inheritdoc />
    public Duration? Timeout { get; set; }
    /// <inheritdoc />
    public Duration? PollInterval { get; set; }
}

using System.Text.RegularExpressions;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Constructs;

namespace ExportConstructs;

/// <summary>An exported VM file: one this stack exports, or one imported by its attributes.</summary>
public interface IExportedVmImage : IConstruct
{
    /// <summary>The EC2 export-image-task id.</summary>
    string ExportImageTaskId { get; }

    /// <summary>The bucket holding the file.</summary>
    string S3Bucket { get; }

    /// <summary>The file's key.</summary>
    string S3Key { get; }

    /// <summary><c>s3://bucket/key</c> of the file.</summary>
    string S3Uri { get; }

    /// <summary>VMDK, RAW or VHD.</summary>
    string DiskImageFormat { get; }

    /// <summary>Allows <paramref name="grantee"/> <c>s3:GetObject</c> on exactly the file.</summary>
    Grant GrantRead(IGrantable grantee);

    /// <summary>
    /// Defines an EventBridge rule, on the account's default bus, triggered when this export
    /// completes (detail-type <c>Export Completed</c>): its file exists (the detail's
    /// <c>attributes</c> hold its bucket, key and URI).
    /// </summary>
    /// <remarks>
    /// On an export of this stack the rule matches the source <c>exportconstructs</c>, the stack's id
    /// and the export resource's logical id, so it keeps matching after a replacement (whose task id is
    /// new) and never matches another export's events. Events are put for exports their stack waits for
    /// (<c>WaitForCompletion</c>, the default). On an imported file
    /// (<c>FromExportedVmImageAttributes</c>) it matches the task id (<c>ExportImageTaskId</c>, given
    /// or read from <c>S3Key</c>); without one it throws at synth.
    /// </remarks>
    /// <param name="id">The rule's construct id, under this export.</param>
    /// <param name="options">As for the CDK's <c>OnEvent</c> methods: <c>EventPattern</c> is merged
    /// with the rule's (extra <c>Detail</c> fields narrow it), <c>Target</c> is added, <c>RuleName</c>,
    /// <c>Description</c> and <c>CrossStackScope</c> go to the rule. Default: none.</param>
    Rule OnExportCompleted(string id, IOnEventOptions? options = null);

    /// <summary>
    /// Defines an EventBridge rule, on the account's default bus, triggered when this export ends
    /// without a result: detail-types <c>Export Failed</c> (AWS ended it) and <c>Export Timed Out</c>
    /// (it outlasted its <c>Timeout</c>). Both fail the stack operation that waited for it. Not
    /// <c>Export Cancelled</c> (a Delete ended it, as asked): <see cref="OnExportStateChange"/> matches that.
    /// </summary>
    /// <remarks>
    /// On an export of this stack the rule matches the source <c>exportconstructs</c>, the stack's id
    /// and the export resource's logical id, so it keeps matching after a replacement (whose task id is
    /// new) and never matches another export's events. Events are put for exports their stack waits for
    /// (<c>WaitForCompletion</c>, the default). On an imported file
    /// (<c>FromExportedVmImageAttributes</c>) it matches the task id (<c>ExportImageTaskId</c>, given
    /// or read from <c>S3Key</c>); without one it throws at synth.
    /// </remarks>
    /// <param name="id">The rule's construct id, under this export.</param>
    /// <param name="options">As for <see cref="OnExportCompleted"/>.</param>
    Rule OnExportFailed(string id, IOnEventOptions? options = null);

    /// <summary>
    /// Defines an EventBridge rule, on the account's default bus, triggered when this export reaches
    /// any final state: detail-types <c>Export Completed</c>, <c>Export Failed</c>,
    /// <c>Export Timed Out</c> and <c>Export Cancelled</c> (the detail's <c>state</c> says which).
    /// </summary>
    /// <remarks>
    /// On an export of this stack the rule matches the source <c>exportconstructs</c>, the stack's id
    /// and the export resource's logical id, so it keeps matching after a replacement (whose task id is
    /// new) and never matches another export's events. Events are put for exports their stack waits for
    /// (<c>WaitForCompletion</c>, the default). On an imported file
    /// (<c>FromExportedVmImageAttributes</c>) it matches the task id (<c>ExportImageTaskId</c>, given
    /// or read from <c>S3Key</c>); without one it throws at synth.
    /// </remarks>
    /// <param name="id">The rule's construct id, under this export.</param>
    /// <param name="options">As for <see cref="OnExportCompleted"/>.</param>
    Rule OnExportStateChange(string id, IOnEventOptions? options = null);
}

/// <summary>What identifies an exported VM file made elsewhere (another stack, or by hand).</summary>
public interface IExportedVmImageAttributes
{
    /// <summary>The bucket holding the file. Required.</summary>
    IBucket Bucket { get; }

    /// <summary>The file's key, e.g. <c>exports/export-ami-1234567890abcdef0.vmdk</c>. Required.</summary>
    string S3Key { get; }

    /// <summary>The task id. Default: read from <see cref="S3Key"/> when it is known at synth.</summary>
    string? ExportImageTaskId { get; }

    /// <summary>The format. Default: read from <see cref="S3Key"/>'s extension when it is known at synth.</summary>
    DiskImageFormat? DiskImageFormat { get; }
}

/// <summary>What identifies an exported VM file made elsewhere.</summary>
public sealed class ExportedVmImageAttributes : IExportedVmImageAttributes
{
    /// <inheritdoc/>
    public IBucket Bucket { get; set; } = null!;
    /// <inheritdoc/>
    public string S3Key { get; set; } = null!;
    /// <inheritdoc/>
    public string? ExportImageTaskId { get; set; }
    /// <inheritdoc/>
    public DiskImageFormat? DiskImageFormat { get; set; }
}

/// <summary>An exported VM file known by its attributes; it owns nothing and deploys nothing.</summary>
internal sealed partial class ImportedVmImage : Construct, IExportedVmImage
{
    private readonly IBucket _bucket;
    private readonly string? _taskId;
    private readonly string? _format;

    public ImportedVmImage(Construct scope, string id, IExportedVmImageAttributes attributes) : base(scope, id)
    {
        var who = $"ExportedVmImage.FromExportedVmImageAttributes '{Node.Path}'";
        _bucket = attributes.Bucket ?? throw Messages.Required(who, "Bucket", "the IBucket holding the file");
        S3Key = attributes.S3Key is { Length: > 0 } key ? key : throw Messages.Required(who, "S3Key", "the file's key, e.g. exports/export-ami-1234567890abcdef0.vmdk");
        var known = Props.IsToken(S3Key) ? null : KeyShape().Match(S3Key);
        _taskId = attributes.ExportImageTaskId ?? (known is { Success: true } ? known.Groups["task"].Value : null);
        _format = attributes.DiskImageFormat?.ToApiValue() ?? (known is { Success: true } ? known.Groups["format"].Value.ToUpperInvariant() : null);
        _who = who;
    }

    private readonly string _who;

    public string ExportImageTaskId => _taskId ?? throw Messages.AttributeNotDerivable(_who, "ExportImageTaskId", S3Key);

    public string S3Bucket => _bucket.BucketName;

    public string S3Key { get; }

    public string S3Uri => $"s3://{_bucket.BucketName}/{S3Key}";

    public string DiskImageFormat => _format ?? throw Messages.AttributeNotDerivable(_who, "DiskImageFormat", S3Key);

    public Grant GrantRead(IGrantable grantee) => ExportedVmImage.GrantReadOf(grantee, _bucket, S3Key);

    // A finished export's events are told apart by its task id; without one there is nothing to
    // match, and a rule matching more than this export would be worse than none.
    public Rule OnExportCompleted(string id, IOnEventOptions? options = null) => ExportEventRules.Completed(this, id, options, ByTask(nameof(OnExportCompleted)));

    public Rule OnExportFailed(string id, IOnEventOptions? options = null) => ExportEventRules.Failed(this, id, options, ByTask(nameof(OnExportFailed)));

    public Rule OnExportStateChange(string id, IOnEventOptions? options = null) => ExportEventRules.StateChange(this, id, options, ByTask(nameof(OnExportStateChange)));

    private IDictionary<string, object> ByTask(string method) =>
        ExportEventRules.OfTask(_taskId ?? throw Messages.RuleWithoutTaskId(_who, method, S3Key));

    [GeneratedRegex(@"(?<task>export-ami-[0-9a-f]{17})\.(?<format>vmdk|raw|vhd)$")]
    private static partial Regex KeyShape();
}

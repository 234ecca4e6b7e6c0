using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Events;
using Constructs;

namespace ExportConstructs;

/// <summary>An AMI exported from an AppStream image: one this stack exports, or one imported by its attributes.</summary>
public interface IAppStreamAmiExport : IConstruct
{
    /// <summary>The AppStream export task id.</summary>
    string TaskId { get; }

    /// <summary>The exported AMI's id.</summary>
    string AmiId { get; }

    /// <summary>ARN of the exported AppStream image.</summary>
    string ImageArn { get; }

    /// <summary>Name of the AMI.</summary>
    string AmiName { get; }

    /// <summary>The AMI as a machine image for an <c>Instance</c> or a launch template.</summary>
    IMachineImage MachineImage { get; }

    /// <summary>
    /// Defines an EventBridge rule, on the account's default bus, triggered when this export
    /// completes (detail-type <c>Export Completed</c>): its AMI exists (the detail's
    /// <c>attributes</c> hold its id, name and the image ARN).
    /// </summary>
    /// <remarks>
    /// On an export of this stack the rule matches the source <c>exportconstructs</c>, the stack's id
    /// and the export resource's logical id, so it keeps matching after a replacement (whose task id is
    /// new) and never matches another export's events. Events are put for exports their stack waits for
    /// (<c>WaitForCompletion</c>, the default). On an imported AMI
    /// (<c>FromAppStreamAmiExportAttributes</c>) it matches <c>TaskId</c> when given; given only
    /// <c>AmiId</c>, <c>OnExportCompleted</c> matches the event's <c>attributes.AmiId</c>, and the
    /// other two throw at synth (no other event carries the AMI id).
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
    /// (<c>WaitForCompletion</c>, the default). On an imported AMI
    /// (<c>FromAppStreamAmiExportAttributes</c>) it matches <c>TaskId</c> when given; given only
    /// <c>AmiId</c>, <c>OnExportCompleted</c> matches the event's <c>attributes.AmiId</c>, and the
    /// other two throw at synth (no other event carries the AMI id).
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
    /// (<c>WaitForCompletion</c>, the default). On an imported AMI
    /// (<c>FromAppStreamAmiExportAttributes</c>) it matches <c>TaskId</c> when given; given only
    /// <c>AmiId</c>, <c>OnExportCompleted</c> matches the event's <c>attributes.AmiId</c>, and the
    /// other two throw at synth (no other event carries the AMI id).
    /// </remarks>
    /// <param name="id">The rule's construct id, under this export.</param>
    /// <param name="options">As for <see cref="OnExportCompleted"/>.</param>
    Rule OnExportStateChange(string id, IOnEventOptions? options = null);
}

/// <summary>What identifies an AMI exported from AppStream elsewhere (another stack, or by hand).</summary>
public interface IAppStreamAmiExportAttributes
{
    /// <summary>The AMI's id. Required.</summary>
    string AmiId { get; }

    /// <summary>The image's operating system (the user data type of the machine image). Default: WINDOWS, as for the construct.</summary>
    OperatingSystemType? OperatingSystem { get; }

    /// <summary>The export task id, when known.</summary>
    string? TaskId { get; }

    /// <summary>ARN of the exported AppStream image, when known.</summary>
    string? ImageArn { get; }

    /// <summary>Name of the AMI, when known.</summary>
    string? AmiName { get; }
}

/// <summary>What identifies an AMI exported from AppStream elsewhere.</summary>
public sealed class AppStreamAmiExportAttributes : IAppStreamAmiExportAttributes
{
    /// <inheritdoc/>
    public string AmiId { get; set; } = null!;
    /// <inheritdoc/>
    public OperatingSystemType? OperatingSystem { get; set; }
    /// <inheritdoc/>
    public string? TaskId { get; set; }
    /// <inheritdoc/>
    public string? ImageArn { get; set; }
    /// <inheritdoc/>
    public string? AmiName { get; set; }
}

/// <summary>An exported AMI known by its attributes; it owns nothing and deploys nothing.</summary>
internal sealed class ImportedAppStreamAmi : Construct, IAppStreamAmiExport
{
    private readonly string _who;
    private readonly IAppStreamAmiExportAttributes _attributes;

    public ImportedAppStreamAmi(Construct scope, string id, IAppStreamAmiExportAttributes attributes) : base(scope, id)
    {
        _who = $"AppStreamAmiExport.FromAppStreamAmiExportAttributes '{Node.Path}'";
        if (attributes.AmiId is not { Length: > 0 })
            throw Messages.Required(_who, "AmiId", "the exported AMI's id, e.g. ami-0123456789abcdef0");
        _attributes = attributes;
        MachineImage = new ExportedMachineImage(attributes.AmiId, attributes.OperatingSystem ?? OperatingSystemType.WINDOWS);
    }

    public string AmiId => _attributes.AmiId;

    public string TaskId => _attributes.TaskId ?? throw NotGiven(nameof(TaskId));

    public string ImageArn => _attributes.ImageArn ?? throw NotGiven(nameof(ImageArn));

    public string AmiName => _attributes.AmiName ?? throw NotGiven(nameof(AmiName));

    public IMachineImage MachineImage { get; }

    private InvalidOperationException NotGiven(string name) => Messages.AttributeNotGiven(_who, name);

    public Rule OnExportCompleted(string id, IOnEventOptions? options = null) => ExportEventRules.Completed(this, id, options, Match(nameof(OnExportCompleted), completedOnly: true));

    public Rule OnExportFailed(string id, IOnEventOptions? options = null) => ExportEventRules.Failed(this, id, options, Match(nameof(OnExportFailed), completedOnly: false));

    public Rule OnExportStateChange(string id, IOnEventOptions? options = null) => ExportEventRules.StateChange(this, id, options, Match(nameof(OnExportStateChange), completedOnly: false));

    // The task id is on every event of the export; the AMI id only on its Export Completed event. A
    // rule that could never see the outcomes it names is refused rather than left silent.
    private IDictionary<string, object> Match(string method, bool completedOnly) =>
        _attributes.TaskId is { Length: > 0 } task ? ExportEventRules.OfTask(task)
        : completedOnly ? ExportEventRules.OfAmi(_attributes.AmiId)
        : throw Messages.RuleOnAmiOnly(_who, method);
}

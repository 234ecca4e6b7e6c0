using Amazon.CDK.AWS.EC2;
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
}

using System.Text.Json.Serialization;

namespace ExportConstructs.Contract;

/// <summary>
/// Resource properties of <see cref="ResourceTypes.AppStreamAmiExport"/>, shared by the
/// construct (which writes them) and the handler (which reads them).
/// </summary>
internal sealed class AppStreamAmiExportProperties : ExportProperties
{
    /// <summary>The AppStream image to export.</summary>
    [JsonPropertyName("ImageName")] public string? ImageName { get; set; }

    /// <summary>Name of the AMI to create; when absent the handler generates a unique one.</summary>
    [JsonPropertyName("AmiName")] public string? AmiName { get; set; }

    /// <summary>ARN of the role AppStream assumes to create the AMI.</summary>
    [JsonPropertyName("IamRoleArn")] public string? IamRoleArn { get; set; }

    /// <summary>AMI description, at most 256 characters.</summary>
    [JsonPropertyName("AmiDescription")] public string? AmiDescription { get; set; }

    /// <summary>The values whose change replaces the export.</summary>
    public override IEnumerable<string?> Identity() => [ImageName, AmiName ?? "", IamRoleArn, AmiDescription ?? ""];
}

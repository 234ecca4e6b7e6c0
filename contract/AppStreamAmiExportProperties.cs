using System.Text.Json.Serialization;

namespace ExportConstructs.Contract;

/// <summary>
/// Resource properties of <see cref="ResourceTypes.AppStreamAmiExport"/>, shared by the
/// construct (which writes them) and the handler (which reads them).
/// </summary>
public sealed class AppStreamAmiExportProperties : IExportProperties
{
    /// <summary>The AppStream image to export.</summary>
    [JsonPropertyName("ImageName")] public string? ImageName { get; set; }

    /// <summary>Name of the AMI to create; when absent the handler generates a unique one.</summary>
    [JsonPropertyName("AmiName")] public string? AmiName { get; set; }

    /// <summary>ARN of the role AppStream assumes to create the AMI.</summary>
    [JsonPropertyName("IamRoleArn")] public string? IamRoleArn { get; set; }

    /// <summary>AMI description, at most 256 characters.</summary>
    [JsonPropertyName("AmiDescription")] public string? AmiDescription { get; set; }

    /// <summary>Tags for the AMI (AppStream <c>TagSpecifications</c>).</summary>
    [JsonPropertyName(Tagging.TagsProperty)] public Dictionary<string, string>? Tags { get; set; }

    /// <summary>One of <see cref="RemovalPolicies.All"/>.</summary>
    [JsonPropertyName("RemovalPolicy")] public string? RemovalPolicy { get; set; }

    /// <summary><c>"true"</c> or <c>"false"</c>.</summary>
    [JsonPropertyName("WaitForCompletion")] public string? WaitForCompletion { get; set; }

    /// <inheritdoc />
    [JsonPropertyName("Wait")] public WaitProperties? Wait { get; set; }

    /// <inheritdoc />
    [JsonPropertyName("TaskId")] public string? TaskId { get; set; }

    /// <inheritdoc />
    [JsonPropertyName("ExportLogicalId")] public string? ExportLogicalId { get; set; }

    /// <summary>The values whose change replaces the export.</summary>
    public IEnumerable<string?> Identity() => [ImageName, AmiName ?? "", IamRoleArn, AmiDescription ?? ""];
}

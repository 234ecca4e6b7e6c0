using System.Text.Json.Serialization;

namespace ExportConstructs.Contract;

/// <summary>
/// Resource properties of <see cref="ResourceTypes.ExportedVmImage"/>. The construct serializes
/// this type into the template; the handler deserializes the same type from the request, so a
/// property name exists once. CloudFormation hands scalars to custom resources as strings,
/// which is why flags are strings here.
/// </summary>
internal sealed class ExportedVmImageProperties : ExportProperties
{
    /// <summary>The AMI to export (<c>ami-</c> + 8 or 17 hex digits).</summary>
    [JsonPropertyName("ImageId")] public string? ImageId { get; set; }

    /// <summary>One of <see cref="DiskImageFormats.All"/>.</summary>
    [JsonPropertyName("DiskImageFormat")] public string? DiskImageFormat { get; set; }

    /// <summary>Destination bucket name.</summary>
    [JsonPropertyName("S3Bucket")] public string? S3Bucket { get; set; }

    /// <summary>Key prefix, concatenated as is with the task id.</summary>
    [JsonPropertyName("S3Prefix")] public string? S3Prefix { get; set; }

    /// <summary>Task description, at most 255 characters.</summary>
    [JsonPropertyName("Description")] public string? Description { get; set; }

    /// <summary>Name of the VM Import/Export service role.</summary>
    [JsonPropertyName("RoleName")] public string? RoleName { get; set; }

    /// <summary>
    /// The values that decide what is exported. A change to any of them replaces the export;
    /// tags, removal policy and waiting are not among them.
    /// </summary>
    public override IEnumerable<string?> Identity() => [ImageId, DiskImageFormat, S3Bucket, S3Prefix ?? "", RoleName, Description ?? ""];
}

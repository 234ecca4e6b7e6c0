using System.Text.Json.Serialization;

namespace ExportConstructs.Contract;

/// <summary>
/// What an <see cref="ResourceTypes.ExportedVmImage"/> returns as <c>Data</c>. The construct
/// reads each attribute by the name in <see cref="Names"/>.
/// </summary>
public sealed class VmImageExportData
{
    /// <summary>Attribute names, for <c>GetAtt</c>.</summary>
    public static class Names
    {
        /// <summary>The EC2 export-image-task id.</summary>
        public const string ExportImageTaskId = "ExportImageTaskId";
        /// <summary>Bucket holding the file.</summary>
        public const string S3Bucket = "S3Bucket";
        /// <summary>Key of the file.</summary>
        public const string S3Key = "S3Key";
        /// <summary><c>s3://bucket/key</c>.</summary>
        public const string S3Uri = "S3Uri";
        /// <summary>VMDK, RAW or VHD.</summary>
        public const string DiskImageFormat = "DiskImageFormat";
    }

    /// <summary>The EC2 export-image-task id.</summary>
    [JsonPropertyName(Names.ExportImageTaskId)] public string ExportImageTaskId { get; set; } = "";
    /// <summary>Bucket holding the file.</summary>
    [JsonPropertyName(Names.S3Bucket)] public string S3Bucket { get; set; } = "";
    /// <summary>Key of the file.</summary>
    [JsonPropertyName(Names.S3Key)] public string S3Key { get; set; } = "";
    /// <summary><c>s3://bucket/key</c>.</summary>
    [JsonPropertyName(Names.S3Uri)] public string S3Uri { get; set; } = "";
    /// <summary>VMDK, RAW or VHD.</summary>
    [JsonPropertyName(Names.DiskImageFormat)] public string DiskImageFormat { get; set; } = "";
}

/// <summary>What an <see cref="ResourceTypes.AppStreamAmiExport"/> returns as <c>Data</c>.</summary>
public sealed class AppStreamAmiExportData
{
    /// <summary>Attribute names, for <c>GetAtt</c>.</summary>
    public static class Names
    {
        /// <summary>The AppStream export task id.</summary>
        public const string TaskId = "TaskId";
        /// <summary>The AMI created; empty until the task completes.</summary>
        public const string AmiId = "AmiId";
        /// <summary>ARN of the exported AppStream image.</summary>
        public const string ImageArn = "ImageArn";
        /// <summary>Name of the AMI.</summary>
        public const string AmiName = "AmiName";
    }

    /// <summary>The AppStream export task id.</summary>
    [JsonPropertyName(Names.TaskId)] public string TaskId { get; set; } = "";
    /// <summary>The AMI created; empty until the task completes.</summary>
    [JsonPropertyName(Names.AmiId)] public string AmiId { get; set; } = "";
    /// <summary>ARN of the exported AppStream image.</summary>
    [JsonPropertyName(Names.ImageArn)] public string ImageArn { get; set; } = "";
    /// <summary>Name of the AMI.</summary>
    [JsonPropertyName(Names.AmiName)] public string AmiName { get; set; } = "";
}

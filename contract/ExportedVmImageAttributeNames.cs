namespace ExportConstructs.Contract;

/// <summary>
/// The attributes an <see cref="ResourceTypes.ExportedVmImage"/> answers as <c>Data</c>: the
/// handler writes them by these names and the construct reads them with <c>GetAtt</c>.
/// </summary>
internal static class ExportedVmImageAttributeNames
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

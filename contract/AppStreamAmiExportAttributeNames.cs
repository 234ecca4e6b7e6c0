namespace ExportConstructs.Contract;

/// <summary>
/// The attributes an <see cref="ResourceTypes.AppStreamAmiExport"/> answers as <c>Data</c>: the
/// handler writes them by these names and the construct reads them with <c>GetAtt</c>.
/// </summary>
internal static class AppStreamAmiExportAttributeNames
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

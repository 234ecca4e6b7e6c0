namespace ExportConstructs.Contract;

/// <summary>CloudFormation resource types of the two exports; the handler dispatches on them.</summary>
internal static class ResourceTypes
{
    /// <summary>An EC2 AMI exported to S3 as a disk file.</summary>
    public const string ExportedVmImage = "Custom::ExportedVmImage";

    /// <summary>An AppStream image exported to an EC2 AMI.</summary>
    public const string AppStreamAmiExport = "Custom::AppStreamAmiExport";

    /// <summary>
    /// The long-wait path's second resource: it follows the WaitCondition and reads the finished
    /// export's attributes, so that the construct's attributes are the final ones.
    /// </summary>
    public const string ExportedVmImageResult = "Custom::ExportedVmImageResult";

    /// <summary>The result resource of <see cref="AppStreamAmiExport"/>.</summary>
    public const string AppStreamAmiExportResult = "Custom::AppStreamAmiExportResult";

    /// <summary>Every type the handler serves, for error messages.</summary>
    public static readonly IReadOnlyList<string> All = [ExportedVmImage, AppStreamAmiExport, ExportedVmImageResult, AppStreamAmiExportResult];

    /// <summary>The export type a result type reports on, or null when <paramref name="type"/> is not a result type.</summary>
    public static string? ExportOfResult(string type) => type switch
    {
        ExportedVmImageResult => ExportedVmImage,
        AppStreamAmiExportResult => AppStreamAmiExport,
        _ => null,
    };
}

namespace ExportConstructs.Contract;

/// <summary>CloudFormation resource types of the two exports; the handler dispatches on them.</summary>
public static class ResourceTypes
{
    /// <summary>An EC2 AMI exported to S3 as a disk file.</summary>
    public const string ExportedVmImage = "Custom::ExportedVmImage";

    /// <summary>An AppStream image exported to an EC2 AMI.</summary>
    public const string AppStreamAmiExport = "Custom::AppStreamAmiExport";

    /// <summary>Every type the handler serves, for error messages.</summary>
    public static readonly IReadOnlyList<string> All = [ExportedVmImage, AppStreamAmiExport];
}

namespace ExportConstructs.Contract;

/// <summary>EC2 ExportImage <c>DiskImageFormat</c> values, as the API spells them.</summary>
public static class DiskImageFormats
{
    /// <summary>VMware disk.</summary>
    public const string Vmdk = "VMDK";

    /// <summary>Raw disk image.</summary>
    public const string Raw = "RAW";

    /// <summary>Hyper-V disk.</summary>
    public const string Vhd = "VHD";

    /// <summary>Every valid value.</summary>
    public static readonly IReadOnlyList<string> All = [Vmdk, Raw, Vhd];

    /// <summary>
    /// The S3 key EC2 writes: the prefix as given (no separator added), the task id, a dot and the
    /// lower-case format, e.g. <c>exports/export-ami-1234567890abcdef0.vmdk</c>.
    /// </summary>
    public static string ObjectKey(string prefix, string exportImageTaskId, string format) =>
        $"{prefix}{exportImageTaskId}.{format.ToLowerInvariant()}";
}

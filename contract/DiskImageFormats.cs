namespace ExportConstructs.Contract;

/// <summary>EC2 ExportImage <c>DiskImageFormat</c> values, as the API spells them.</summary>
internal static class DiskImageFormats
{
    /// <summary>VMware disk.</summary>
    public const string Vmdk = "VMDK";

    /// <summary>Raw disk image.</summary>
    public const string Raw = "RAW";

    /// <summary>Hyper-V disk.</summary>
    public const string Vhd = "VHD";

    /// <summary>Every valid value.</summary>
    public static readonly IReadOnlyList<string> All = [Vmdk, Raw, Vhd];
}

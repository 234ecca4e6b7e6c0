using ExportConstructs.Contract;

namespace ExportConstructs;

/// <summary>File format EC2 writes the exported disk in.</summary>
public enum DiskImageFormat
{
    /// <summary>VMware (stream-optimized VMDK).</summary>
    VMDK,
    /// <summary>Raw disk image.</summary>
    RAW,
    /// <summary>Hyper-V (VHD).</summary>
    VHD,
}

internal static class DiskImageFormatExtensions
{
    /// <summary>The value EC2's API takes.</summary>
    public static string ToApiValue(this DiskImageFormat format) => format switch
    {
        DiskImageFormat.VMDK => DiskImageFormats.Vmdk,
        DiskImageFormat.RAW => DiskImageFormats.Raw,
        DiskImageFormat.VHD => DiskImageFormats.Vhd,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, $"DiskImageFormat '{format}' is not valid; expected one of {string.Join(", ", DiskImageFormats.All)}."),
    };
}

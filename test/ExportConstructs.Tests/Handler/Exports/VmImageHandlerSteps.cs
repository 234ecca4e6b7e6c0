using ExportConstructs.Contract;
using ExportConstructs.Handler;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.Fakes.HandlerHarness;

namespace ExportConstructs.Tests.Handler.Exports;

/// <summary>The arrange steps of the ExportedVmImage handler tests: the properties and the create.</summary>
internal static class VmImageHandlerSteps
{
    public const string Image = "ami-0123456789abcdef0";

    public static ExportedVmImageProperties Props(string format = "VMDK", string removal = RemovalPolicies.Retain, Dictionary<string, string>? tags = null) => new()
    {
        ImageId = Image,
        DiskImageFormat = format,
        S3Bucket = "vm-exports",
        S3Prefix = "exports/",
        Description = "nightly",
        RoleName = "vmimport",
        Tags = tags,
        RemovalPolicy = removal,
        WaitForCompletion = "true",
    };

    public static async Task<Outcome> CreateAsync(this HandlerHarness h, ExportedVmImageProperties props) =>
        await h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Create", Json(props)));
}

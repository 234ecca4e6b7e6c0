using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using static ExportConstructs.Tests.Constructs.Synthesized;

namespace ExportConstructs.Tests.Constructs;

/// <summary>The arrange steps of the ExportedVmImage construct tests: a stack with one export, and its synthesized properties.</summary>
internal static class VmImageStacks
{
    public const string Image = "ami-0123456789abcdef0";

    /// <summary>A stack with one ExportedVmImage "Vm" of a RAW image into a new bucket.</summary>
    public static (Stack Stack, ExportedVmImage Export) Build(Action<ExportedVmImageProps>? change = null)
    {
        var stack = NewStack();
        var props = new ExportedVmImageProps
        {
            ImageId = Image,
            DiskImageFormat = DiskImageFormat.RAW,
            Bucket = new Bucket(stack, "Bucket"),
        };
        change?.Invoke(props);
        return (stack, new ExportedVmImage(stack, "Vm", props));
    }

    /// <summary>The export resource's properties in the synthesized template.</summary>
    public static JsonElement Properties(Synthesized s) => Assert.Single(s.OfType(ResourceTypes.ExportedVmImage)).Resource.GetProperty("Properties");
}

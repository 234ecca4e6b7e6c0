using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Tests.Constructs;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// The stacks of the short-path deployment tests (Timeout of at most 55 minutes), shared by the
/// ExportedVmImage… and AppStreamAmiExport… deployment test classes.
/// </summary>
internal static class ShortPathStacks
{
    public const string Image = "ami-0123456789abcdef0";
    public const string OtherImage = "ami-0fedcba9876543210";
    public const string AppStreamImage = "Office";
    public const string OtherAppStreamImage = "Office2";
    public const string OtherStackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/Other/0a0b0c0d-0000-4000-8000-000000000000";

    /// <summary>A stack with one ExportedVmImage "Vm" (short path, 30 min, every minute, unless the change says otherwise).</summary>
    public static async Task<StackTemplate> ShortVmStack(this Deployment d, Action<ExportedVmImageProps>? change = null, Action<Stack>? more = null)
    {
        var stack = Synthesized.NewStack("Sample");
        var props = new ExportedVmImageProps
        {
            ImageId = Image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Bucket(stack, "Bucket"),
            Timeout = Duration.Minutes(30), PollInterval = Duration.Minutes(1),
        };
        change?.Invoke(props);
        new ExportedVmImage(stack, "Vm", props);
        more?.Invoke(stack);
        return await d.SynthesizeAsync(stack);
    }

    /// <summary>A stack with one AppStreamAmiExport "Ami" on the short path (50 min, every 2 min).</summary>
    public static async Task<StackTemplate> ShortAmiStack(this Deployment d, Action<AppStreamAmiExportProps>? change = null, Action<Stack>? more = null)
    {
        var stack = Synthesized.NewStack("Sample");
        var props = new AppStreamAmiExportProps
        {
            ImageName = AppStreamImage,
            Timeout = Duration.Minutes(50), PollInterval = Duration.Minutes(2),
        };
        change?.Invoke(props);
        new AppStreamAmiExport(stack, "Ami", props);
        more?.Invoke(stack);
        return await d.SynthesizeAsync(stack);
    }
}

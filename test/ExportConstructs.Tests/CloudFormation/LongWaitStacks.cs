using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Tests.Constructs;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// The stacks of the long-wait lifecycle tests (Timeout over 55 minutes), shared by the test classes
/// that deploy them; the steps every deployment test shares are in <see cref="DeploymentHelpers"/>.
/// </summary>
internal static class LongWaitStacks
{
    public const string Image = "ami-0123456789abcdef0";
    public const string OtherImage = "ami-0fedcba9876543210";
    public const string AppStreamImage = "Office";
    public const string OtherAppStreamImage = "Office2";

    /// <summary>A stack with one ExportedVmImage "Vm" on the long path (3 hours, every 5 minutes).</summary>
    public static async Task<StackTemplate> VmStack(this Deployment d, Action<ExportedVmImageProps>? change = null, Action<Stack>? more = null)
    {
        var stack = Synthesized.NewStack("Sample");
        var props = new ExportedVmImageProps
        {
            ImageId = Image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Bucket(stack, "Bucket"),
            Timeout = Duration.Hours(3), PollInterval = Duration.Minutes(5),
        };
        change?.Invoke(props);
        new ExportedVmImage(stack, "Vm", props);
        more?.Invoke(stack);
        return await d.SynthesizeAsync(stack);
    }

    /// <summary>A stack with one AppStreamAmiExport "As" on the long path (2 hours, every 5 minutes).</summary>
    public static async Task<StackTemplate> AmiStack(this Deployment d, Action<AppStreamAmiExportProps>? change = null, Action<Stack>? more = null)
    {
        d.Aws.AppStreamImages.Add(AppStreamImage);
        d.Aws.AppStreamImages.Add(OtherAppStreamImage);
        var stack = Synthesized.NewStack("Sample");
        var props = new AppStreamAmiExportProps { ImageName = AppStreamImage, Timeout = Duration.Hours(2), PollInterval = Duration.Minutes(5) };
        change?.Invoke(props);
        new AppStreamAmiExport(stack, "As", props);
        more?.Invoke(stack);
        return await d.SynthesizeAsync(stack);
    }
}

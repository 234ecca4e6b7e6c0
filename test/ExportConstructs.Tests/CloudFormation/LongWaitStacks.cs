using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Tests.Constructs;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// The arrange steps of the long-wait lifecycle tests (as in <see cref="LongWaitDeploymentTests"/>),
/// shared by the test classes that need them: the stacks, the poller check and the story a failed
/// assertion tells.
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

    /// <summary>A resource after the export that fails, so the update rolls back after the export's Update.</summary>
    public static Action<Stack> FailingLater(string exportId) => stack => new CfnWaitConditionHandle(stack, "Later").Node.AddDependency(stack.Node.FindChild(exportId));

    /// <summary>The one resource of this type in the template.</summary>
    public static string Of(this StackTemplate t, string type) => Assert.Single(t.OfType(type));

    /// <summary>Poller executions still running once what was due has run (a finished poll ends its execution a step later).</summary>
    public static async Task<List<string>> PollersLeftAsync(this Deployment d)
    {
        await d.Cfn.RunForAsync(TimeSpan.FromMinutes(1));
        return d.Cfn.States.Running.Select(e => e.Name).ToList();
    }

    /// <summary>What happened, for a failed assertion's message.</summary>
    public static string Story(this Deployment d) =>
        "Exchanges:\n" + string.Join("\n", d.Cfn.Exchanges) + "\nEvents:\n" + string.Join("\n", d.Cfn.Events)
        + "\nDenials:\n" + string.Join("\n", d.Aws.Denials.Select(x => x.Message)) + "\nWarnings:\n" + string.Join("\n", d.Cfn.Warnings)
        + "\nCalls:\n" + string.Join(", ", d.Aws.Calls);
}

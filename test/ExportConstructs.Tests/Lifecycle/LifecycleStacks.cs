using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.Lifecycle;

/// <summary>The arrange steps of the lifecycle tests: the synthesized stacks and the framework model that deploys one of their resources.</summary>
internal static class LifecycleStacks
{
    public const string Image = "ami-0123456789abcdef0";

    /// <summary>A stack with one short-path ExportedVmImage whose image id is a parameter (checked at deploy).</summary>
    public static DeployedTemplate VmStack(string? imageId = null, Action<ExportedVmImageProps>? change = null)
    {
        var stack = Synthesized.NewStack();
        var image = new CfnParameter(stack, "ImageId", new CfnParameterProps { Type = "String", Default = Image });
        var props = new ExportedVmImageProps
        {
            ImageId = image.ValueAsString, DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Bucket(stack, "Bucket"),
            Timeout = Duration.Minutes(30), PollInterval = Duration.Minutes(1),
        };
        change?.Invoke(props);
        new ExportedVmImage(stack, "Vm", props);
        return new DeployedTemplate(Synthesized.Of(stack), imageId is null ? null : new Dictionary<string, string> { ["ImageId"] = imageId });
    }

    /// <summary>A stack with one short-path AppStreamAmiExport "As" of the image "Office".</summary>
    public static DeployedTemplate AppStreamStack(RemovalPolicy removal)
    {
        var stack = Synthesized.NewStack();
        new AppStreamAmiExport(stack, "As", new AppStreamAmiExportProps
        {
            ImageName = "Office", RemovalPolicy = removal, Timeout = Duration.Minutes(50), PollInterval = Duration.Minutes(2),
        });
        return new DeployedTemplate(Synthesized.Of(stack));
    }

    /// <summary>The framework model for this resource of the template, with the template's provider settings.</summary>
    public static ProviderFramework Framework(this HandlerHarness h, DeployedTemplate template, string logicalId)
    {
        var (interval, attempts) = template.ProviderSettings(logicalId);
        return new ProviderFramework(h, interval, attempts);
    }

    public static void AssertSmall(CfnResponse response) => Assert.True(response.Bytes <= ProviderFramework.MaxResponseBytes, $"{response.Bytes} bytes");
}

using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.Assertions;
using Constructs;
using ExportConstructs.Contract;
using static ExportConstructs.Tests.Constructs.Synthesized;

namespace ExportConstructs.Tests.Constructs;

/// <summary>EC2 exports one AMI at a time: exports of the same AMI in a stack are ordered at synth.</summary>
[Collection(CdkCollection.Name)]
public sealed class SameImageOrderTests
{
    private const string Image = "ami-0123456789abcdef0";

    private static ExportedVmImage Vm(Stack stack, string id, string image, Duration timeout, bool waits = true) =>
        new(stack, id, new ExportedVmImageProps
        {
            ImageId = image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = (IBucket?)stack.Node.TryFindChild("B") ?? new Bucket(stack, "B"),
            Timeout = timeout, WaitForCompletion = waits,
        });

    private static string Id(Stack stack, IConstruct c) => stack.GetLogicalId((CfnElement)c.Node.DefaultChild!);

    private static IEnumerable<string> DependsOn(Synthesized s, string logicalId) =>
        s.Resources.GetProperty(logicalId).TryGetProperty("DependsOn", out var d) ? Strings(d) : [];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ThreeExportsOfOneAmi_ShouldEachStartAfterThePreviousHasFinished(bool longPath)
    {
        var stack = NewStack();
        var timeout = longPath ? Duration.Hours(3) : Duration.Minutes(50);
        var exports = new[] { Vm(stack, "A", Image, timeout), Vm(stack, "B1", Image, timeout), Vm(stack, "C", Image, timeout) };
        var other = Vm(stack, "Other", "ami-0fedcba9876543210", timeout);

        var s = Of(stack);

        // Short path: the previous export resource completes when its export has ended; long path: its result
        // resource does, after the WaitCondition the poller signals at the end.
        var done = exports.Select(e => longPath ? Id(stack, e.Node.FindChild("Result")) : Id(stack, e.Resource)).ToList();
        Assert.Contains(done[0], DependsOn(s, Id(stack, exports[1].Resource)));
        Assert.Contains(done[1], DependsOn(s, Id(stack, exports[2].Resource)));
        Assert.DoesNotContain(done[0], DependsOn(s, Id(stack, exports[2].Resource)));
        Assert.DoesNotContain(DependsOn(s, Id(stack, other.Resource)), d => done.Contains(d));
        Assert.DoesNotContain(DependsOn(s, Id(stack, exports[0].Resource)), d => done.Contains(d));
    }

    [Fact]
    public void TwoExportsOfOneAppStreamAmi_ReadTwice_ShouldBeOrdered()
    {
        var stack = NewStack();
        var source = new AppStreamAmiExport(stack, "Ami", new AppStreamAmiExportProps { ImageName = "Linux-Apps", OperatingSystem = OperatingSystemType.LINUX, Timeout = Duration.Minutes(50) });
        // Each read of AmiId is a token of its own; both name the same attribute.
        var first = Vm(stack, "Vmdk", source.AmiId, Duration.Minutes(50));
        var second = Vm(stack, "Raw", source.AmiId, Duration.Minutes(50));

        var s = Of(stack);

        Assert.Contains(Id(stack, first.Resource), DependsOn(s, Id(stack, second.Resource)));
    }

    [Fact]
    public void ExportOfAnAmiWhoseEarlierExportDoesNotWait_ShouldWarnThatItsStartMayBeRefused()
    {
        var stack = NewStack();
        Vm(stack, "First", Image, Duration.Minutes(50), waits: false);
        Vm(stack, "Second", Image, Duration.Minutes(50));

        var warnings = Amazon.CDK.Assertions.Annotations.FromStack(stack).FindWarning("*", Match.StringLikeRegexp("exports the same AMI as"));

        var warning = Assert.Single(warnings);
        Assert.Contains("WaitForCompletion = false", JsonSerializer.Serialize(warning.Entry.Data));
    }
}

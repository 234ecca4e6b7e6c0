using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using static ExportConstructs.Tests.Constructs.Synthesized;

namespace ExportConstructs.Tests.Constructs;

/// <summary><c>Tags.Of(scope).Add</c> reaches the export task's and the AMI's tags, as it reaches any CDK resource's.</summary>
[Collection(CdkCollection.Name)]
public sealed class CdkTagsTests
{
    private static Stack TaggedStack(Action<Stack>? more = null)
    {
        var stack = NewStack("Tagged");
        new ExportedVmImage(stack, "Vm", new ExportedVmImageProps
        {
            ImageId = "ami-0123456789abcdef0", DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Bucket(stack, "B"),
            Tags = new Dictionary<string, string> { ["team"] = "from-prop", ["own"] = "1" },
        });
        new AppStreamAmiExport(stack, "As", new AppStreamAmiExportProps { ImageName = "Office", Timeout = Duration.Hours(3) });
        Tags.Of(stack).Add("team", "from-cdk");
        Tags.Of(stack).Add("cost-center", "42");
        more?.Invoke(stack);
        return stack;
    }

    private static Dictionary<string, string> TagsOf(Synthesized s, string type) =>
        Assert.Single(s.OfType(type)).Resource.GetProperty("Properties").GetProperty(Tagging.TagsProperty)
            .EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

    [Fact]
    public void TagsOf_ShouldReachBothExports_WithThePropWinningOnAConflict()
    {
        var s = Of(TaggedStack());

        Assert.Equal(new Dictionary<string, string> { ["team"] = "from-prop", ["own"] = "1", ["cost-center"] = "42" }, TagsOf(s, ResourceTypes.ExportedVmImage));
        Assert.Equal(new Dictionary<string, string> { ["team"] = "from-cdk", ["cost-center"] = "42" }, TagsOf(s, ResourceTypes.AppStreamAmiExport));
    }

    [Fact]
    public void TagsOfTheConstructItself_AddedAfterIt_ShouldReachItsExport()
    {
        var s = Of(TaggedStack(stack => Tags.Of(stack.Node.FindChild("As")).Add("late", "yes")));

        Assert.Equal("yes", TagsOf(s, ResourceTypes.AppStreamAmiExport)["late"]);
        Assert.DoesNotContain("late", TagsOf(s, ResourceTypes.ExportedVmImage).Keys);
    }

    [Fact]
    public void WithoutAnyTag_ShouldLeaveTheTagsPropertyOut()
    {
        var stack = NewStack("Untagged");
        new AppStreamAmiExport(stack, "As", new AppStreamAmiExportProps { ImageName = "Office" });

        var s = Of(stack);

        Assert.False(Assert.Single(s.OfType(ResourceTypes.AppStreamAmiExport)).Resource.GetProperty("Properties").TryGetProperty(Tagging.TagsProperty, out _));
    }

    [Fact]
    public void TooManyTagsOnceTheCdksAreAdded_ShouldFailAtSynthNamingTheConstruct()
    {
        var stack = TaggedStack(s => { for (var i = 0; i < 44; i++) Tags.Of(s).Add($"k{i}", "v"); });

        var error = Assert.ThrowsAny<Exception>(() => Of(stack));

        Assert.Contains("AppStreamAmiExport 'Tagged/As': Tags has 46 entries; at most 45 are allowed", error.Message);
        Assert.Contains("ExportedVmImage 'Tagged/Vm': Tags has 47 entries; at most 45 are allowed", error.Message);
    }
}

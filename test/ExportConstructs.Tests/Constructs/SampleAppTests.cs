using Amazon.CDK;
using ExportConstructs.Contract;
using ExportConstructs.Infra;

namespace ExportConstructs.Tests.Constructs;

/// <summary>The sample app in infra/: what `cdk synth` produces from it.</summary>
[Collection(CdkCollection.Name)]
public sealed class SampleAppTests
{
    private static Synthesized SynthSample(Dictionary<string, object>? context = null)
    {
        var app = new App(new AppProps { Outdir = Directory.CreateTempSubdirectory("sample-").FullName, Context = context });
        return Synthesized.Of(new SampleStack(app, "Sample"));
    }

    [Fact]
    public void Sample_WithoutContext_ShouldTakeEveryInputAsAParameterAndOutputEveryAttribute()
    {
        var s = SynthSample();

        Assert.Equal(["AmiName", "AppStreamImageName", "BucketName", "ImageId"],
            s.Json.GetProperty("Parameters").EnumerateObject().Select(p => p.Name).Where(n => !n.StartsWith("BootstrapVersion", StringComparison.Ordinal)).Order());
        Assert.Single(s.OfType(ResourceTypes.ExportedVmImage));
        Assert.Single(s.OfType(ResourceTypes.AppStreamAmiExport));
        var outputs = s.Json.GetProperty("Outputs").EnumerateObject().Select(o => o.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "ExportImageTaskId", "VmS3Bucket", "VmS3Key", "VmS3Uri", "VmDiskImageFormat", "AppStreamTaskId", "AppStreamAmiId", "AppStreamAmiName", "AppStreamImageArn" }, outputs);
    }

    [Fact]
    public void Sample_ShouldBootALaunchTemplateFromTheAmiAndGrantReadOfTheVmFile()
    {
        var s = SynthSample();

        var lt = Assert.Single(s.OfType("AWS::EC2::LaunchTemplate")).Resource;
        Assert.Contains("\"AmiId\"]", lt.GetProperty("Properties").GetProperty("LaunchTemplateData").GetProperty("ImageId").Compact());
        Assert.Contains(s.Statements(), st => Synthesized.Strings(st.GetProperty("Action")).SequenceEqual(["s3:GetObject"]) && st.GetProperty("Resource").Compact().Contains("\"S3Key\"]"));
    }

    [Fact]
    public void Sample_WithContext_ShouldUseTheValuesInsteadOfParameters()
    {
        var s = SynthSample(new() { ["ImageId"] = "ami-0fedcba9876543210", ["AppStreamImageName"] = "Office" });

        var vm = Assert.Single(s.OfType(ResourceTypes.ExportedVmImage)).Resource.GetProperty("Properties");
        Assert.Equal("ami-0fedcba9876543210", vm.GetProperty("ImageId").GetString());
        Assert.False(s.Json.GetProperty("Parameters").TryGetProperty("ImageId", out _));
    }

    [Fact]
    public void Sample_WithABadContextValue_ShouldFailAtSynth()
    {
        var error = Assert.Throws<ArgumentException>(() => SynthSample(new() { ["ImageId"] = "not-an-ami" }));

        Assert.Contains("ExportedVmImage: ImageId 'not-an-ami' is not valid", error.Message);
    }
}

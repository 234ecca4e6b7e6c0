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

        Assert.Equal(["AmiName", "AppStreamImageName", "BucketName", "ImageId", "LinuxAppStreamImageName"],
            s.Json.GetProperty("Parameters").EnumerateObject().Select(p => p.Name).Where(n => !n.StartsWith("BootstrapVersion", StringComparison.Ordinal)).Order());
        Assert.Equal(2, s.OfType(ResourceTypes.ExportedVmImage).Count());
        Assert.Equal(2, s.OfType(ResourceTypes.AppStreamAmiExport).Count());
        var outputs = s.Json.GetProperty("Outputs").EnumerateObject().Select(o => o.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "ExportImageTaskId", "VmS3Bucket", "VmS3Key", "VmS3Uri", "VmDiskImageFormat", "AppStreamTaskId", "AppStreamAmiId", "AppStreamAmiName", "AppStreamImageArn", "LinuxAmiId", "LinuxVmS3Uri" }, outputs);
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

        var vm = s.Resources.GetProperty(s.OfType(ResourceTypes.ExportedVmImage).Single(r => r.Id.StartsWith("VmImage", StringComparison.Ordinal)).Id).GetProperty("Properties");
        Assert.Equal("ami-0fedcba9876543210", vm.GetProperty("ImageId").GetString());
        Assert.False(s.Json.GetProperty("Parameters").TryGetProperty("ImageId", out _));
    }

    [Fact]
    public void Sample_ShouldChainALinuxAppStreamExportIntoAVmExportOfItsAmi()
    {
        var s = SynthSample();

        var chained = s.OfType(ResourceTypes.ExportedVmImage).Single(r => r.Id.StartsWith("LinuxVmImage", StringComparison.Ordinal)).Resource;
        var imageId = chained.GetProperty("Properties").GetProperty("ImageId").Compact();
        Assert.Matches("^\\{\"Fn::GetAtt\":\\[\"LinuxAppStreamAmiResult[0-9A-F]{8}\",\"AmiId\"\\]\\}$", imageId);
        // The grant on that AMI is not in the handler's shared policy (that would close a dependency cycle).
        var shared = s.OfType("AWS::IAM::Policy").Single(p => p.Id.StartsWith("ExportConstructsProviderHandlerRoleDefaultPolicy", StringComparison.Ordinal));
        Assert.DoesNotContain("AmiId", shared.Resource.Compact());
        Assert.Contains(s.OfType("AWS::IAM::Policy"), p => p.Resource.Compact().Contains("ec2:ExportImage") && p.Resource.Compact().Contains("\"AmiId\"]"));
    }

    [Fact]
    public void Sample_WithABadContextValue_ShouldFailAtSynth()
    {
        var error = Assert.Throws<ArgumentException>(() => SynthSample(new() { ["ImageId"] = "not-an-ami" }));

        Assert.Contains("ExportedVmImage 'Sample/VmImage': ImageId 'not-an-ami' is not valid", error.Message);
    }
}

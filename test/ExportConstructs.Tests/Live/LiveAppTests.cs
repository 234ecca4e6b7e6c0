using Amazon.CDK;
using ExportConstructs.Contract;
using ExportConstructs.LiveApp;
using ExportConstructs.Tests.Constructs;
using Xunit.Abstractions;

namespace ExportConstructs.Tests.Live;

/// <summary>
/// What the live suite deploys, checked here without an account: the live app's stack from its
/// context, and the switch that skips the suite.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class LiveAppTests(ITestOutputHelper output)
{
    private static Synthesized SynthLive(Dictionary<string, object> context)
    {
        var app = new App(new AppProps { Outdir = Directory.CreateTempSubdirectory("live-").FullName, Context = context });
        return Synthesized.Of(new LiveStack(app, LiveStack.StackNameOf(app)));
    }

    private static Dictionary<string, object> Context(bool fail) => new()
    {
        [LiveStack.Context.StackName] = "LiveCheck",
        [LiveStack.Context.ImageId] = "ami-0123456789abcdef0",
        [LiveStack.Context.BucketName] = "my-vm-exports",
        [LiveStack.Context.Fail] = fail ? "true" : "false",
    };

    [Fact]
    public void LiveStack_ShouldExportOnTheShortPathUnderDestroyAndOutputWhatTheSuiteReads()
    {
        var s = SynthLive(Context(fail: false));

        var (id, resource) = Assert.Single(s.OfType(ResourceTypes.ExportedVmImage));
        var properties = resource.GetProperty("Properties");
        Assert.Equal(("ami-0123456789abcdef0", "exportconstructs-live/LiveCheck/", RemovalPolicies.Destroy),
            (properties.GetProperty("ImageId").GetString(), properties.GetProperty("S3Prefix").GetString(), properties.GetProperty("RemovalPolicy").GetString()));
        Assert.Empty(s.OfType("AWS::CloudFormation::WaitCondition")); // the short path: no condition of the export's own
        var outputs = s.Json.GetProperty("Outputs");
        Assert.Equal(id, outputs.GetProperty(LiveStack.Outputs.ExportLogicalId).GetProperty("Value").GetString());
        foreach (var name in new[] { LiveStack.Outputs.ExportImageTaskId, LiveStack.Outputs.S3Bucket, LiveStack.Outputs.S3Key, LiveStack.Outputs.S3Uri })
            Assert.True(outputs.TryGetProperty(name, out _), name);
    }

    [Fact]
    public void LiveStack_WithFail_ShouldAddAWaitConditionAfterTheExportThatNothingCanSignal()
    {
        var s = SynthLive(Context(fail: true));

        var exportId = Assert.Single(s.OfType(ResourceTypes.ExportedVmImage)).Id;
        var (id, never) = Assert.Single(s.OfType("AWS::CloudFormation::WaitCondition"));
        Assert.Equal(LiveStack.FailingResourceId, id);
        Assert.False(never.TryGetProperty("Properties", out var p) && p.EnumerateObject().Any(), "no handle, nothing to signal it with");
        var signal = never.GetProperty("CreationPolicy").GetProperty("ResourceSignal");
        Assert.Equal((1, "PT1M"), (signal.GetProperty("Count").GetInt32(), signal.GetProperty("Timeout").GetString()));
        Assert.Contains(exportId, never.GetProperty("DependsOn").EnumerateArray().Select(d => d.GetString()));
    }

    [Fact]
    public void LiveStack_WithoutAnImage_ShouldFailAtSynthNamingTheContextKey()
    {
        var context = Context(fail: false);
        context.Remove(LiveStack.Context.ImageId);

        var error = Assert.Throws<ArgumentException>(() => SynthLive(context));

        Assert.Contains("-c ImageId=", error.Message);
    }

    [Fact]
    public async Task Cli_WithTheArgumentsOfADeploy_ShouldSynthesizeTheLiveAppFromItsBuildOutput()
    {
        var settings = new LiveSettings("ami-0123456789abcdef0", "ami-0fedcba9876543210", "my-vm-exports", "eu-west-1", "LiveCliCheck");
        var cdk = new LiveCdk(settings, output);

        string template;
        try
        {
            var run = await cdk.SynthAsync(fail: true, TimeSpan.FromMinutes(5));
            Assert.True(run.ExitCode == 0, run.Describe());
            template = File.ReadAllText(Path.Combine(cdk.OutputDirectory, "LiveCliCheck.template.json"));
        }
        finally { Directory.Delete(Path.GetDirectoryName(cdk.OutputDirectory)!, recursive: true); }

        Assert.Contains("\"S3Prefix\": \"exportconstructs-live/LiveCliCheck/\"", template);
        Assert.Contains($"\"{LiveStack.FailingResourceId}\"", template);
    }

    [Fact]
    public void Settings_WithoutTheSwitch_ShouldSkipNamingEveryVariableToSet()
    {
        var (settings, reason) = LiveSettings.FromEnvironment(_ => null);

        Assert.Null(settings);
        foreach (var name in new[] { "EXPORTCONSTRUCTS_LIVE=1", "EXPORTCONSTRUCTS_LIVE_IMAGE_ID", "EXPORTCONSTRUCTS_LIVE_OTHER_IMAGE_ID", "EXPORTCONSTRUCTS_LIVE_BUCKET", "AWS_REGION" })
            Assert.Contains(name, reason);
    }

    [Fact]
    public void Settings_WhenAllAreSet_ShouldRunInTheGivenRegionUnderTheDefaultStackName()
    {
        var environment = new Dictionary<string, string>
        {
            ["EXPORTCONSTRUCTS_LIVE"] = "1",
            ["EXPORTCONSTRUCTS_LIVE_IMAGE_ID"] = "ami-0123456789abcdef0",
            ["EXPORTCONSTRUCTS_LIVE_OTHER_IMAGE_ID"] = "ami-0fedcba9876543210",
            ["EXPORTCONSTRUCTS_LIVE_BUCKET"] = "my-vm-exports",
            ["AWS_DEFAULT_REGION"] = "eu-west-1",
        };

        var (settings, reason) = LiveSettings.FromEnvironment(environment.GetValueOrDefault);

        Assert.Null(reason);
        Assert.Equal(new LiveSettings("ami-0123456789abcdef0", "ami-0fedcba9876543210", "my-vm-exports", "eu-west-1", "ExportConstructsLive"), settings);
        Assert.Equal("exportconstructs-live/ExportConstructsLive/", settings!.Prefix);
    }
}

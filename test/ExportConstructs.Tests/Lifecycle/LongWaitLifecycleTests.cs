using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.Lifecycle;

/// <summary>
/// The long-wait path end to end: the export resource through the framework, the WaitCondition
/// fed by the poller (played poll by poll on the fake clock), and the result resource after it.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class LongWaitLifecycleTests : IAsyncLifetime
{
    private const string Poller = "arn:aws:states:us-east-1:123456789012:stateMachine:ExportPoller";
    private readonly HandlerHarness _h = new();

    public Task InitializeAsync()
    {
        _h.Aws.AddImage("ami-0123456789abcdef0");
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    private sealed record Deployed(DeployedTemplate Template, string Export, string Result, ProviderFramework Framework, int Interval);

    /// <summary>A stack with one ExportedVmImage on the default long path, its handle and poller resolving to the fakes.</summary>
    private Deployed Deploy(Action<ExportedVmImageProps>? change = null)
    {
        var stack = Synthesized.NewStack();
        var props = new ExportedVmImageProps { ImageId = "ami-0123456789abcdef0", DiskImageFormat = DiskImageFormat.RAW, Bucket = new Bucket(stack, "Bucket") };
        change?.Invoke(props);
        new ExportedVmImage(stack, "Vm", props);
        return DeployedFrom(stack, ResourceTypes.ExportedVmImage, ResourceTypes.ExportedVmImageResult);
    }

    /// <summary>A stack with one AppStreamAmiExport on the long path, its handle and poller resolving to the fakes.</summary>
    private Deployed DeployAppStream(Action<AppStreamAmiExportProps>? change = null)
    {
        _h.Aws.AppStreamImages.Add("Office");
        var stack = Synthesized.NewStack();
        var props = new AppStreamAmiExportProps { ImageName = "Office" };
        change?.Invoke(props);
        new AppStreamAmiExport(stack, "As", props);
        return DeployedFrom(stack, ResourceTypes.AppStreamAmiExport, ResourceTypes.AppStreamAmiExportResult);
    }

    private Deployed DeployedFrom(Stack stack, string exportType, string resultType)
    {
        var synthesized = Synthesized.Of(stack);
        var handle = Assert.Single(synthesized.OfType("AWS::CloudFormation::WaitConditionHandle")).Id;
        var poller = Assert.Single(synthesized.OfType("AWS::StepFunctions::StateMachine"), m => m.Id.Contains("Poller")).Id;
        var template = new DeployedTemplate(synthesized, new Dictionary<string, string> { [handle] = _h.Aws.HandleUrl(handle), [poller] = Poller });
        var export = template.LogicalIdOf(exportType);
        var (interval, attempts) = template.ProviderSettings(export);
        var pollInterval = int.Parse(template.Properties(export).GetProperty("Wait").GetProperty("IntervalSeconds").GetString()!);
        return new Deployed(template, export, template.LogicalIdOf(resultType), new ProviderFramework(_h, interval, attempts), pollInterval);
    }

    /// <summary>The result resource's properties once CloudFormation resolved its TaskId (the export resource's Ref).</summary>
    private static JsonElement ResultProperties(Deployed d, string taskId) =>
        JsonSerializer.SerializeToElement(JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(d.Template.Properties(d.Result).GetRawText())!
            .Select(p => p.Key == "TaskId" ? KeyValuePair.Create(p.Key, JsonSerializer.SerializeToElement(taskId)) : p).ToDictionary());

    /// <summary>Plays the poller state machine: poll, wait the interval, until a poll reports Done.</summary>
    private async Task<int> RunPollerAsync(string taskId, int intervalSeconds)
    {
        var input = JsonSerializer.Deserialize(_h.Aws.Executions[taskId].Input, ContractJsonContext.Default.PollerInput)!;
        for (var polls = 1; polls < 10_000; polls++)
        {
            if ((await _h.Poller.PollAsync(input, default)).Done) return polls;
            _h.Clock.Advance(TimeSpan.FromSeconds(intervalSeconds));
        }
        throw new TimeoutException("the poller never finished");
    }

    [Fact]
    public async Task ExportToCompletion_ShouldSignalTheConditionAndTheResultShouldCarryTheFinalAttributes()
    {
        var d = Deploy();
        await using var _ = d.Framework;

        var started = await d.Framework.SendAsync(d.Framework.Request("Create", ResourceTypes.ExportedVmImage, d.Export, d.Template.Properties(d.Export)));
        var polls = await RunPollerAsync(started.PhysicalResourceId, d.Interval);
        var signal = Assert.Single(_h.Aws.Signals).Body;
        var resultProps = ResultProperties(d, started.PhysicalResourceId);
        var result = await d.Framework.SendAsync(d.Framework.Request("Create", ResourceTypes.ExportedVmImageResult, d.Result, resultProps));

        Assert.Equal("SUCCESS", started.Status);
        // The export resource and the result resource each answer at their first isComplete: 2 invocations each.
        Assert.Equal(4, d.Framework.Invocations);
        Assert.Equal(300, d.Interval);
        Assert.Equal(_h.Aws.VmPollsToFinish, polls);
        Assert.Equal("SUCCESS", signal["Status"]!.GetValue<string>());
        Assert.Equal(("SUCCESS", started.PhysicalResourceId), (result.Status, result.PhysicalResourceId));
        Assert.Equal($"exports/{started.PhysicalResourceId}.raw", result.Data["S3Key"]);
        Assert.Equal(["EC2:ExportImage", "SFN:StartExecution"], _h.Aws.Calls.Take(2));
        Assert.Equal(1 + 1 + polls + 1 + 1, _h.Aws.Calls.Count); // start, poller, a describe per poll, signal, result's describe
    }

    [Fact]
    public async Task AppStreamExportToCompletion_ShouldSignalWithTheAmiAndTheResultShouldCarryIt()
    {
        var d = DeployAppStream();
        await using var _ = d.Framework;

        var started = await d.Framework.SendAsync(d.Framework.Request("Create", ResourceTypes.AppStreamAmiExport, d.Export, d.Template.Properties(d.Export)));
        var polls = await RunPollerAsync(started.PhysicalResourceId, d.Interval);
        var resultProps = ResultProperties(d, started.PhysicalResourceId);
        var final = await d.Framework.SendAsync(d.Framework.Request("Create", ResourceTypes.AppStreamAmiExportResult, d.Result, resultProps));

        Assert.Equal("", started.Data["AmiId"]);
        var amiId = _h.Aws.AppStreamTasks[started.PhysicalResourceId].AmiId;
        Assert.Equal("SUCCESS", Assert.Single(_h.Aws.Signals).Body["Status"]!.GetValue<string>());
        Assert.Equal(("SUCCESS", amiId), (final.Status, final.Data["AmiId"]));
        // One create and one poller start; gets: the export resource's isComplete, one per poll, the result resource's.
        Assert.Equal((1, 1, 1 + polls + 1), (_h.Aws.CallCount("AppStream:CreateExportImageTask"), _h.Aws.CallCount("SFN:StartExecution"), _h.Aws.CallCount("AppStream:GetExportImageTask")));
        Assert.Empty(_h.Aws.ProtocolProblems);
    }

    [Theory]
    [InlineData("FAILED", "IMAGE_COPY_FAILURE: Snapshot copy failed")]
    [InlineData("TIMED_OUT", "EXPORT_TIMEOUT: Took too long")]
    public async Task AppStreamExportFailing_ShouldSignalFailureWithEveryErrorAndTheRollbackShouldStopThePoller(string state, string error)
    {
        var parts = error.Split(": ");
        _h.Aws.AppStreamFailure = (state, [(parts[0], parts[1])]);
        var d = DeployAppStream();
        await using var _ = d.Framework;

        var started = await d.Framework.SendAsync(d.Framework.Request("Create", ResourceTypes.AppStreamAmiExport, d.Export, d.Template.Properties(d.Export)));
        await RunPollerAsync(started.PhysicalResourceId, d.Interval);
        var rollback = await d.Framework.SendAsync(d.Framework.Request("Delete", ResourceTypes.AppStreamAmiExport, d.Export, d.Template.Properties(d.Export), physicalId: started.PhysicalResourceId));

        var signal = Assert.Single(_h.Aws.Signals).Body;
        Assert.Equal("FAILURE", signal["Status"]!.GetValue<string>());
        Assert.Contains($"ended as {state}: {error}", signal["Reason"]!.GetValue<string>());
        Assert.Equal(("SUCCESS", "ABORTED"), (rollback.Status, _h.Aws.Executions[started.PhysicalResourceId].Status));
        Assert.Equal(1, _h.Aws.CallCount("SFN:StopExecution"));
    }

    [Fact]
    public async Task AppStreamExportOutlastingTheTimeout_ShouldSignalFailureAndTheRollbackShouldStopThePoller()
    {
        _h.Aws.AppStreamPollsToFinish = 10_000;
        var d = DeployAppStream(p => { p.Timeout = Duration.Minutes(90); p.PollInterval = Duration.Minutes(15); });
        await using var _ = d.Framework;

        var started = await d.Framework.SendAsync(d.Framework.Request("Create", ResourceTypes.AppStreamAmiExport, d.Export, d.Template.Properties(d.Export)));
        var polls = await RunPollerAsync(started.PhysicalResourceId, d.Interval);
        var rollback = await d.Framework.SendAsync(d.Framework.Request("Delete", ResourceTypes.AppStreamAmiExport, d.Export, d.Template.Properties(d.Export), physicalId: started.PhysicalResourceId));

        Assert.Equal(7, polls); // at 0, 15, …, 90 minutes
        Assert.Contains("did not finish within the Timeout of 5400 s", Assert.Single(_h.Aws.Signals).Body["Reason"]!.GetValue<string>());
        Assert.Equal(("SUCCESS", "ABORTED"), (rollback.Status, _h.Aws.Executions[started.PhysicalResourceId].Status));
        // A get by the export resource's isComplete (its attributes), one per poll, one by the Delete.
        Assert.Equal(1 + polls + 1, _h.Aws.CallCount("AppStream:GetExportImageTask"));
    }

    [Fact]
    public async Task ExportFailing_ShouldSignalFailureAndTheRollbackShouldStopThePoller()
    {
        _h.Aws.VmFailureMessage = "ClientError: Unsupported kernel version";
        var d = Deploy();
        await using var _ = d.Framework;

        var started = await d.Framework.SendAsync(d.Framework.Request("Create", ResourceTypes.ExportedVmImage, d.Export, d.Template.Properties(d.Export)));
        await RunPollerAsync(started.PhysicalResourceId, d.Interval);
        // The WaitCondition fails on the FAILURE signal; CloudFormation rolls back and deletes the export resource.
        var rollback = await d.Framework.SendAsync(d.Framework.Request("Delete", ResourceTypes.ExportedVmImage, d.Export, d.Template.Properties(d.Export), physicalId: started.PhysicalResourceId));

        var signal = Assert.Single(_h.Aws.Signals).Body;
        Assert.Equal("FAILURE", signal["Status"]!.GetValue<string>());
        Assert.Contains("ClientError: Unsupported kernel version", signal["Reason"]!.GetValue<string>());
        Assert.Equal("SUCCESS", rollback.Status);
        Assert.Equal("ABORTED", _h.Aws.Executions[started.PhysicalResourceId].Status);
        Assert.DoesNotContain(_h.Aws.VmTasks.Values, t => t.Status == "active");
    }

    [Fact]
    public async Task ExportOutlastingTheTimeout_ShouldSignalFailureAndTheRollbackShouldCancelTheExport()
    {
        _h.Aws.VmPollsToFinish = 10_000;
        var d = Deploy(p => { p.Timeout = Duration.Hours(2); p.PollInterval = Duration.Minutes(10); });
        await using var _ = d.Framework;

        var started = await d.Framework.SendAsync(d.Framework.Request("Create", ResourceTypes.ExportedVmImage, d.Export, d.Template.Properties(d.Export)));
        var polls = await RunPollerAsync(started.PhysicalResourceId, d.Interval);
        var rollback = await d.Framework.SendAsync(d.Framework.Request("Delete", ResourceTypes.ExportedVmImage, d.Export, d.Template.Properties(d.Export), physicalId: started.PhysicalResourceId));

        Assert.Equal(13, polls); // at 0, 10, …, 120 minutes: the last one is at the deadline
        Assert.Contains("did not finish within the Timeout of 7200 s", Assert.Single(_h.Aws.Signals).Body["Reason"]!.GetValue<string>());
        Assert.Equal("SUCCESS", rollback.Status);
        Assert.True(_h.Aws.VmTasks[started.PhysicalResourceId].Cancelled);
        Assert.DoesNotContain(_h.Aws.VmTasks.Values, t => t.Status == "active");
    }
}

using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using static ExportConstructs.Tests.CloudFormation.DeploymentHelpers;
using static ExportConstructs.Tests.CloudFormation.LongWaitStacks;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// The long-wait path (Timeout over 55 minutes) deployed by the CloudFormation emulation: the
/// export resource through the real framework code, the poller state machine run from its
/// synthesized definition, the WaitCondition's CreationPolicy signalled through SignalResource, and
/// the result resource. Each test asserts what CloudFormation was told, what AWS holds, that no
/// poller execution is left running, and the AWS calls.
/// This class: an export to its end, failures, timeouts and refusals, a delete during the wait, and two exports.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class LongWaitDeploymentTests : IAsyncLifetime
{
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AddImage(Image);
        _d.Aws.VmDuration = TimeSpan.FromMinutes(90);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    [Fact]
    public async Task ExportToCompletion_ShouldSignalItsConditionOnceAndTheResultShouldCarryTheFinalAttributes()
    {
        var template = await _d.VmStack();

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", _d.Story());
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var condition = template.Of("AWS::CloudFormation::WaitCondition");
        Assert.Equal([new ExportConstructs.Fakes.FakeResourceSignal(_d.Cfn.StackId, condition, task.Id, "SUCCESS")], _d.Aws.ResourceSignals);
        var result = _d.Cfn.Resources[template.Of(ResourceTypes.ExportedVmImageResult)];
        Assert.Equal(task.Key, result.Attributes["S3Key"]!.ToString());
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
        var lines = _d.Cfn.Lambda.Logs.Values.SelectMany(l => l).ToList();
        Assert.DoesNotContain(lines, l => l.Contains("X-Amz-Credential") || l.Contains("X-Amz-Signature") || l.Contains(CloudFormationEmulator.ResponseHost));
        // One start, the poller's describes (one every 5 minutes over 90 minutes, and at once), one by the result.
        Assert.Equal((1, 1, 1), (_d.Aws.CallCount("EC2:ExportImage"), _d.Aws.CallCount("SFN:StartExecution") - 2, _d.Aws.CallCount("CloudFormation:SignalResource")));
    }

    [Theory]
    [InlineData("AccessDeniedException", 400)]
    [InlineData("ServiceUnavailable", 503)]
    public async Task PollerRefusedOnCreate_ShouldLeaveNothingRunningAfterTheRollback(string code, int status)
    {
        var template = await _d.VmStack();
        // The handler's StartExecution is the first: the framework starts its own waiter only after onEvent
        // answered. A 5xx is retried by the SDK (6 attempts in all); a refusal is not.
        _d.Aws.FailNext("SFN:StartExecution", code, status, times: status >= 500 ? 6 : 1);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "ROLLBACK_COMPLETE", _d.Story());
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var exchanges = _d.Cfn.ExchangesOf(template.Of(ResourceTypes.ExportedVmImage)).ToList();
        // Not the framework's CREATE_FAILED marker (whose Delete never reaches the handler): the export's own id.
        Assert.Equal(("FAILED", task.Id), (exchanges[0].Answer!.Status, exchanges[0].Answer!.PhysicalResourceId));
        Assert.Contains($"[{code}]", exchanges[0].Answer!.Reason);
        Assert.Equal(("Delete", task.Id, "SUCCESS"), (exchanges[1].RequestType, exchanges[1].PhysicalResourceId, exchanges[1].Answer!.Status));
        Assert.True(task.Cancelled, "the export runs on with no resource owning it");
        Assert.Empty(await _d.PollersLeftAsync());
    }

    [Fact]
    public async Task ExportFailing_ShouldFailTheResultWithAwsReasonAndTheRollbackShouldStopEverything()
    {
        _d.Aws.VmFailureMessage = "ClientError: Unsupported kernel version";
        var template = await _d.VmStack();

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "ROLLBACK_COMPLETE", _d.Story());
        Assert.Equal("SUCCESS", Assert.Single(_d.Aws.ResourceSignals).Status); // a FAILURE signal would carry no reason
        var result = _d.Cfn.ExchangesOf(template.Of(ResourceTypes.ExportedVmImageResult)).First().Answer!;
        Assert.Equal("FAILED", result.Status);
        Assert.Contains("ClientError: Unsupported kernel version", result.Reason);
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task ExportOutlastingTheTimeout_ShouldFailTheResultNamingTheTimeoutAndTheRollbackCancelTheExport()
    {
        _d.Aws.VmDuration = TimeSpan.FromHours(10);
        var template = await _d.VmStack();

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "ROLLBACK_COMPLETE", _d.Story());
        // Signalled one interval before the condition's timeout, so that the reason reaches CloudFormation.
        var signal = Assert.Single(_d.Aws.ResourceSignals);
        var result = _d.Cfn.ExchangesOf(template.Of(ResourceTypes.ExportedVmImageResult)).First().Answer!;
        Assert.Equal("FAILED", result.Status);
        Assert.Contains($"export {signal.UniqueId} did not finish within its Timeout of 10800 s", result.Reason);
        Assert.True(Assert.Single(_d.Aws.VmTasks.Values).Cancelled);
        Assert.Empty(await _d.PollersLeftAsync());
    }

    [Fact]
    public async Task SignalRefusedForLongerThanThePollersRetries_ShouldStillEndInTheSignal()
    {
        var template = await _d.VmStack();
        // Refused (as while a new IAM grant propagates) for longer than the state machine's own retries:
        // the poll fails, the execution waits an interval and polls again. Not retried by the SDK, so no real backoff.
        _d.Aws.FailNext("CloudFormation:SignalResource", "AccessDenied", 403, times: 12);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", _d.Story());
        Assert.Single(_d.Aws.ResourceSignals);
        Assert.Equal(13, _d.Aws.CallCount("CloudFormation:SignalResource"));
        Assert.Empty(await _d.PollersLeftAsync());
    }

    [Fact]
    public async Task DeleteMidWait_ShouldStopThePollerAndCancelTheExport()
    {
        _d.Aws.VmDuration = TimeSpan.FromHours(10);
        _d.Cfn.CancelAfter = TimeSpan.FromHours(1);
        var template = await _d.VmStack();

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "ROLLBACK_COMPLETE", _d.Story());
        Assert.True(Assert.Single(_d.Aws.VmTasks.Values).Cancelled);
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Equal(1, _d.Aws.CallCount("SFN:StopExecution"));
    }

    [Fact]
    public async Task TwoExports_ShouldEachSignalExactlyTheirOwnCondition()
    {
        const string second = "ami-0fedcba9876543210";
        _d.Aws.AddImage(second);
        var stack = Synthesized.NewStack("Sample");
        var bucket = new Bucket(stack, "Bucket");
        new ExportedVmImage(stack, "VmA", new ExportedVmImageProps { ImageId = Image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = bucket, Timeout = Duration.Hours(3) });
        new ExportedVmImage(stack, "VmB", new ExportedVmImageProps { ImageId = second, DiskImageFormat = DiskImageFormat.RAW, Bucket = bucket, Timeout = Duration.Hours(2) });
        var template = await _d.SynthesizeAsync(stack);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", _d.Story());
        foreach (var (construct, image) in new[] { ("VmA", Image), ("VmB", second) })
        {
            var task = Assert.Single(_d.Aws.VmTasks.Values, t => t.ImageId == image);
            var condition = Assert.Single(template.OfType("AWS::CloudFormation::WaitCondition"), c => c.StartsWith(construct + "Wait", StringComparison.Ordinal));
            Assert.Equal(condition, Assert.Single(_d.Aws.ResourceSignals, s => s.UniqueId == task.Id).LogicalResourceId);
        }
        Assert.Equal(2, _d.Aws.ResourceSignals.Count);
        Assert.Empty(await _d.PollersLeftAsync());
    }
}

using System.Text.Json;
using ExportConstructs.Contract;
using ExportConstructs.Handler.Exports;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.Fakes.HandlerHarness;

namespace ExportConstructs.Tests.Handler.Waiting;

/// <summary>
/// The long-wait path: the export resource starts the poller, polls signal the WaitCondition
/// through SignalResource (always SUCCESS, once the export has ended), the result resource reports.
/// </summary>
public sealed class LongWaitHandlerTests : IAsyncLifetime
{
    private const string Image = "ami-0123456789abcdef0";
    private const string Poller = "arn:aws:states:us-east-1:123456789012:stateMachine:ExportPoller";
    private readonly HandlerHarness _h = new();

    public Task InitializeAsync()
    {
        _h.Aws.AddImage(Image);
        _h.Aws.AppStreamImages.Add("Office");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Assert.Empty(_h.Aws.ProtocolProblems);
        await _h.DisposeAsync();
    }

    private static WaitProperties Wait(string condition = "WaitA") => new()
    {
        Signal = condition,
        Poller = Poller,
        IntervalSeconds = "300",
        TimeoutSeconds = "21600",
    };

    private static ExportedVmImageProperties Vm(string condition = "WaitA", string format = "VMDK") => new()
    {
        ImageId = Image, DiskImageFormat = format, S3Bucket = "vm-exports", S3Prefix = "exports/", RoleName = "vmimport",
        RemovalPolicy = RemovalPolicies.Retain, WaitForCompletion = "true", Wait = Wait(condition),
    };

    /// <summary>The one poller execution of an export (named after the task and its condition).</summary>
    private (string Name, string Arn, string Input, string Status) Execution(string taskId) =>
        _h.Aws.Executions.Single(e => e.Key.StartsWith(taskId + "-", StringComparison.Ordinal)) is var e ? (e.Key, e.Value.Arn, e.Value.Input, e.Value.Status) : default;

    private async Task<(string TaskId, PollerInput Input)> CreateVmAsync(ExportedVmImageProperties? props = null)
    {
        var outcome = await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Create", Json(props ?? Vm())));
        Assert.Equal(1, outcome.Polls); // the export resource does not wait: the WaitCondition does
        var input = JsonSerializer.Deserialize(Execution(outcome.PhysicalResourceId).Input, ContractJsonContext.Default.PollerInput)!;
        return (outcome.PhysicalResourceId, input);
    }

    private async Task<List<bool>> PollUntilDoneAsync(PollerInput input, int max = 10)
    {
        var answers = new List<bool>();
        for (var i = 0; i < max && !answers.LastOrDefault(); i++) answers.Add((await _h.Poller.PollAsync(input, default)).Done);
        return answers;
    }

    [Fact]
    public async Task Create_ShouldStartTheExportAndAPollerNamedAfterTheTaskThenCompleteAtOnce()
    {
        var (taskId, input) = await CreateVmAsync();

        Assert.Equal(["EC2:ExportImage", "SFN:StartExecution"], _h.Aws.Calls);
        var execution = Execution(taskId);
        Assert.Equal($"arn:aws:states:us-east-1:123456789012:execution:ExportPoller:{execution.Name}", execution.Arn);
        Assert.Equal((ResourceTypes.ExportedVmImage, taskId, 300, StackId), (input.ResourceType, input.PhysicalResourceId, input.IntervalSeconds, input.StackId));
        // The input names the export and its condition; nothing in it is a credential.
        Assert.DoesNotContain("http", execution.Input);
        Assert.Equal(_h.Clock.GetUtcNow().ToUnixTimeSeconds() + 21600 - 300, input.DeadlineUnixSeconds);
    }

    [Fact]
    public async Task Poll_UntilTheExportCompletes_ShouldSignalSuccessWithTheFinalAttributes()
    {
        var (taskId, input) = await CreateVmAsync();

        var answers = await PollUntilDoneAsync(input);

        Assert.Equal([false, false, true], answers);
        Assert.Equal(new FakeResourceSignal(StackId, "WaitA", taskId, "SUCCESS"), Assert.Single(_h.Aws.ResourceSignals));
    }

    [Fact]
    public async Task Poll_WhenTheExportFails_ShouldStillSignalSuccessAndLogTheAwsMessage()
    {
        _h.Aws.VmFailureMessage = "ClientError: Unsupported kernel version";
        var (taskId, input) = await CreateVmAsync();

        await PollUntilDoneAsync(input);

        // A FAILURE signal carries no reason; the result resource re-reads the export and fails with it.
        Assert.Equal("SUCCESS", Assert.Single(_h.Aws.ResourceSignals).Status);
        Assert.Contains(_h.Log, l => l.Contains($"Export {taskId} failed: EC2 export task {taskId} of image {Image} ended as 'deleted'") && l.Contains("ClientError: Unsupported kernel version"));
    }

    [Fact]
    public async Task Poll_OneIntervalBeforeTheTimeout_ShouldSignalSoThatTheResultResourceReportsIt()
    {
        _h.Aws.VmPollsToFinish = 1000;
        var (taskId, input) = await CreateVmAsync();
        Assert.False((await _h.Poller.PollAsync(input, default)).Done);
        Assert.Equal(_h.Clock.GetUtcNow().ToUnixTimeSeconds() + 21600 - 300, input.DeadlineUnixSeconds);

        _h.Clock.Advance(TimeSpan.FromSeconds(21600 - 300));
        var last = await _h.Poller.PollAsync(input, default);

        Assert.True(last.Done);
        Assert.Equal(new FakeResourceSignal(StackId, "WaitA", taskId, "SUCCESS"), Assert.Single(_h.Aws.ResourceSignals));
        Assert.Contains(_h.Log, l => l.Contains($"Export {taskId} did not finish within its Timeout of 21600 s"));
    }

    [Fact]
    public async Task Poll_WhenTheConditionDoesNotTakeSignalsYet_ShouldSignalAgainNextIntervalUntilTheDeadline()
    {
        var (taskId, input) = await CreateVmAsync();
        var refusing = true;
        _h.Aws.SignalTarget = (_, id) => refusing ? $"Resource {id} is in a state that cannot be signaled" : null;

        var refused = await PollUntilDoneAsync(input, max: 5);
        refusing = false;
        var accepted = await _h.Poller.PollAsync(input, default);

        Assert.DoesNotContain(true, refused);
        Assert.True(accepted.Done);
        Assert.Equal(new FakeResourceSignal(StackId, "WaitA", taskId, "SUCCESS"), Assert.Single(_h.Aws.ResourceSignals));
        Assert.Contains(_h.Log, l => l.Contains("WaitA cannot be signalled now"));
    }

    [Fact]
    public async Task Poll_WhenAwsThrottlesBeyondTheRetries_ShouldSkipThePollWithoutSignalling()
    {
        var (_, input) = await CreateVmAsync();
        _h.Aws.FailNext("EC2:DescribeExportImageTasks", "RequestLimitExceeded", 503, times: 6);

        var answer = await _h.Poller.PollAsync(input, default);

        Assert.False(answer.Done);
        Assert.Empty(_h.Aws.ResourceSignals);
        Assert.Contains(_h.Log, l => l.Contains("trying again next interval"));
    }

    [Fact]
    public async Task Delete_MidWait_ShouldStopThePollerAndCancelTheExport()
    {
        var (taskId, input) = await CreateVmAsync();
        await _h.Poller.PollAsync(input, default);

        await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Delete", Json(Vm()), physicalId: taskId));

        Assert.Equal("ABORTED", Execution(taskId).Status);
        Assert.True(_h.Aws.VmTasks[taskId].Cancelled);
        Assert.Equal(1, _h.Aws.CallCount("SFN:StopExecution"));
    }

    [Fact]
    public async Task Delete_WhenThePollerIsAlreadyGone_ShouldStillCancelTheExport()
    {
        var (taskId, _) = await CreateVmAsync();
        _h.Aws.Executions.Remove(Execution(taskId).Name);

        await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Delete", Json(Vm()), physicalId: taskId));

        Assert.True(_h.Aws.VmTasks[taskId].Cancelled);
    }

    [Fact]
    public async Task Create_DeliveredTwice_ShouldStartOneExportAndOnePoller()
    {
        var request = Request(ResourceTypes.ExportedVmImage, "Create", Json(Vm()));

        var first = await _h.Lifecycle.OnEventAsync(request, default);
        _h.Clock.Advance(TimeSpan.FromMinutes(1)); // a later deadline: the retried start's input differs
        var second = await _h.Lifecycle.OnEventAsync(request, default);

        Assert.Equal(first.PhysicalResourceId, second.PhysicalResourceId);
        Assert.Single(_h.Aws.VmTasks);
        Assert.Single(_h.Aws.Executions);
        Assert.Contains(_h.Log, l => l.Contains("was already started by this request"));
    }

    [Fact]
    public async Task Update_WithOnlyANewCondition_ShouldKeepTheExportStopTheOldPollerAndSignalTheNewCondition()
    {
        var (taskId, _) = await CreateVmAsync();
        var first = Execution(taskId).Name;

        var updated = await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Update", Json(Vm("WaitB")), Json(Vm("WaitA")), taskId));
        var second = _h.Aws.Executions.Single(e => e.Key != first);
        await PollUntilDoneAsync(JsonSerializer.Deserialize(second.Value.Input, ContractJsonContext.Default.PollerInput)!);

        Assert.Equal(taskId, updated.PhysicalResourceId);
        Assert.Single(_h.Aws.VmTasks);
        Assert.Equal("ABORTED", _h.Aws.Executions[first].Status); // at most one poller per export
        Assert.Equal(["WaitB"], _h.Aws.ResourceSignals.Select(x => x.LogicalResourceId));
    }

    [Fact]
    public async Task Update_Replacing_ShouldStartANewExportWithItsOwnPoller()
    {
        var (taskId, input) = await CreateVmAsync();
        // An Update reaches a long-path export after its WaitCondition, so once the export has ended
        // (EC2 would refuse a second export of the AMI while the first runs).
        await PollUntilDoneAsync(input);

        var updated = await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Update", Json(Vm("WaitB", "RAW")), Json(Vm()), taskId));

        Assert.NotEqual(taskId, updated.PhysicalResourceId);
        Assert.Equal(2, _h.Aws.Executions.Count);
        Assert.Contains(_h.Aws.Executions.Keys, k => k.StartsWith(updated.PhysicalResourceId + "-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ResultResource_ShouldReportTheFinishedExportAndOwnNothingOnDelete()
    {
        var (taskId, input) = await CreateVmAsync();
        await PollUntilDoneAsync(input);
        var props = Vm();
        props.Wait = null;
        props.TaskId = taskId;

        var result = await _h.RunAsync(Request(ResourceTypes.ExportedVmImageResult, "Create", Json(props)));
        var calls = _h.Aws.Calls.Count;
        await _h.RunAsync(Request(ResourceTypes.ExportedVmImageResult, "Delete", Json(props), physicalId: taskId));

        Assert.Equal(taskId, result.PhysicalResourceId);
        Assert.Equal($"s3://vm-exports/exports/{taskId}.vmdk", result.Data!["S3Uri"]);
        Assert.Equal(calls, _h.Aws.Calls.Count);
        Assert.False(_h.Aws.VmTasks[taskId].Cancelled);
    }

    [Fact]
    public async Task AppStream_LongPath_ShouldSignalSuccessWithTheAmiId()
    {
        var props = new AppStreamAmiExportProperties
        {
            ImageName = "Office", IamRoleArn = "arn:aws:iam::123456789012:role/AppStreamExport",
            RemovalPolicy = RemovalPolicies.Retain, WaitForCompletion = "true", Wait = Wait(),
        };
        var created = await _h.RunAsync(Request(ResourceTypes.AppStreamAmiExport, "Create", Json(props)));
        var input = JsonSerializer.Deserialize(Execution(created.PhysicalResourceId).Input, ContractJsonContext.Default.PollerInput)!;

        await PollUntilDoneAsync(input);

        Assert.Equal("", created.Data!["AmiId"]); // not known when the export resource answers: the result resource reads it
        Assert.Equal(new FakeResourceSignal(StackId, "WaitA", created.PhysicalResourceId, "SUCCESS"), Assert.Single(_h.Aws.ResourceSignals));
    }

    [Fact]
    public async Task Update_MovingToTheShortPath_ShouldStopThePollerOfTheOldCondition()
    {
        var (taskId, _) = await CreateVmAsync();
        var shortPath = Vm();
        shortPath.Wait = new WaitProperties { IntervalSeconds = "60", TimeoutSeconds = "3000" };

        var updated = await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Update", Json(shortPath), Json(Vm()), taskId));

        Assert.Equal(taskId, updated.PhysicalResourceId);
        Assert.Equal("ABORTED", Execution(taskId).Status);
        Assert.Single(_h.Aws.VmTasks);
    }

    [Fact]
    public async Task Poll_WhenTheExportIsNotFoundRightAfterItsStart_ShouldTryAgainNotSignal()
    {
        var (taskId, input) = await CreateVmAsync();
        _h.Aws.FailNext("EC2:DescribeExportImageTasks", "InvalidExportImageTaskId.NotFound", 400);

        var first = await _h.Poller.PollAsync(input, default);

        Assert.False(first.Done);
        Assert.Empty(_h.Aws.ResourceSignals);
        Assert.Contains(_h.Log, l => l.Contains($"EC2 export task {taskId} was not found") && l.Contains("eventual consistency"));
    }
}

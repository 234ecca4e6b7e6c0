using System.Text.Json;
using ExportConstructs.Contract;
using ExportConstructs.Handler.Exports;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.Fakes.HandlerHarness;
using static ExportConstructs.Tests.Handler.Waiting.LongWaitHandlerSteps;

namespace ExportConstructs.Tests.Handler.Waiting;

/// <summary>
/// The long-wait path: the export resource starts the poller, polls signal the WaitCondition
/// through SignalResource (always SUCCESS, once the export has ended), the result resource reports.
/// This class: the create, its polls, a create delivered twice, the result resource and AppStream.
/// </summary>
public sealed class LongWaitHandlerTests : IAsyncLifetime
{
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

    [Fact]
    public async Task Create_ShouldStartTheExportAndAPollerNamedAfterTheTaskThenCompleteAtOnce()
    {
        var (taskId, input) = await _h.CreateVmAsync();

        Assert.Equal(["EC2:ExportImage", "SFN:StartExecution"], _h.Aws.Calls);
        var execution = _h.Execution(taskId);
        Assert.Equal($"arn:aws:states:us-east-1:123456789012:execution:ExportPoller:{execution.Name}", execution.Arn);
        Assert.Equal((ResourceTypes.ExportedVmImage, taskId, 300, StackId), (input.ResourceType, input.PhysicalResourceId, input.IntervalSeconds, input.StackId));
        // The input names the export and its condition; nothing in it is a credential.
        Assert.DoesNotContain("http", execution.Input);
        Assert.Equal(_h.Clock.GetUtcNow().ToUnixTimeSeconds() + 21600 - 300, input.DeadlineUnixSeconds);
    }

    [Fact]
    public async Task Poll_UntilTheExportCompletes_ShouldSignalSuccessWithTheFinalAttributes()
    {
        var (taskId, input) = await _h.CreateVmAsync();

        var answers = await _h.PollUntilDoneAsync(input);

        Assert.Equal([false, false, true], answers);
        Assert.Equal(new FakeResourceSignal(StackId, "WaitA", taskId, "SUCCESS"), Assert.Single(_h.Aws.ResourceSignals));
    }

    [Fact]
    public async Task Poll_WhenTheExportFails_ShouldStillSignalSuccessAndLogTheAwsMessage()
    {
        _h.Aws.VmFailureMessage = "ClientError: Unsupported kernel version";
        var (taskId, input) = await _h.CreateVmAsync();

        await _h.PollUntilDoneAsync(input);

        // A FAILURE signal carries no reason; the result resource re-reads the export and fails with it.
        Assert.Equal("SUCCESS", Assert.Single(_h.Aws.ResourceSignals).Status);
        Assert.Contains(_h.Log, l => l.Contains($"Export {taskId} failed: EC2 export task {taskId} of image {Image} ended as 'deleted'") && l.Contains("ClientError: Unsupported kernel version"));
    }

    [Fact]
    public async Task Poll_OneIntervalBeforeTheTimeout_ShouldSignalSoThatTheResultResourceReportsIt()
    {
        _h.Aws.VmPollsToFinish = 1000;
        var (taskId, input) = await _h.CreateVmAsync();
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
        var (taskId, input) = await _h.CreateVmAsync();
        var refusing = true;
        _h.Aws.SignalTarget = (_, id) => refusing ? $"Resource {id} is in a state that cannot be signaled" : null;

        var refused = await _h.PollUntilDoneAsync(input, max: 5);
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
        var (_, input) = await _h.CreateVmAsync();
        _h.Aws.FailNext("EC2:DescribeExportImageTasks", "RequestLimitExceeded", 503, times: 6);

        var answer = await _h.Poller.PollAsync(input, default);

        Assert.False(answer.Done);
        Assert.Empty(_h.Aws.ResourceSignals);
        Assert.Contains(_h.Log, l => l.Contains("trying again next interval"));
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
    public async Task ResultResource_ShouldReportTheFinishedExportAndOwnNothingOnDelete()
    {
        var (taskId, input) = await _h.CreateVmAsync();
        await _h.PollUntilDoneAsync(input);
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
        var input = JsonSerializer.Deserialize(_h.Execution(created.PhysicalResourceId).Input, ContractJsonContext.Default.PollerInput)!;

        await _h.PollUntilDoneAsync(input);

        Assert.Equal("", created.Data!["AmiId"]); // not known when the export resource answers: the result resource reads it
        Assert.Equal(new FakeResourceSignal(StackId, "WaitA", created.PhysicalResourceId, "SUCCESS"), Assert.Single(_h.Aws.ResourceSignals));
    }

    [Fact]
    public async Task Poll_WhenTheExportIsNotFoundRightAfterItsStart_ShouldTryAgainNotSignal()
    {
        var (taskId, input) = await _h.CreateVmAsync();
        _h.Aws.FailNext("EC2:DescribeExportImageTasks", "InvalidExportImageTaskId.NotFound", 400);

        var first = await _h.Poller.PollAsync(input, default);

        Assert.False(first.Done);
        Assert.Empty(_h.Aws.ResourceSignals);
        Assert.Contains(_h.Log, l => l.Contains($"EC2 export task {taskId} was not found") && l.Contains("eventual consistency"));
    }
}

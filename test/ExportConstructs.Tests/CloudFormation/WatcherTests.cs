using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using static ExportConstructs.Tests.CloudFormation.LongWaitStacks;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// Issue 19: an export with <c>WaitForCompletion = false</c> completes its resource at the start,
/// and a watcher (a poller execution that signals nothing) follows it to its end and puts its
/// completion event, however long after the stack finished; the resource's Delete stops the watcher
/// and reports the running export cancelled. Through the real framework code, the deployed rights
/// and the loopback AWS services.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class WatcherTests : DeploymentTest
{
    [Fact]
    public async Task VmExportNotWaitedFor_ShouldPutItsCompletedEventWhenItEndsHoursAfterTheStack()
    {
        _d.Aws.VmDuration = TimeSpan.FromHours(20);
        var template = await _d.VmStack(p => p.WaitForCompletion = false);
        var id = template.Of(ResourceTypes.ExportedVmImage);

        Assert.True(await _d.Cfn.CreateStackAsync(template) == "CREATE_COMPLETE", _d.Story());
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        Assert.Equal("active", task.Status);
        Assert.Empty(_d.Aws.Events);
        Assert.Single(_d.Cfn.States.Running);

        await _d.Cfn.RunForAsync(TimeSpan.FromHours(21));

        var e = Assert.Single(_d.Aws.Events);
        Assert.Equal(ExportEvents.DetailTypes.Completed, e.DetailType);
        var detail = Detail(e);
        Assert.Equal((task.Id, id, "Sample/Vm"), ((string)detail["taskId"]!, (string)detail["logicalId"]!, (string?)detail["constructPath"]));
        Assert.Equal(task.Key, (string)detail["attributes"]!["S3Key"]!);
        // Started with the export; ended at the first poll after its 20 hours.
        Assert.InRange((double)detail["durationSeconds"]!, 20 * 3600, 20 * 3600 + 5 * 60 + 60);
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task AppStreamExportNotWaitedFor_ShouldPutItsCompletedEventWithTheAmi()
    {
        _d.Aws.AppStreamDuration = TimeSpan.FromHours(3);
        var template = await _d.AmiStack(p => p.WaitForCompletion = false);

        Assert.True(await _d.Cfn.CreateStackAsync(template) == "CREATE_COMPLETE", _d.Story());
        Assert.Empty(_d.Aws.Events);
        await _d.Cfn.RunForAsync(TimeSpan.FromHours(4));

        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var e = Assert.Single(_d.Aws.Events);
        Assert.Equal((ExportEvents.DetailTypes.Completed, task.AmiId), (e.DetailType, (string?)Detail(e)["attributes"]!["AmiId"]));
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task VmExportNotWaitedFor_ThatFails_ShouldPutAFailedEventWithAwsReason()
    {
        _d.Aws.VmDuration = TimeSpan.FromHours(2);
        _d.Aws.VmFailureMessage = "ClientError: Disk validation failed";
        Assert.Equal("CREATE_COMPLETE", await _d.Cfn.CreateStackAsync(await _d.VmStack(p => p.WaitForCompletion = false)));

        await _d.Cfn.RunForAsync(TimeSpan.FromHours(3));

        var e = Assert.Single(_d.Aws.Events);
        Assert.Equal(ExportEvents.DetailTypes.Failed, e.DetailType);
        Assert.Contains("Disk validation failed", (string)Detail(e)["reason"]!);
        Assert.Empty(await _d.PollersLeftAsync());
    }

    [Fact]
    public async Task DeleteBeforeTheEnd_ShouldStopTheWatcherCancelTheExportAndReportItCancelled()
    {
        _d.Aws.VmDuration = TimeSpan.FromHours(20);
        Assert.Equal("CREATE_COMPLETE", await _d.Cfn.CreateStackAsync(await _d.VmStack(p => p.WaitForCompletion = false)));
        await _d.Cfn.RunForAsync(TimeSpan.FromHours(1));

        Assert.Equal("DELETE_COMPLETE", await _d.Cfn.DeleteStackAsync());

        Assert.Empty(_d.Cfn.States.Running);
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        Assert.NotEqual("completed", task.Status);
        var e = Assert.Single(_d.Aws.Events);
        Assert.Equal((ExportEvents.DetailTypes.Cancelled, task.Id), (e.DetailType, (string)Detail(e)["taskId"]!));
        // Nothing watches any more: no event comes when the export's time would have been up.
        await _d.Cfn.RunForAsync(TimeSpan.FromHours(20));
        Assert.Single(_d.Aws.Events);
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task LongPathExportDeletedWhileRunning_ShouldReportItCancelledOnce()
    {
        _d.Aws.VmDuration = TimeSpan.FromHours(2);
        _d.Cfn.CancelAfter = TimeSpan.FromMinutes(10);

        Assert.Equal("ROLLBACK_COMPLETE", await _d.Cfn.CreateStackAsync(await _d.VmStack()));

        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var e = Assert.Single(_d.Aws.Events);
        Assert.Equal((ExportEvents.DetailTypes.Cancelled, task.Id), (e.DetailType, (string)Detail(e)["taskId"]!));
        Assert.Empty(await _d.PollersLeftAsync());
    }

    [Fact]
    public async Task CompletedExportDeleted_ShouldPutNoCancelledEvent()
    {
        _d.Aws.VmDuration = TimeSpan.FromMinutes(20);
        Assert.Equal("CREATE_COMPLETE", await _d.Cfn.CreateStackAsync(await _d.VmStack(p => p.Timeout = Duration.Minutes(30))));

        Assert.Equal("DELETE_COMPLETE", await _d.Cfn.DeleteStackAsync());

        Assert.Equal([ExportEvents.DetailTypes.Completed], _d.Aws.Events.Select(e => e.DetailType));
    }

    [Fact]
    public async Task LongPathResult_ShouldSayWhenTheExportStarted()
    {
        _d.Aws.VmDuration = TimeSpan.FromHours(2);
        Assert.Equal("CREATE_COMPLETE", await _d.Cfn.CreateStackAsync(await _d.VmStack()));

        var detail = Detail(Assert.Single(_d.Aws.Events));
        Assert.InRange((double)detail["durationSeconds"]!, 2 * 3600, 2 * 3600 + 5 * 60 + 120);
        Assert.Equal("Sample/Vm", (string?)detail["constructPath"]);
    }

    [Fact]
    public async Task ReplacementNotWaitedFor_ShouldBeWatchedUnderItsNewIdAndTheOldReportedCancelled()
    {
        _d.Aws.AddImage(OtherImage);
        _d.Aws.VmDuration = TimeSpan.FromHours(5);
        Assert.Equal("CREATE_COMPLETE", await _d.Cfn.CreateStackAsync(await _d.VmStack(p => p.WaitForCompletion = false)));
        var first = Assert.Single(_d.Aws.VmTasks.Values).Id;

        Assert.Equal("UPDATE_COMPLETE", await _d.Cfn.UpdateStackAsync(await _d.VmStack(p => { p.WaitForCompletion = false; p.ImageId = OtherImage; })));
        await _d.Cfn.RunForAsync(TimeSpan.FromHours(6));

        var second = Assert.Single(_d.Aws.VmTasks.Values, t => t.Id != first).Id;
        // The old export's cleanup Delete stopped it while it ran; the new one's watcher saw it complete.
        Assert.Equal([(ExportEvents.DetailTypes.Cancelled, first), (ExportEvents.DetailTypes.Completed, second)],
            _d.Aws.Events.Select(e => (e.DetailType, (string)Detail(e)["taskId"]!)));
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task UpdateThatTurnsWaitingOn_ShouldLeaveTheWatcherToReportTheEnd()
    {
        _d.Aws.VmDuration = TimeSpan.FromHours(5);
        Assert.Equal("CREATE_COMPLETE", await _d.Cfn.CreateStackAsync(await _d.VmStack(p => p.WaitForCompletion = false)));

        // An Update that keeps the export answers at once: it does not wait for it, the watcher does.
        Assert.Equal("UPDATE_COMPLETE", await _d.Cfn.UpdateStackAsync(await _d.VmStack(p => p.Timeout = Duration.Minutes(30))));
        Assert.Single(_d.Cfn.States.Running);
        await _d.Cfn.RunForAsync(TimeSpan.FromHours(6));

        Assert.Equal([ExportEvents.DetailTypes.Completed], _d.Aws.Events.Select(e => e.DetailType));
        Assert.Empty(await _d.PollersLeftAsync());
    }

    [Fact]
    public async Task WatcherTheDeleteCouldNotStop_ShouldEndWithoutReportingTheExportItsDeleteCancelled()
    {
        _d.Aws.VmDuration = TimeSpan.FromHours(5);
        _d.Aws.AddImage(OtherImage);
        // Two exports, so that removing one keeps the provider, its function and its state machine.
        var both = await _d.VmStack(p => p.WaitForCompletion = false, s => new ExportedVmImage(s, "Other", new ExportedVmImageProps
        {
            ImageId = OtherImage, DiskImageFormat = DiskImageFormat.RAW, Bucket = new Bucket(s, "OtherBucket"), WaitForCompletion = false,
        }));
        Assert.Equal("CREATE_COMPLETE", await _d.Cfn.CreateStackAsync(both));
        var other = Assert.Single(both.OfType(ResourceTypes.ExportedVmImage), id => id.StartsWith("Other", StringComparison.Ordinal));
        _d.Aws.FailNext("SFN:StopExecution", "ThrottlingException", 400, times: 20);

        Assert.Equal("UPDATE_COMPLETE", await _d.Cfn.UpdateStackAsync(await _d.VmStack(p => p.WaitForCompletion = false)));
        await _d.Cfn.RunForAsync(TimeSpan.FromHours(1));

        // The removed export's watcher saw its task cancelled, found its resource gone, and ended
        // without a Failed event; the Delete reported the export cancelled.
        var e = Assert.Single(_d.Aws.Events);
        Assert.Equal((ExportEvents.DetailTypes.Cancelled, other), (e.DetailType, (string)Detail(e)["logicalId"]!));
        Assert.Single(_d.Cfn.States.Running);
        Assert.Contains(_d.HandlerLog(), l => l.Contains("no longer holds it", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AppStreamExportDeletedWhileRunning_ShouldBeReportedCancelledOnlyWhenTheDeleteRemovesItsAmi(bool destroy)
    {
        _d.Aws.AppStreamDuration = TimeSpan.FromMinutes(90);
        _d.Aws.AppStreamTagsSnapshots = true;
        Assert.Equal("CREATE_COMPLETE", await _d.Cfn.CreateStackAsync(await _d.AmiStack(p =>
        {
            p.WaitForCompletion = false;
            p.RemovalPolicy = destroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
        })));
        await _d.Cfn.RunForAsync(TimeSpan.FromMinutes(60));

        Assert.Equal("DELETE_COMPLETE", await _d.Cfn.DeleteStackAsync());
        await _d.Cfn.RunForAsync(TimeSpan.FromHours(1));

        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);
        // DESTROY: the Delete waited for the end and removed the AMI, then reported it, once.
        // RETAIN: the export runs on and makes its AMI, which the stack no longer owns: no event.
        Assert.Equal(destroy ? [(ExportEvents.DetailTypes.Cancelled, task.TaskId)] : [],
            _d.Aws.Events.Select(e => (e.DetailType, (string)Detail(e)["taskId"]!)));
        Assert.Equal(destroy ? 1 : 0, _d.Aws.CallCount("EC2:DeregisterImage"));
        Assert.Empty(_d.Cfn.States.Running);
    }
}

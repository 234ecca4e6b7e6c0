using Amazon.CDK;
using ExportConstructs.Contract;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Constructs;
using static ExportConstructs.Tests.CloudFormation.DeploymentHelpers;
using static ExportConstructs.Tests.CloudFormation.LongWaitStacks;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// Exports whose start EC2 refuses because their AMI is already being exported outside the stack
/// (the one-export-per-AMI rule, refused with the limit code), deployed by the CloudFormation
/// emulation through the real framework code and the deployed rights: on both paths the export
/// waits for its slot, and what a queued export started is owned by the resource that queued it.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class QueueingDeploymentTests : IAsyncLifetime
{
    private readonly Deployment _d = Deployment.Start();
    private FakeVmTask _outside = null!;

    public Task InitializeAsync()
    {
        _d.Aws.AddImage(Image);
        _outside = _d.Aws.ExportElsewhere(Image);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    private List<FakeVmTask> Ours => _d.Aws.VmTasks.Values.Where(t => t != _outside).ToList();

    /// <summary>The export outside the stack ends after <paramref name="after"/>.</summary>
    private void OutsideEnds(TimeSpan after) => _d.Scheduler.After(after, () => { _outside.Status = "completed"; return Task.CompletedTask; });

    [Fact]
    public async Task ShortPath_QueuedBehindAnotherExportOfItsAmi_ShouldStartOnceFreeAndHoldTheTaskId()
    {
        _d.Aws.VmDuration = TimeSpan.FromMinutes(15);
        OutsideEnds(TimeSpan.FromMinutes(20));
        var template = await _d.VmStack(p => { p.Timeout = Duration.Minutes(55); p.PollInterval = Duration.Minutes(2); p.RemovalPolicy = RemovalPolicy.DESTROY; });
        var id = template.Of(ResourceTypes.ExportedVmImage);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", _d.Story());
        var task = Assert.Single(Ours);
        Assert.Equal(task.Id, _d.Cfn.Resources[id].PhysicalId);
        Assert.Equal(task.Key, _d.Cfn.Resources[id].Attributes["S3Key"]!.ToString());
        Assert.Contains(_d.HandlerLog(), l => l.Contains("Queued as " + StartLimits.QueueIdPrefix));
        Assert.Empty(_d.Aws.Denials);
        Assert.Equal("DELETE_COMPLETE", await _d.Cfn.DeleteStackAsync());
        Assert.DoesNotContain($"{task.Bucket}/{task.Key}", _d.Aws.Objects);
    }

    [Fact]
    public async Task LongPath_QueuedBehindAnotherExportOfItsAmi_ShouldStartFromThePollerAndBeDeletedByItsQueueId()
    {
        _d.Aws.VmDuration = TimeSpan.FromMinutes(90);
        OutsideEnds(TimeSpan.FromMinutes(100));
        var template = await _d.VmStack(p => { p.Timeout = Duration.Hours(4); p.RemovalPolicy = RemovalPolicy.DESTROY; });

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", _d.Story());
        var task = Assert.Single(Ours);
        var export = _d.Cfn.Resources[template.Of(ResourceTypes.ExportedVmImage)];
        var result = _d.Cfn.Resources[template.Of(ResourceTypes.ExportedVmImageResult)];
        Assert.StartsWith(StartLimits.QueueIdPrefix, export.PhysicalId);
        Assert.Equal(task.Id, result.PhysicalId);
        Assert.Equal((task.Id, task.Key), (result.Attributes["ExportImageTaskId"]!.ToString(), result.Attributes["S3Key"]!.ToString()));
        Assert.Equal("completed", task.Status);
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);

        Assert.Equal("DELETE_COMPLETE", await _d.Cfn.DeleteStackAsync());
        Assert.DoesNotContain($"{task.Bucket}/{task.Key}", _d.Aws.Objects);
    }

    [Fact]
    public async Task LongPath_ThatNeverGetsASlot_ShouldFailSayingSoAndLeaveNothing()
    {
        var template = await _d.VmStack(p => p.Timeout = Duration.Hours(2));

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "ROLLBACK_COMPLETE", _d.Story());
        var failed = Assert.Single(_d.Cfn.Events, e => e.Status == "CREATE_FAILED");
        Assert.Contains("never started within its Timeout", failed.Reason);
        Assert.Contains(_d.HandlerLog(), l => l.Contains("refused [ResourceLimitExceeded]") && l.Contains(_outside.Id));
        Assert.Empty(Ours);
        Assert.Empty(await _d.PollersLeftAsync());
    }

    [Fact]
    public async Task ShortPath_ThatNeverGetsASlot_ShouldFailAtItsTimeoutNamingWhatHeldItAndLeaveNothing()
    {
        var template = await _d.VmStack(p => { p.Timeout = Duration.Minutes(30); p.PollInterval = Duration.Minutes(2); });
        var id = template.Of(ResourceTypes.ExportedVmImage);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "ROLLBACK_COMPLETE", _d.Story());
        var failed = Assert.Single(_d.Cfn.Events, e => e.Status == "CREATE_FAILED");
        Assert.Contains("never got a slot", failed.Reason);
        Assert.Contains(_outside.Id, failed.Reason);
        // The FAILED answer carries the queue id, and the rollback Delete with it finds nothing to stop.
        Assert.StartsWith(StartLimits.QueueIdPrefix, _d.Cfn.ExchangesOf(id).First().Answer!.PhysicalResourceId);
        Assert.Equal(("Delete", "SUCCESS"), (_d.Last(id).RequestType, _d.Last(id).Answer!.Status));
        Assert.Empty(Ours);
        Assert.Equal(1 + 30 / 2, _d.Aws.StartAttemptsFor(Image).Count(a => a.Refused));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task QueuedExport_WhoseStackIsCancelled_ShouldNeverStartOnceTheSlotFrees(bool longPath)
    {
        OutsideEnds(TimeSpan.FromMinutes(40));
        _d.Cfn.CancelAfter = TimeSpan.FromMinutes(15);
        var template = await _d.VmStack(p => p.Timeout = longPath ? Duration.Hours(4) : Duration.Minutes(55));

        var created = await _d.Cfn.CreateStackAsync(template);
        await _d.Cfn.RunForAsync(TimeSpan.FromHours(5));

        Assert.True(created == "ROLLBACK_COMPLETE", _d.Story());
        Assert.Empty(Ours);
        Assert.Equal("completed", _outside.Status);
        Assert.Empty(await _d.PollersLeftAsync());
    }

    [Fact]
    public async Task ShortPath_ReplacementQueuedBehindAnotherExport_ShouldMoveTheIdOnlyOnceTheNewExportCompleted()
    {
        _d.Aws.AddImage(OtherImage);
        _outside.Status = "completed";
        _d.Aws.VmDuration = TimeSpan.FromMinutes(10);
        await _d.Cfn.CreateStackAsync(await _d.VmStack(p => p.Timeout = Duration.Minutes(55)));
        var old = Assert.Single(Ours);
        // Someone else starts exporting the other AMI just before the update.
        var blocker = _d.Aws.ExportElsewhere(OtherImage, "export-ami-0outside000000001");
        _d.Scheduler.After(TimeSpan.FromMinutes(15), () => { blocker.Status = "completed"; return Task.CompletedTask; });
        var next = await _d.VmStack(p => { p.Timeout = Duration.Minutes(55); p.ImageId = OtherImage; });
        var id = next.Of(ResourceTypes.ExportedVmImage);

        var updated = await _d.Cfn.UpdateStackAsync(next);

        Assert.True(updated == "UPDATE_COMPLETE", _d.Story());
        var replacement = Assert.Single(Ours, t => t.Id != old.Id && t != blocker);
        Assert.Equal(replacement.Id, _d.Cfn.Resources[id].PhysicalId);
        Assert.Equal(old.Id, replacement.Tags[Tagging.ReplacesTag]);
        Assert.Equal("completed", replacement.Status);
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task LongPath_ReplacementThatNeverGetsASlot_ShouldRollBackToTheOldExportAndLeaveNothingNew()
    {
        _d.Aws.AddImage(OtherImage);
        _outside.Status = "completed";
        _d.Aws.VmDuration = TimeSpan.FromMinutes(90);
        var first = await _d.VmStack();
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(Ours);
        var blocker = _d.Aws.ExportElsewhere(OtherImage, "export-ami-0outside000000001");
        var next = await _d.VmStack(p => p.ImageId = OtherImage);

        var updated = await _d.Cfn.UpdateStackAsync(next);

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", _d.Story());
        Assert.Equal(old.Id, _d.Cfn.Resources[first.Of(ResourceTypes.ExportedVmImage)].PhysicalId);
        Assert.Equal(old.Key, _d.Cfn.Resources[first.Of(ResourceTypes.ExportedVmImageResult)].Attributes["S3Key"]!.ToString());
        Assert.Contains(_d.Cfn.Events, e => e.Status == "UPDATE_FAILED" && e.Reason?.Contains("never started within its Timeout") == true);
        Assert.Equal([old.Id], Ours.Where(t => t != blocker).Select(t => t.Id));
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task LongPath_QueuedAppStreamExportThatAppStreamForgot_ShouldStillHaveItsAmiRemovedUnderDestroy()
    {
        _d.Aws.AppStreamDuration = TimeSpan.FromMinutes(90);
        _d.Aws.AppStreamConcurrentExportLimit = 1;
        _d.Aws.AppStreamTagsSnapshots = true; // so that the snapshots may be deleted too (see the README's IAM section)
        // Another export of this account holds the only slot for 90 minutes.
        _d.Aws.AppStreamTasks["busy"] = new FakeAppStreamTask { TaskId = "busy", ImageName = "Elsewhere", AmiName = "elsewhere", Created = _d.Clock.GetUtcNow() };
        var template = await _d.AmiStack(p => { p.Timeout = Duration.Hours(6); p.RemovalPolicy = RemovalPolicy.DESTROY; });
        Assert.True(await _d.Cfn.CreateStackAsync(template) == "CREATE_COMPLETE", _d.Story());
        Assert.StartsWith(StartLimits.QueueIdPrefix, _d.Cfn.Resources[template.Of(ResourceTypes.AppStreamAmiExport)].PhysicalId);
        var task = Assert.Single(_d.Aws.AppStreamTasks.Values, t => t.TaskId != "busy");
        Assert.True(_d.Aws.Images.ContainsKey(task.AmiId!));
        // AppStream forgets the finished task; the AMI keeps its owner tags.
        _d.Aws.AppStreamTasks.Remove(task.TaskId);

        var deleted = await _d.Cfn.DeleteStackAsync();

        Assert.True(deleted == "DELETE_COMPLETE", _d.Story());
        Assert.False(_d.Aws.Images.ContainsKey(task.AmiId!), "The AMI of the forgotten task is left");
        Assert.Empty(_d.Aws.Denials);
    }
}

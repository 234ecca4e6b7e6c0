using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Constructs;
using static ExportConstructs.Tests.CloudFormation.DeploymentHelpers;
using static ExportConstructs.Tests.CloudFormation.LongWaitStacks;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// Queued exports whose stack stops waiting for them, or whose start fails for real: the framework's
/// waiter and the poller can outlive the operation that queued the export, so a start is made only
/// while the stack is still in that operation, and a real failure is reported at once.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class QueueingAbandonTests : IAsyncLifetime
{
    private const string Later = "ami-0aaaaaaaaaaaaaaa1";
    private readonly Deployment _d = Deployment.Start();
    private FakeVmTask _outside = null!;

    public Task InitializeAsync()
    {
        _d.Aws.AddImage(Image);
        _d.Aws.AddImage(Later);
        _d.Aws.VmDuration = TimeSpan.FromMinutes(20);
        _outside = _d.Aws.ExportElsewhere(Later);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    /// <summary>The sample stack's export "Vm" of <see cref="Image"/>, and, when asked, a second short-path export of <see cref="Later"/> and one more plain resource.</summary>
    private async Task<StackTemplate> Stack(bool withLater, bool more)
    {
        var stack = Synthesized.NewStack("Sample");
        var bucket = new Bucket(stack, "Bucket");
        new ExportedVmImage(stack, "Vm", new ExportedVmImageProps { ImageId = Image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = bucket, Timeout = Duration.Minutes(30) });
        if (withLater)
            new ExportedVmImage(stack, "Second", new ExportedVmImageProps { ImageId = Later, DiskImageFormat = DiskImageFormat.VMDK, Bucket = bucket, Timeout = Duration.Minutes(55) });
        if (more) new Bucket(stack, "More");
        return await _d.SynthesizeAsync(stack);
    }

    [Fact]
    public async Task ShortPath_QueuedExportOfARolledBackUpdate_ShouldNotStartWhenALaterUpdateHasFinished()
    {
        await _d.Cfn.CreateStackAsync(await Stack(withLater: false, more: false));
        var first = Assert.Single(_d.Aws.VmTasks.Values, t => t != _outside);
        // The update adds a second export, queued behind the outside export of its AMI; the update is cancelled.
        _d.Cfn.CancelAfter = TimeSpan.FromMinutes(3);
        Assert.Equal("UPDATE_ROLLBACK_COMPLETE", await _d.Cfn.UpdateStackAsync(await Stack(withLater: true, more: false)));
        Assert.Contains(_d.HandlerLog(), l => l.Contains("Queued as " + StartLimits.QueueIdPrefix));
        // A later update succeeds (a new resource), and then the slot frees: the framework's waiter of
        // the cancelled Create is still calling isComplete.
        _d.Cfn.CancelAfter = null;
        var later = await _d.Cfn.UpdateStackAsync(await Stack(withLater: false, more: true));
        Assert.True(later == "UPDATE_COMPLETE", _d.Story());
        _d.Scheduler.After(TimeSpan.FromMinutes(5), () => { _outside.Status = "completed"; return Task.CompletedTask; });
        await _d.Cfn.RunForAsync(TimeSpan.FromHours(1));

        Assert.Equal([first.Id], _d.Aws.VmTasks.Values.Where(t => t != _outside).Select(t => t.Id));
        Assert.Contains(_d.HandlerLog(), l => l.Contains("is no longer in the operation that queued export"));
    }

    [Fact]
    public async Task LongPath_QueuedExportWhoseStartFailsForReal_ShouldFailAtOnceWithTheReason()
    {
        _outside.Status = "completed";
        var blocked = _d.Aws.ExportElsewhere(Image, "export-ami-0outside000000001");
        var template = await _d.VmStack(p => p.Timeout = Duration.Hours(6));
        // While the export is queued, its AMI is deregistered; then the slot frees.
        _d.Scheduler.After(TimeSpan.FromMinutes(30), () => { _d.Aws.Images.Remove(Image); blocked.Status = "completed"; return Task.CompletedTask; });
        var begun = _d.Clock.GetUtcNow();

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "ROLLBACK_COMPLETE", _d.Story());
        var failed = Assert.Single(_d.Cfn.Events, e => e.Status == "CREATE_FAILED");
        Assert.Contains("never started", failed.Reason);
        Assert.True(failed.Time - begun < TimeSpan.FromHours(1), $"Failed only after {failed.Time - begun}");
        Assert.Contains(_d.HandlerLog(), l => l.Contains("could not start") && l.Contains("InvalidAMIID.NotFound"));
        Assert.DoesNotContain(_d.Aws.VmTasks.Values, t => t != _outside && t != blocked);
        Assert.Empty(await _d.PollersLeftAsync());
    }
}

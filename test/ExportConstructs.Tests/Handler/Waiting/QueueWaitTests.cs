using ExportConstructs.Contract;
using ExportConstructs.Handler;
using ExportConstructs.Handler.CustomResources;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.Fakes.HandlerHarness;
using static ExportConstructs.Tests.Handler.Exports.VmImageHandlerSteps;

namespace ExportConstructs.Tests.Handler.Waiting;

/// <summary>
/// A short-path start that EC2 refuses because the AMI is already being exported (by something
/// outside the stack): the export is queued under a queue id, its start is retried at most once per
/// PollInterval, and the physical id moves to the task only once it has started and completed.
/// </summary>
public sealed class QueueWaitTests : IAsyncLifetime
{
    private const int Interval = 60;
    private readonly HandlerHarness _h = new();
    private FakeVmTask _outside = null!;

    public Task InitializeAsync()
    {
        _h.Aws.AddImage(Image);
        // Another export of the same AMI, started outside this stack, that runs until the test ends it.
        _h.Aws.Clock = _h.Clock;
        _outside = _h.Aws.ExportElsewhere(Image);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    private static ExportedVmImageProperties Waiting(int timeoutSeconds = 1800, string waitForCompletion = "true")
    {
        var p = Props();
        p.WaitForCompletion = waitForCompletion;
        if (waitForCompletion == "true") p.Wait = new WaitProperties { IntervalSeconds = Interval.ToString(), TimeoutSeconds = timeoutSeconds.ToString() };
        return p;
    }

    private List<FakeVmTask> Ours => _h.Aws.VmTasks.Values.Where(t => t != _outside).ToList();

    /// <summary>isComplete every query interval, as the framework calls it, until done, a throw, or <paramref name="seconds"/>; <paramref name="each"/> runs before every call.</summary>
    private async Task<IsCompleteResponse?> PollAsync(CustomResourceRequest merged, int seconds, Action<long>? each = null)
    {
        var started = _h.Clock.GetUtcNow();
        for (var elapsed = 0L; elapsed <= seconds; elapsed += ProviderSettings.QueryIntervalSeconds)
        {
            _h.Clock.SetUtcNow(started.AddSeconds(elapsed));
            each?.Invoke(elapsed);
            var answer = await _h.Lifecycle.IsCompleteAsync(merged, CancellationToken.None);
            if (answer.IsComplete) return answer;
        }
        return null;
    }

    [Fact]
    public async Task Create_RefusedWhileTheAmiIsBeingExported_ShouldQueueRetryOncePerPollAndAnswerTheTaskOnceDone()
    {
        var request = Request(ResourceTypes.ExportedVmImage, "Create", Json(Waiting()));

        var queued = await _h.Lifecycle.OnEventAsync(request, CancellationToken.None);
        Assert.StartsWith(StartLimits.QueueIdPrefix, queued.PhysicalResourceId);
        Assert.Equal(ExportActions.Queued, queued.Action);
        Assert.Empty(Ours);
        // The outside export ends after 10 minutes; the queued start gets its slot at the next poll.
        var done = await PollAsync(Merge(request, queued), 1800, elapsed => { if (elapsed >= 600) _outside.Status = "completed"; });

        var task = Assert.Single(Ours);
        Assert.NotNull(done);
        Assert.Equal(task.Id, done!.PhysicalResourceId);
        Assert.Equal($"exports/{task.Id}.vmdk", done.Data!["S3Key"]);
        Assert.Equal("completed", task.Status);
        // Attempts: onEvent's, then one per PollInterval boundary up to the slot at 600 s (and none once it started).
        Assert.Equal(1 + 600 / Interval, _h.Aws.CallCount("EC2:ExportImage"));
        Assert.Contains(_h.Log, l => l.Contains("start attempt 10 refused [ResourceLimitExceeded]") && l.Contains(_outside.Id));
        Assert.Equal(task.Tags[Tagging.RequestTag], StartLimits.FingerprintOf(queued.PhysicalResourceId));
    }

    [Fact]
    public async Task Create_ThatNeverGetsASlot_ShouldFailAtItsTimeoutNamingWhatHeldIt()
    {
        var request = Request(ResourceTypes.ExportedVmImage, "Create", Json(Waiting(timeoutSeconds: 900)));
        var queued = await _h.Lifecycle.OnEventAsync(request, CancellationToken.None);

        var failure = await Assert.ThrowsAsync<ExportTimedOutException>(() => PollAsync(Merge(request, queued), 1800));

        Assert.Contains("never got a slot", failure.Message);
        Assert.Contains("over 900 s", failure.Message);
        Assert.Contains(_outside.Id, failure.Message); // what held it, in EC2's own words
        Assert.Empty(Ours);
        Assert.Equal(1 + 900 / Interval, _h.Aws.CallCount("EC2:ExportImage"));
    }

    [Fact]
    public async Task Delete_OfAQueuedExportThatNeverStarted_ShouldReleaseItAndStartNothing()
    {
        var create = Request(ResourceTypes.ExportedVmImage, "Create", Json(Waiting()));
        var queued = await _h.Lifecycle.OnEventAsync(create, CancellationToken.None);
        _outside.Status = "completed";

        var deleted = await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Delete", Json(Waiting()), physicalId: queued.PhysicalResourceId));

        Assert.Equal(queued.PhysicalResourceId, deleted.PhysicalResourceId);
        Assert.Empty(Ours);
        Assert.Equal(1, _h.Aws.CallCount("EC2:ExportImage"));
    }

    [Fact]
    public async Task Delete_OfAQueuedExportThatStarted_ShouldCancelTheTaskItStartedAndDeleteItsFile()
    {
        var props = Waiting();
        props.RemovalPolicy = RemovalPolicies.Destroy;
        var create = Request(ResourceTypes.ExportedVmImage, "Create", Json(props));
        var queued = await _h.Lifecycle.OnEventAsync(create, CancellationToken.None);
        _outside.Status = "completed";
        // The slot frees; the start happens at a poll whose answer CloudFormation never heard (a cancelled create).
        _h.Clock.Advance(TimeSpan.FromSeconds(Interval));
        Assert.False((await _h.Lifecycle.IsCompleteAsync(Merge(create, queued), CancellationToken.None)).IsComplete);
        var task = Assert.Single(Ours);

        await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Delete", Json(props), physicalId: queued.PhysicalResourceId), maxPolls: 40);

        Assert.True(task.Cancelled || task.Status == "completed");
        Assert.DoesNotContain(_h.Aws.Objects, o => o.Contains(task.Id));
        Assert.Contains(_h.Log, l => l.Contains($"Cancelled EC2 export {task.Id}"));
    }

    [Fact]
    public async Task QueuedStart_DeliveredTwice_ShouldYieldOneTask()
    {
        var request = Request(ResourceTypes.ExportedVmImage, "Create", Json(Waiting()));
        var first = await _h.Lifecycle.OnEventAsync(request, CancellationToken.None);
        var again = await _h.Lifecycle.OnEventAsync(request, CancellationToken.None);
        Assert.Equal(first.PhysicalResourceId, again.PhysicalResourceId);
        _outside.Status = "completed";
        _h.Clock.Advance(TimeSpan.FromSeconds(Interval));

        // Two isComplete calls of one poll (a retried invocation), then a third after the next interval.
        await _h.Lifecycle.IsCompleteAsync(Merge(request, first), CancellationToken.None);
        await _h.Lifecycle.IsCompleteAsync(Merge(request, again), CancellationToken.None);
        _h.Clock.Advance(TimeSpan.FromSeconds(Interval));
        await _h.Lifecycle.IsCompleteAsync(Merge(request, first), CancellationToken.None);

        Assert.Single(Ours);
    }

    [Fact]
    public async Task Create_NotWaitingForCompletion_ShouldWaitForItsSlotThenCompleteOnceStarted()
    {
        var request = Request(ResourceTypes.ExportedVmImage, "Create", Json(Waiting(waitForCompletion: "false")));
        var queued = await _h.Lifecycle.OnEventAsync(request, CancellationToken.None);

        var done = await PollAsync(Merge(request, queued), 1800, elapsed => { if (elapsed >= 300) _outside.Status = "completed"; });

        var task = Assert.Single(Ours);
        Assert.Equal(task.Id, done!.PhysicalResourceId);
        Assert.Equal("active", task.Status); // started, not waited for
    }

    [Fact]
    public async Task Create_RefusedForAnotherReason_ShouldStillFail()
    {
        _h.Aws.AddImage("ami-0000000000000beef", exportable: false);
        var props = Waiting();
        props.ImageId = "ami-0000000000000beef";

        var failure = await Assert.ThrowsAsync<AwsCallException>(() => _h.Lifecycle.OnEventAsync(Request(ResourceTypes.ExportedVmImage, "Create", Json(props)), CancellationToken.None));

        Assert.Contains("NotExportable", failure.Message);
    }
}

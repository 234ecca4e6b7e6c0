using ExportConstructs.Contract;
using ExportConstructs.Handler.Exports;
using ExportConstructs.Handler.Waiting;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.Fakes.HandlerHarness;

namespace ExportConstructs.Tests.Handler.Waiting;

/// <summary>
/// One Provider serves every export, calling isComplete every query interval; the handler keeps
/// each export's own PollInterval and Timeout from the wait's start time that onEvent hands on.
/// </summary>
public sealed class WaitClockTests : IAsyncLifetime
{
    private readonly HandlerHarness _h = new();

    public Task InitializeAsync()
    {
        _h.Aws.AddImage("ami-0123456789abcdef0");
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Theory]
    [InlineData(60)]
    [InlineData(300)]
    [InlineData(45)]
    public void PollDue_OverAnHourOfCallsEveryQueryInterval_ShouldDescribeOncePerPollInterval(int interval)
    {
        var q = ProviderSettings.QueryIntervalSeconds;
        var due = Enumerable.Range(0, 3600 / q).Select(n => (long)n * q).Where(e => ExportConstructs.Handler.Waiting.ShortWait.PollDue(e, interval)).ToList();

        // At once, then the first call at or after each boundary.
        var expected = Enumerable.Range(0, 3600 / interval + 1).Select(k => (long)Math.Ceiling((double)k * interval / q) * q).Where(e => e < 3600).Distinct().ToList();
        Assert.Equal(expected, due);
    }

    [Fact]
    public void PollDue_WhenCallsRunLate_ShouldStillSeeEachBoundaryAtMostOnce()
    {
        var q = ProviderSettings.QueryIntervalSeconds;
        // Each call comes its run time (0.4 s) after the interval, as Step Functions' retries do.
        var times = Enumerable.Range(0, 300).Select(n => (long)Math.Floor(n * (q + 0.4))).ToList();

        var due = times.Where(e => ExportConstructs.Handler.Waiting.ShortWait.PollDue(e, 60)).ToList();

        Assert.Equal(due.Distinct().Count(), due.Count);
        Assert.All(due.Zip(due.Skip(1)), p => Assert.InRange(p.Second - p.First, 50, 130));
    }

    private static ExportedVmImageProperties ShortWait() => new()
    {
        ImageId = "ami-0123456789abcdef0", DiskImageFormat = "VMDK", S3Bucket = "exports-bucket", S3Prefix = "x/", RoleName = "vmimport",
        RemovalPolicy = RemovalPolicies.Retain, WaitForCompletion = "true",
        Wait = new WaitProperties { IntervalSeconds = "60", TimeoutSeconds = "600" },
    };

    [Fact]
    public async Task IsComplete_BetweenPollIntervals_ShouldAnswerPendingWithoutAnAwsCall()
    {
        _h.Aws.VmPollsToFinish = 1000;
        var started = await _h.Lifecycle.OnEventAsync(Request(ResourceTypes.ExportedVmImage, "Create", Json(ShortWait())), default);
        var merged = Merge(Request(ResourceTypes.ExportedVmImage, "Create", Json(ShortWait())), started);

        var first = await _h.Lifecycle.IsCompleteAsync(merged, default);
        _h.Clock.Advance(TimeSpan.FromSeconds(ProviderSettings.QueryIntervalSeconds));
        var between = await _h.Lifecycle.IsCompleteAsync(merged, default);

        Assert.Equal(_h.Clock.GetUtcNow().ToUnixTimeSeconds() - ProviderSettings.QueryIntervalSeconds, started.WaitStartedAt);
        Assert.False(first.IsComplete);
        Assert.False(between.IsComplete);
        Assert.Equal(["EC2:ExportImage", "CloudFormation:DescribeStackResource", "EC2:DescribeExportImageTasks"], _h.Aws.Calls);
    }

    [Fact]
    public async Task IsComplete_WhenTheExportsTimeoutHasPassed_ShouldDescribeOnceMoreThenFailNamingTheTimeout()
    {
        _h.Aws.VmPollsToFinish = 1000;
        var request = Request(ResourceTypes.ExportedVmImage, "Create", Json(ShortWait()));
        var merged = Merge(request, await _h.Lifecycle.OnEventAsync(request, default));
        _h.Clock.Advance(TimeSpan.FromSeconds(600));

        var error = await Assert.ThrowsAsync<ExportConstructs.Handler.ExportTimedOutException>(() => _h.Lifecycle.IsCompleteAsync(merged, default));

        Assert.Contains($"export {merged.PhysicalResourceId} did not finish within its Timeout of 600 s", error.Message);
        // One last describe; the export stopped before the answer (described, cancelled); then the Timed Out completion event.
        Assert.Equal(["EC2:ExportImage", "EC2:DescribeExportImageTasks", "EC2:DescribeExportImageTasks", "EC2:CancelExportTask", "EventBridge:PutEvents"],
            _h.Aws.Calls.Where(c => !c.StartsWith("CloudFormation:", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("""{"RequestType":"Create","ResourceProperties":{"DeadlineUnixSeconds":"1"}}""", HandlerNames.OnEvent)]
    [InlineData("""{"RequestType":"Create","ExportAction":"started","PhysicalResourceId":"x"}""", HandlerNames.IsComplete)]
    [InlineData("""{"ResourceType":"Custom::ExportedVmImage","ResourceProperties":{"ExportAction":"x"},"IntervalSeconds":300,"DeadlineUnixSeconds":1795000000}""", HandlerNames.Poll)]
    public void RoleOf_TheOneHandlerFunction_ShouldTellTheEventsApartByTheirTopLevelKeys(string payload, string role) =>
        Assert.Equal(role, ExportConstructs.Handler.CustomResources.CustomResourceFunction.RoleOf(System.Text.Encoding.UTF8.GetBytes(payload)));
}

using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.Fakes.HandlerHarness;
using static ExportConstructs.Tests.Handler.Exports.AppStreamHandlerSteps;

namespace ExportConstructs.Tests.Handler.Waiting;

/// <summary>
/// An AppStream start refused with <c>LimitExceededException</c> (the loopback AppStream's
/// concurrency limit) is queued, tried once per call (the client does not retry a limit as
/// throttling), and started once the running export has ended.
/// </summary>
public sealed class AppStreamQueueWaitTests : IAsyncLifetime
{
    private const int Interval = 120;
    private readonly HandlerHarness _h = new();

    public async Task InitializeAsync()
    {
        _h.Aws.Clock = _h.Clock;
        _h.Aws.AppStreamImages.Add(ImageName);
        _h.Aws.AppStreamImages.Add("Busy");
        _h.Aws.AppStreamDuration = TimeSpan.FromMinutes(10);
        _h.Aws.AppStreamConcurrentExportLimit = 1;
        // Another export of this account holds the only slot for 10 minutes.
        var busy = Props(image: "Busy");
        busy.WaitForCompletion = "false";
        await _h.CreateAsync(busy, requestId: "busy");
    }

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task Create_RefusedForTheQuota_ShouldTryOncePerPollAndStartOnceTheSlotFrees()
    {
        var props = Props();
        props.Wait = new WaitProperties { IntervalSeconds = Interval.ToString(), TimeoutSeconds = "3000" };
        var request = Request(ResourceTypes.AppStreamAmiExport, "Create", Json(props));

        var queued = await _h.Lifecycle.OnEventAsync(request, CancellationToken.None);
        Assert.StartsWith(StartLimits.QueueIdPrefix, queued.PhysicalResourceId);
        var merged = Merge(request, queued);
        var begun = _h.Clock.GetUtcNow();
        IsCompleteResponse answer;
        do
        {
            _h.Clock.Advance(TimeSpan.FromSeconds(ProviderSettings.QueryIntervalSeconds));
            answer = await _h.Lifecycle.IsCompleteAsync(merged, CancellationToken.None);
        } while (!answer.IsComplete && _h.Clock.GetUtcNow() - begun < TimeSpan.FromHours(1));

        var ours = Assert.Single(_h.Aws.AppStreamTasks.Values, t => t.ImageName == ImageName);
        Assert.Equal(ours.TaskId, answer.PhysicalResourceId);
        var attempts = _h.Aws.StartAttemptsFor(ImageName);
        var refused = attempts.Where(a => a.Refused).ToList();
        Assert.All(refused, a => Assert.Equal("LimitExceededException", a.Code));
        // One HTTP attempt at onEvent, then one per PollInterval until the slot freed after 10 minutes.
        Assert.Equal(1 + 600 / Interval - 1, refused.Count);
        Assert.Equal(refused.Count, refused.Select(a => a.At).Distinct().Count());
        Assert.Single(attempts, a => !a.Refused);
    }
}

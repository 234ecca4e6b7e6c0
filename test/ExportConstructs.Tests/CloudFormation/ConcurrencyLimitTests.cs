using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using static ExportConstructs.Tests.CloudFormation.DeploymentHelpers;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// Issue 12's "Done when": a stack with more exports than AWS runs at once, created by the emulation
/// in parallel (independent resources start together), against a loopback EC2 or AppStream that
/// enforces a concurrency limit of 5 with the real codes. Every export gets its slot, on both wait
/// paths; a queued export tries its start at most once per PollInterval.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class ConcurrencyLimitTests : IAsyncDisposable
{
    private const int Limit = 5;
    private const int Exports = 7;
    private readonly Deployment _d = Deployment.Start();

    public ValueTask DisposeAsync() => _d.DisposeAsync();

    /// <summary>Seven exports of seven images in one stack; the short path waits 55 minutes, the long path 6 hours.</summary>
    private async Task<StackTemplate> SevenExports(bool appStream, bool longPath, TimeSpan interval)
    {
        var stack = Synthesized.NewStack("Sample");
        var bucket = new Bucket(stack, "Bucket");
        var timeout = longPath ? Duration.Hours(6) : Duration.Minutes(55);
        var every = Duration.Seconds(interval.TotalSeconds);
        for (var i = 0; i < Exports; i++)
        {
            if (appStream)
            {
                _d.Aws.AppStreamImages.Add($"Apps{i}");
                new AppStreamAmiExport(stack, $"As{i}", new AppStreamAmiExportProps { ImageName = $"Apps{i}", Timeout = timeout, PollInterval = every });
            }
            else
            {
                _d.Aws.AddImage($"ami-{i:x17}");
                new ExportedVmImage(stack, $"Vm{i}", new ExportedVmImageProps
                {
                    ImageId = $"ami-{i:x17}", DiskImageFormat = DiskImageFormat.VMDK, Bucket = bucket, Timeout = timeout, PollInterval = every,
                });
            }
        }
        return await _d.SynthesizeAsync(stack);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task SevenExports_UnderALimitOfFive_ShouldAllSucceed_TryingEachQueuedStartAtMostOncePerPoll(bool appStream, bool longPath)
    {
        // Short path: 20-minute exports, so the queued two finish within the custom resource's hour; long path: 2 hours each.
        var duration = longPath ? TimeSpan.FromHours(2) : TimeSpan.FromMinutes(20);
        var interval = longPath ? TimeSpan.FromMinutes(5) : TimeSpan.FromMinutes(1);
        if (appStream) (_d.Aws.AppStreamDuration, _d.Aws.AppStreamConcurrentExportLimit) = (duration, Limit);
        else (_d.Aws.VmDuration, _d.Aws.Ec2ConcurrentExportLimit) = (duration, Limit);
        var template = await SevenExports(appStream, longPath, interval);
        var begun = _d.Clock.GetUtcNow();

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", _d.Story());
        var attempts = _d.Aws.StartAttempts;
        var started = attempts.Where(a => !a.Refused).ToList();
        Assert.Equal(Exports, started.Select(a => a.TaskId).Distinct().Count());
        Assert.Equal(Exports, started.Count); // one task per export, never a second start of a started one
        var codes = attempts.Where(a => a.Refused).Select(a => a.Code).Distinct().ToList();
        Assert.Equal([appStream ? "LimitExceededException" : "ResourceLimitExceeded"], codes);
        // Never more than the limit running: each start came when fewer than five had started and not ended.
        foreach (var s in started)
            Assert.True(started.Count(o => o.At <= s.At && o.At + duration > s.At) <= Limit, $"Over the limit at {s.At}");
        // At most one start attempt per poll for each queued export (the first is onEvent's, at the start).
        foreach (var queued in attempts.Where(a => a.Refused).GroupBy(a => a.Key))
        {
            var times = queued.Select(a => a.At).Concat(started.Where(s => s.Key == queued.Key).Select(s => s.At)).Order().ToList();
            Assert.All(times.Zip(times.Skip(1)), pair => Assert.True(pair.Second - pair.First >= interval, $"{queued.Key}: attempts at {pair.First} and {pair.Second}"));
        }
        // The two queued ones start as soon as a slot is free (the next poll), so all are done within two export durations and two polls.
        var allDone = _d.Cfn.Events.Where(e => e.Status == "CREATE_COMPLETE").Max(e => e.Time) - begun;
        Assert.True(allDone <= 2 * duration + 2 * interval, $"All done after {allDone}");
        Assert.Empty(_d.Aws.Denials);
        if (longPath) Assert.Empty(await _d.PollersLeftAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TwoExportsOfOneAmi_InOneStack_ShouldBothSucceedWithoutARefusal(bool longPath)
    {
        const string image = "ami-0123456789abcdef0";
        _d.Aws.AddImage(image);
        _d.Aws.VmDuration = longPath ? TimeSpan.FromHours(2) : TimeSpan.FromMinutes(20);
        var stack = Synthesized.NewStack("Sample");
        var bucket = new Bucket(stack, "Bucket");
        var timeout = longPath ? Duration.Hours(6) : Duration.Minutes(55);
        foreach (var (id, format) in new[] { ("Vmdk", DiskImageFormat.VMDK), ("Vhd", DiskImageFormat.VHD) })
            new ExportedVmImage(stack, id, new ExportedVmImageProps { ImageId = image, DiskImageFormat = format, Bucket = bucket, Timeout = timeout });
        var template = await _d.SynthesizeAsync(stack);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", _d.Story());
        Assert.Equal(["VHD", "VMDK"], _d.Aws.VmTasks.Values.Where(t => t.Status == "completed").Select(t => t.Format).Order());
        // Ordered at synth: the second start waits for the first export, so EC2 never refuses it.
        Assert.DoesNotContain(_d.Aws.StartAttempts, a => a.Refused);
    }
}

using System.Text.Json;
using ExportConstructs.Contract;
using ExportConstructs.Handler.Aws;
using ExportConstructs.Handler.CustomResources;
using ExportConstructs.Handler.Waiting;
using ExportConstructs.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace ExportConstructs.Benchmark;

/// <summary>N long-path exports of one stack against an EC2 limit of concurrent exports: when the last is done, against the ideal, and the AWS calls.</summary>
internal sealed record QueueResult(int Exports, int Limit, TimeSpan Duration, TimeSpan Interval, TimeSpan AllDone, List<string> Calls, int Refusals)
{
    /// <summary>ceil(N / limit) export durations: what a perfect scheduler with no polling delay would take.</summary>
    public TimeSpan Ideal => Duration * Math.Ceiling((double)Exports / Limit);

    public string CallsText => string.Join(", ", Calls.GroupBy(c => c).Select(g => $"{g.Count()} {g.Key}"));
}

/// <summary>
/// N exports created at one moment (CloudFormation creates independent resources in parallel) on the
/// long path, against the loopback EC2 with a concurrency limit: the real handler's onEvent, then
/// every poller execution polling once per interval on a fake clock, as their state machines would.
/// A refused start is queued and retried by its poller.
/// </summary>
internal static class QueueSimulation
{
    private const string Poller = "arn:aws:states:us-east-1:123456789012:stateMachine:Poller";

    /// <summary>5, 7 and 12 exports of 2 hours, limit 5, 5-minute polls.</summary>
    public static async Task<List<QueueResult>> StandardAsync()
    {
        var results = new List<QueueResult>();
        foreach (var count in new[] { 5, 7, 12 })
            results.Add(await RunAsync(count, limit: 5, duration: TimeSpan.FromHours(2), interval: TimeSpan.FromMinutes(5)));
        return results;
    }

    public static async Task<QueueResult> RunAsync(int exports, int limit, TimeSpan duration, TimeSpan interval)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
        await using var aws = new FakeAws { Clock = clock, VmDuration = duration, Ec2ConcurrentExportLimit = limit };
        var services = LoopbackClients.For(aws);
        var lifecycle = AwsClients.Lifecycle(services, clock, _ => { });
        var poller = new WaitPoller(lifecycle, services.CloudFormation, clock, _ => { });
        var seconds = ((int)interval.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var start = clock.GetUtcNow();
        for (var i = 0; i < exports; i++)
        {
            var image = $"ami-{i:x17}";
            aws.AddImage(image);
            var props = new ExportedVmImageProperties
            {
                ImageId = image, DiskImageFormat = "VMDK", S3Bucket = "vm-exports", S3Prefix = "exports/", RoleName = "vmimport",
                RemovalPolicy = "retain", WaitForCompletion = "true",
                Wait = new WaitProperties { Signal = $"Wait{i}", Poller = Poller, IntervalSeconds = seconds, TimeoutSeconds = "43200" },
            };
            await lifecycle.OnEventAsync(new CustomResourceRequest
            {
                RequestType = "Create", RequestId = $"sim-{i}", StackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/Sim/1",
                LogicalResourceId = $"Vm{i}", ResourceType = ResourceTypes.ExportedVmImage,
                ResourceProperties = JsonSerializer.SerializeToElement(props, ContractJsonContext.Default.ExportedVmImageProperties),
            }, default);
        }
        var running = aws.Executions.Values.Select(e => JsonSerializer.Deserialize(e.Input, ContractJsonContext.Default.PollerInput)!).ToList();
        var allDone = TimeSpan.Zero;
        while (running.Count > 0)
        {
            clock.Advance(interval);
            foreach (var input in running.ToList())
            {
                // The state machine keeps each poll's answer under $.Poll for the next one.
                input.Poll = await poller.PollAsync(input, default);
                if (!input.Poll.Done) continue;
                running.Remove(input);
                allDone = clock.GetUtcNow() - start;
            }
            if (clock.GetUtcNow() - start > TimeSpan.FromHours(12)) throw new InvalidOperationException("The simulated exports did not finish within 12 hours.");
        }
        return new QueueResult(exports, limit, duration, interval, allDone, [.. aws.Calls], aws.StartAttempts.Count(a => a.Refused));
    }
}

using System.Diagnostics;
using System.Text.Json;
using ExportConstructs.Contract;
using ExportConstructs.Handler.Aws;
using ExportConstructs.Handler.CustomResources;
using ExportConstructs.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace ExportConstructs.Benchmark;

/// <summary>What one simulated export cost and how soon its end was reported.</summary>
internal sealed record SimulationResult(string Name, TimeSpan Interval, List<string> Calls, int Polls, int Invocations, TimeSpan Delay, bool OnlyStartAndDescribes, LogTally Log)
{
    public string CallsText => string.Join(", ", Calls.GroupBy(c => c).Select(g => $"{g.Count()} {g.Key}"));
}

/// <summary>What the handler logged over one export: all of it, and the EMF lines among it (UTF-8 bytes, as CloudWatch Logs bills them).</summary>
internal sealed class LogTally
{
    public int Lines { get; private set; }
    public long Bytes { get; private set; }
    public int EmfLines { get; private set; }
    public long EmfBytes { get; private set; }

    public void Add(string line)
    {
        var bytes = System.Text.Encoding.UTF8.GetByteCount(line) + 1;
        (Lines, Bytes) = (Lines + 1, Bytes + bytes);
        if (line.StartsWith("{\"_aws\"", StringComparison.Ordinal)) (EmfLines, EmfBytes) = (EmfLines + 1, EmfBytes + bytes);
    }
}

/// <summary>
/// An export of known length on a fake clock, driven as the Provider framework (short path) or
/// the poller state machine (long path) would drive it: the real handler code and SDK clients
/// against the loopback EC2, counting calls and invocations, and measuring the delay from the
/// export's end to the answer that reports it (simulated wait plus the real time of that call).
/// </summary>
internal static class Simulation
{
    private const string Poller = "arn:aws:states:us-east-1:123456789012:stateMachine:Poller";

    private static (FakeAws Aws, FakeTimeProvider Clock, AwsServices Services) Setup(TimeSpan duration)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
        var aws = new FakeAws { Clock = clock, VmDuration = duration };
        aws.AddImage("ami-0123456789abcdef0");
        return (aws, clock, LoopbackClients.For(aws));
    }

    private static CustomResourceRequest Create(ExportedVmImageProperties props) => new()
    {
        RequestType = "Create",
        RequestId = "sim",
        StackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/Sim/1",
        LogicalResourceId = "Vm",
        ResourceType = ResourceTypes.ExportedVmImage,
        ResourceProperties = JsonSerializer.SerializeToElement(props, ContractJsonContext.Default.ExportedVmImageProperties),
    };

    private static ExportedVmImageProperties Props(WaitProperties? wait) => new()
    {
        ImageId = "ami-0123456789abcdef0", DiskImageFormat = "VMDK", S3Bucket = "vm-exports", S3Prefix = "exports/",
        RoleName = "vmimport", RemovalPolicy = "retain", WaitForCompletion = "true", Wait = wait,
    };

    public static async Task<SimulationResult> ShortPathAsync(TimeSpan duration, TimeSpan interval)
    {
        var (aws, clock, services) = Setup(duration);
        await using var _ = aws;
        var log = new LogTally();
        var lifecycle = AwsClients.Lifecycle(services, clock, log.Add);
        var start = clock.GetUtcNow();
        // The stack's one Provider calls isComplete every query interval; the handler describes once per PollInterval.
        var request = Create(Props(new WaitProperties { IntervalSeconds = ((int)interval.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), TimeoutSeconds = "3300" }));
        var answer = await lifecycle.OnEventAsync(request, default);
        request.PhysicalResourceId = answer.PhysicalResourceId;
        request.Action = answer.Action;
        request.WaitStartedAt = answer.WaitStartedAt;
        var (invocations, polls) = (1, 0);
        while (true)
        {
            var begin = Stopwatch.GetTimestamp();
            var done = await lifecycle.IsCompleteAsync(request, default);
            var wall = Stopwatch.GetElapsedTime(begin);
            invocations++;
            if (done.IsComplete)
            {
                polls = aws.CallCount("EC2:DescribeExportImageTasks");
                return Result("Short path (47 min 10 s export, 30 s interval)", interval, aws, polls, invocations, clock.GetUtcNow() - (start + duration) + wall, extraDescribes: 0, log);
            }
            clock.Advance(TimeSpan.FromSeconds(ProviderSettings.QueryIntervalSeconds));
        }
    }

    public static async Task<SimulationResult> LongPathAsync(TimeSpan duration, TimeSpan interval)
    {
        var (aws, clock, services) = Setup(duration);
        await using var _ = aws;
        var log = new LogTally();
        var lifecycle = AwsClients.Lifecycle(services, clock, log.Add);
        var poller = new ExportConstructs.Handler.Waiting.WaitPoller(lifecycle, services.CloudFormation, clock, log.Add);
        var wait = new WaitProperties { Signal = "WaitSim", Poller = Poller, IntervalSeconds = ((int)interval.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), TimeoutSeconds = "43200" };
        var start = clock.GetUtcNow();
        var request = Create(Props(wait));
        var answer = await lifecycle.OnEventAsync(request, default);
        request.PhysicalResourceId = answer.PhysicalResourceId;
        request.Action = answer.Action;
        await lifecycle.IsCompleteAsync(request, default);
        var input = JsonSerializer.Deserialize(aws.Executions.Single().Value.Input, ContractJsonContext.Default.PollerInput)!;
        var (invocations, polls) = (2, 0);
        while (true)
        {
            var begin = Stopwatch.GetTimestamp();
            var output = await poller.PollAsync(input, default);
            var wall = Stopwatch.GetElapsedTime(begin);
            invocations++;
            polls++;
            if (output.Done)
            {
                var delay = clock.GetUtcNow() - (start + duration) + wall;
                // After the signal, the result resource reads the finished export: one more onEvent, isComplete and describe.
                var props = Props(null);
                props.TaskId = answer.PhysicalResourceId;
                var resultRequest = Create(props);
                resultRequest.ResourceType = ResourceTypes.ExportedVmImageResult;
                var resultAnswer = await lifecycle.OnEventAsync(resultRequest, default);
                resultRequest.PhysicalResourceId = resultAnswer.PhysicalResourceId;
                resultRequest.Action = resultAnswer.Action;
                await lifecycle.IsCompleteAsync(resultRequest, default);
                invocations += 2;
                return Result("Long path (5 h 3 min export, 5 min interval)", interval, aws, polls, invocations, delay, extraDescribes: 1, log);
            }
            clock.Advance(interval);
        }
    }

    private static SimulationResult Result(string name, TimeSpan interval, FakeAws aws, int polls, int invocations, TimeSpan delay, int extraDescribes, LogTally log)
    {
        var ec2 = aws.Calls.Where(c => c.StartsWith("EC2:", StringComparison.Ordinal)).ToList();
        var only = ec2.Count(c => c == "EC2:ExportImage") == 1
            && ec2.Count(c => c == "EC2:DescribeExportImageTasks") == polls + extraDescribes
            && ec2.Count == 1 + polls + extraDescribes
            && aws.Calls.Count(c => c == "EventBridge:PutEvents") == 1;
        return new SimulationResult(name, interval, [.. aws.Calls], polls, invocations, delay, only, log);
    }
}

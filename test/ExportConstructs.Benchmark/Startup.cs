using System.Diagnostics;
using ExportConstructs.Fakes;

namespace ExportConstructs.Benchmark;

/// <summary>
/// Process start to the first AWS request reaching a loopback server: the handler is started
/// behind a loopback Runtime API that hands it one Create event, and the loopback EC2 notes when
/// the ExportImage call arrives.
/// </summary>
internal static class Startup
{
    private const string Event = """
        {"RequestType":"Create","RequestId":"bench","StackId":"arn:aws:cloudformation:us-east-1:123456789012:stack/Bench/1","LogicalResourceId":"Vm",
         "ResourceType":"Custom::ExportedVmImage","ResponseURL":"http://127.0.0.1:9/",
         "ResourceProperties":{"ImageId":"ami-0123456789abcdef0","DiskImageFormat":"VMDK","S3Bucket":"vm-exports","S3Prefix":"exports/",
           "RoleName":"vmimport","RemovalPolicy":"retain","WaitForCompletion":"true"}}
        """;

    public static async Task<Stats> MeasureAsync(string file, string arguments, int runs)
    {
        await OnceAsync(file, arguments); // warm the file cache
        var samples = new List<double>();
        for (var i = 0; i < runs; i++) samples.Add(await OnceAsync(file, arguments));
        return Stats.Of(samples);
    }

    private static async Task<double> OnceAsync(string file, string arguments)
    {
        await using var aws = new FakeAws();
        await using var api = new FakeRuntimeApi();
        aws.AddImage("ami-0123456789abcdef0");
        api.Enqueue(new FakeInvocation("bench-1", Event, DateTimeOffset.UtcNow.AddMinutes(2)));
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in LoopbackClients.BootstrapEnvironment(api, aws, "onEvent")) start.Environment[name] = value;
        var begin = Stopwatch.GetTimestamp();
        using var process = Process.Start(start)!;
        var arrived = await aws.Server.FirstRequest.WaitAsync(TimeSpan.FromSeconds(60));
        api.NextPost("the response", TimeSpan.FromSeconds(60));
        process.Kill();
        await process.WaitForExitAsync();
        return Stopwatch.GetElapsedTime(begin, arrived).TotalMilliseconds;
    }
}

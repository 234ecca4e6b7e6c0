using System.Diagnostics;

namespace ExportConstructs.Benchmark;

/// <summary>Wall time of one app's synthesis, as the CDK CLI's `app` command runs it (warm).</summary>
internal static class Synth
{
    public static Stats Measure(string self, string variant, string outRoot, int runs)
    {
        Once(self, variant, outRoot); // warm: jsii package cache, OS file cache
        var samples = new List<double>();
        for (var i = 0; i < runs; i++) samples.Add(Once(self, variant, outRoot));
        return Stats.Of(samples);
    }

    private static double Once(string self, string variant, string outRoot)
    {
        var outdir = Path.Combine(outRoot, variant.Replace(':', '-'), Guid.NewGuid().ToString("n"));
        var start = new ProcessStartInfo("dotnet", $"\"{self}\" app {variant} \"{outdir}\"")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1" },
        };
        var begin = Stopwatch.GetTimestamp();
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var elapsed = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
        if (process.ExitCode != 0) throw new InvalidOperationException($"synth of {variant} failed:\n{stderr.Result}");
        return elapsed;
    }
}

using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;

namespace ExportConstructs.Benchmark;

/// <summary>
/// The resources the library adds to a stack: the shared part (one per stack) and each export by
/// wait path, counted in synthesized templates. Exports take an existing bucket and service role
/// here, so the counts are the library's own (a default service role adds its role and policy).
/// </summary>
internal static class Resources
{
    /// <summary>Child mode: synthesizes the stacks and prints their resource counts as JSON.</summary>
    public static void Run(string outdir)
    {
        var app = new App(new AppProps { Outdir = outdir });
        void Stack(string name, params (string Path, int Count)[] exports)
        {
            var stack = new Stack(app, name);
            var bucket = Bucket.FromBucketName(stack, "Bucket", "exports-bucket");
            var role = Role.FromRoleName(stack, "VmImport", "vmimport");
            var n = 0;
            foreach (var (path, count) in exports)
                for (var i = 0; i < count; i++, n++)
                    new ExportedVmImage(stack, $"Vm{n}", new ExportedVmImageProps
                    {
                        ImageId = $"ami-{n:x8}", DiskImageFormat = DiskImageFormat.VMDK, Bucket = bucket, Role = role,
                        Timeout = path == "long" ? Duration.Hours(6) : Duration.Minutes(50),
                        WaitForCompletion = path != "none",
                    });
        }
        Stack("Short1", ("short", 1));
        Stack("Short2", ("short", 2));
        Stack("Long1", ("long", 1));
        Stack("Long2", ("long", 2));
        Stack("None2", ("short", 1), ("none", 1));
        var counts = app.Synth().Stacks.ToDictionary(s => s.StackName, s => ((JsonElement)JsonSerializer.SerializeToElement(s.Template)).GetProperty("Resources").EnumerateObject().Count());
        Console.WriteLine(JsonSerializer.Serialize(counts));
    }

    /// <summary>(shared part without the poller, shared part with it, per export: short, long, no wait).</summary>
    public static (int Shared, int SharedWithPoller, int Short, int Long, int NoWait) Measure(string self, string outdir)
    {
        var (code, output) = ExportConstructs.Fakes.Repo.Run("dotnet", $"\"{self}\" resources \"{outdir}\"", ExportConstructs.Fakes.Repo.Root);
        if (code != 0) throw new InvalidOperationException("resource count failed:\n" + output);
        // The child also writes jsii's and Node's notices; the counts are its one JSON line.
        var c = JsonSerializer.Deserialize<Dictionary<string, int>>(output.Split('\n').Last(l => l.StartsWith('{')))!;
        var shortPath = c["Short2"] - c["Short1"];
        var longPath = c["Long2"] - c["Long1"];
        return (c["Short1"] - shortPath, c["Long1"] - longPath, shortPath, longPath, c["None2"] - c["Short1"]);
    }
}

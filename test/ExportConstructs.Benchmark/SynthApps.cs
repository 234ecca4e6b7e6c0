using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Infra;

namespace ExportConstructs.Benchmark;

/// <summary>The apps whose synthesis is timed; the benchmark runs itself as a child process with `app VARIANT OUTDIR`.</summary>
internal static class SynthApps
{
    public static void Run(string variant, string outdir)
    {
        var t0 = System.Diagnostics.Stopwatch.StartNew();
        var app = new App(new AppProps { Outdir = outdir });
        if (System.Environment.GetEnvironmentVariable("BENCH_PROFILE") == "1") Console.Error.WriteLine($"first jsii call (App) {t0.ElapsedMilliseconds} ms");
        switch (variant)
        {
            case "bare":
                // The jsii floor: a C# CDK app with one Lambda function.
                var stack = new Stack(app, "Bare");
                new Function(stack, "F", new FunctionProps { Runtime = Runtime.PYTHON_3_12, Handler = "index.handler", Code = Code.FromInline("def handler(e, c): return None") });
                break;
            case "probe":
                var ps = new Stack(app, "Probe");
                var sw = System.Diagnostics.Stopwatch.StartNew();
                for (var i = 0; i < 100; i++) new Constructs.Construct(ps, $"Plain{i}");
                Console.Error.WriteLine($"100 plain Construct: {sw.ElapsedMilliseconds} ms"); sw.Restart();
                for (var i = 0; i < 100; i++) new ProbeConstruct(ps, $"Sub{i}");
                Console.Error.WriteLine($"100 C# subclasses of Construct: {sw.ElapsedMilliseconds} ms"); sw.Restart();
                for (var i = 0; i < 100; i++) new CustomResource(ps, $"Cr{i}", new CustomResourceProps { ServiceToken = "arn:aws:lambda:us-east-1:1:function:x", ResourceType = "Custom::X", Properties = new Dictionary<string, object> { ["A"] = "b", ["C"] = "d", ["E"] = new Dictionary<string, object> { ["x"] = "y" } } });
                Console.Error.WriteLine($"100 CustomResource: {sw.ElapsedMilliseconds} ms"); sw.Restart();
                for (var i = 0; i < 100; i++) _ = Token.IsUnresolved("abc");
                Console.Error.WriteLine($"100 Token.IsUnresolved: {sw.ElapsedMilliseconds} ms"); sw.Restart();
                break;
            case "sample":
                new SampleStack(app, "ExportConstructsSample");
                break;
            default:
                var count = int.Parse(variant.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
                var many = new Stack(app, $"Exports{count}");
                var bucket = new Bucket(many, "Bucket");
                // One shared service role and the short wait path: one resource per export, so 100 fit
                // CloudFormation's 500 (with defaults each export brings about six; see the README).
                var role = Amazon.CDK.AWS.IAM.Role.FromRoleName(many, "VmImport", "vmimport");
                var tc = System.Diagnostics.Stopwatch.StartNew();
                for (var i = 0; i < count; i++)
                    new ExportedVmImage(many, $"Vm{i}", new ExportedVmImageProps
                    {
                        ImageId = $"ami-{i:x8}", DiskImageFormat = DiskImageFormat.VMDK, Bucket = bucket, Role = role,
                        Timeout = Duration.Minutes(50), PollInterval = Duration.Minutes(5),
                    });
                if (System.Environment.GetEnvironmentVariable("BENCH_PROFILE") == "1") Console.Error.WriteLine($"constructing {count} exports {tc.ElapsedMilliseconds} ms");
                break;
        }
        var t = System.Diagnostics.Stopwatch.StartNew();
        app.Synth();
        if (System.Environment.GetEnvironmentVariable("BENCH_PROFILE") == "1") Console.Error.WriteLine($"synth phase {t.ElapsedMilliseconds} ms");
    }
}

internal sealed class ProbeConstruct(Constructs.Construct scope, string id) : Constructs.Construct(scope, id);

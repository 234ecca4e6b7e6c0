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
        var app = new App(new AppProps { Outdir = outdir });
        switch (variant)
        {
            case "bare":
                // The jsii floor: a C# CDK app with one Lambda function.
                var stack = new Stack(app, "Bare");
                new Function(stack, "F", new FunctionProps { Runtime = Runtime.PYTHON_3_12, Handler = "index.handler", Code = Code.FromInline("def handler(e, c): return None") });
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
                for (var i = 0; i < count; i++)
                    new ExportedVmImage(many, $"Vm{i}", new ExportedVmImageProps
                    {
                        ImageId = $"ami-{i:x8}", DiskImageFormat = DiskImageFormat.VMDK, Bucket = bucket, Role = role,
                        Timeout = Duration.Minutes(50), PollInterval = Duration.Minutes(5),
                    });
                break;
        }
        app.Synth();
    }
}

using System.Diagnostics;
using System.IO.Compression;
using ExportConstructs.Benchmark;
using ExportConstructs.Fakes;

// Child mode: synthesize one app (timed from the parent).
if (args is ["app", var appVariant, var outdir])
{
    SynthApps.Run(appVariant, outdir);
    return 0;
}
if (args is ["resources", var resourcesOutdir])
{
    Resources.Run(resourcesOutdir);
    return 0;
}

// Only the simulations on a fake clock (seconds, no synth): `-- simulations`.
if (args is ["simulations"])
{
    Console.WriteLine("| Figure | Measured | Goal | Met |");
    Console.WriteLine("|---|---|---|---|");
    SimulationRows(await Simulation.ShortPathAsync(TimeSpan.FromMinutes(47) + TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)),
        await Simulation.LongPathAsync(TimeSpan.FromHours(5) + TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(5)));
    QueueRows(await QueueSimulation.StandardAsync());
    return 0;
}

var runs = args is ["--runs", var n] ? int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : 7;
var work = Directory.CreateTempSubdirectory("exportconstructs-bench-").FullName;
Console.WriteLine($"ExportConstructs benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {runs} runs per figure");
Console.WriteLine();

// 1. The handler asset.
var zip = Path.Combine(AppContext.BaseDirectory, "exportconstructs-handler", "handler.zip");
var aotDir = Path.Combine(work, "aot");
ZipFile.ExtractToDirectory(zip, aotDir);
var bootstrap = Path.Combine(aotDir, "bootstrap");
var assetMb = (new FileInfo(bootstrap).Length / 1e6, new FileInfo(zip).Length / 1e6);

// 2. Start-up: process start to the first AWS request, AOT against the same code under the JIT.
var jitDir = Path.Combine(work, "jit");
var (code, output) = Repo.Run("dotnet", $"build lambda/Handler/ExportConstructs.Handler.csproj -c Release -o \"{jitDir}\" -nologo -v:q", Repo.Root);
if (code != 0) throw new InvalidOperationException("JIT build of the handler failed:\n" + output);
var aot = await Startup.MeasureAsync(bootstrap, "", runs);
var jit = await Startup.MeasureAsync("dotnet", Path.Combine(jitDir, "bootstrap.dll"), runs);

// 3. Synth, warm (one unmeasured run first fills the jsii package cache and the OS caches).
var self = typeof(SynthApps).Assembly.Location;
var synth = new Dictionary<string, Stats>();
foreach (var variant in new[] { "bare", "sample", "exports:1", "exports:100" })
    synth[variant] = Synth.Measure(self, variant, Path.Combine(work, "synth"), runs);

// 4. The resources the library adds to a stack.
var resources = Resources.Measure(self, Path.Combine(work, "resources"));

// 5. Simulated exports on a fake clock.
var shortPath = await Simulation.ShortPathAsync(duration: TimeSpan.FromMinutes(47) + TimeSpan.FromSeconds(10), interval: TimeSpan.FromSeconds(30));
var longPath = await Simulation.LongPathAsync(duration: TimeSpan.FromHours(5) + TimeSpan.FromMinutes(3), interval: TimeSpan.FromMinutes(5));
var queues = await QueueSimulation.StandardAsync();

Console.WriteLine("| Figure | Measured | Goal | Met |");
Console.WriteLine("|---|---|---|---|");
var ratio = aot.Median / jit.Median;
Row("Start-up to first AWS request, AOT bootstrap", aot.ToString(), "", "");
Row("Start-up to first AWS request, same code under the JIT", jit.ToString(), "", "");
Row("AOT / JIT start-up (medians)", $"1/{1 / ratio:F1}", "at most 1/8", ratio <= 1 / 8.0);
Row("Handler asset: bootstrap / zipped", $"{assetMb.Item1:F1} MB / {assetMb.Item2:F1} MB", "zipped at most 6 MB", assetMb.Item2 <= 6);
Row("Synth, bare C# CDK app with one Lambda (jsii floor)", synth["bare"].ToString(), "", "");
Row("Synth, sample app", synth["sample"].ToString(), "", "");
var sampleRatio = synth["sample"].Median / synth["bare"].Median;
Row("Sample / bare synth (medians)", $"{sampleRatio:F2}x", "at most 1.3x", sampleRatio <= 1.3);
Row("Synth, 1 export", synth["exports:1"].ToString(), "", "");
Row("Synth, 100 exports", synth["exports:100"].ToString(), "", "");
var added = (synth["exports:100"].Median - synth["exports:1"].Median) / 1000;
Row("Added by 99 more exports", $"{added:F2} s", "under 1 s", added < 1);
Row("Resources shared by a stack's exports (without / with the long-wait poller)", $"{resources.Shared} / {resources.SharedWithPoller}", "fewer than 23 (0.1)", resources.SharedWithPoller < 23);
Row("Resources per export: short path / long path / no wait", $"{resources.Short} / {resources.Long} / {resources.NoWait}", "", "");
SimulationRows(shortPath, longPath);
QueueRows(queues);
Directory.Delete(work, true);
return 0;

static void SimulationRows(params SimulationResult[] simulations)
{
    foreach (var sim in simulations)
    {
        Row($"{sim.Name}: AWS calls", sim.CallsText, "1 start + 1 describe per poll + 1 completion event, nothing else", sim.OnlyStartAndDescribes);
        Row($"{sim.Name}: events and metrics", $"{sim.Calls.Count(c => c == "EventBridge:PutEvents")} PutEvents call; {sim.Log.EmfLines} EMF lines, {sim.Log.EmfBytes:N0} B of {sim.Log.Bytes:N0} B logged ({sim.Log.Lines} lines)",
            "1 call; EMF: 1 line per start, poll and end", sim.Log.EmfLines == 1 + sim.Polls + (sim.Name.StartsWith("Long", StringComparison.Ordinal) ? 1 : 0) + 1);
        Row($"{sim.Name}: Lambda invocations", sim.Invocations.ToString(System.Globalization.CultureInfo.InvariantCulture), "", "");
        Row($"{sim.Name}: completion to report", $"{sim.Delay.TotalSeconds:F1} s (interval {sim.Interval.TotalSeconds:F0} s)", "at most interval + 2 s", sim.Delay <= sim.Interval + TimeSpan.FromSeconds(2));
    }
}

static void QueueRows(IEnumerable<QueueResult> queues)
{
    foreach (var q in queues)
    {
        var name = $"{q.Exports} long-path exports in one stack, EC2 limit {q.Limit}, {q.Duration.TotalHours:F0} h each, {q.Interval.TotalMinutes:F0} min interval";
        Row($"{name}: all done after", $"{q.AllDone.TotalHours:F2} h (ideal {q.Ideal.TotalHours:F0} h), {q.Refusals} refused start attempts",
            "at most ideal + one interval per round", q.AllDone <= q.Ideal + q.Interval * Math.Ceiling((double)q.Exports / q.Limit));
        Row($"{name}: AWS calls", q.CallsText, "", "");
    }
}

static void Row(string figure, string measured, string goal, object met) =>
    Console.WriteLine($"| {figure} | {measured} | {goal} | {(met is bool b ? (b ? "yes" : "**no**") : met)} |");

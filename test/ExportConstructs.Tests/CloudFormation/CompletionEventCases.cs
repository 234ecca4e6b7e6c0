using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Contract;
using ExportConstructs.Handler.Telemetry;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>The construct a completion-event test deploys.</summary>
public enum ExportKind { VmImage, AppStream }

/// <summary>How its stack waits: inside the custom resource (Timeout of at most 55 min), or on the long path (the default Timeout, 6 h).</summary>
public enum WaitPath { Short, Long }

/// <summary>
/// What the completion-event test classes share: a deployment holding the images both kinds
/// export, the one stack of each kind and wait path, the resource whose wait publishes (the export
/// resource on the short path, the result resource on the long one), what CloudFormation heard
/// from it, and what the handler put on the bus and logged.
/// </summary>
public abstract class CompletionEventTestBase : IAsyncLifetime
{
    private static readonly ConcurrentDictionary<(ExportKind, WaitPath, bool), Lazy<Task<Outcome>>> Baselines = new();

    internal Deployment D { get; } = Deployment.Start();

    /// <summary>Each kind on each wait path.</summary>
    internal static readonly (ExportKind Kind, WaitPath Path)[] KindsAndPaths =
        [(ExportKind.VmImage, WaitPath.Short), (ExportKind.AppStream, WaitPath.Short), (ExportKind.VmImage, WaitPath.Long), (ExportKind.AppStream, WaitPath.Long)];

    /// <summary><see cref="KindsAndPaths"/> as theory data.</summary>
    public static TheoryData<ExportKind, WaitPath> EachKindAndPath()
    {
        var data = new TheoryData<ExportKind, WaitPath>();
        foreach (var (kind, path) in KindsAndPaths) data.Add(kind, path);
        return data;
    }

    /// <summary>Each kind on the long path, where a poller watches the export.</summary>
    public static TheoryData<ExportKind> EachKind => new() { ExportKind.VmImage, ExportKind.AppStream };

    public Task InitializeAsync()
    {
        Prepare(D);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => D.DisposeAsync().AsTask();

    private static void Prepare(Deployment d)
    {
        d.Aws.AddImage(LongWaitStacks.Image);
        d.Aws.AppStreamImages.Add(LongWaitStacks.AppStreamImage);
    }

    /// <summary>The stack with one export of this kind on this path.</summary>
    internal static Task<StackTemplate> StackOf(Deployment d, ExportKind kind, WaitPath path) => (kind, path) switch
    {
        (ExportKind.VmImage, WaitPath.Short) => d.ShortVmStack(),
        (ExportKind.AppStream, WaitPath.Short) => d.ShortAmiStack(),
        (ExportKind.VmImage, _) => d.VmStack(p => (p.Timeout, p.PollInterval) = (null, null)),
        _ => d.AmiStack(p => (p.Timeout, p.PollInterval) = (null, null)),
    };

    /// <summary>The resource whose wait ends in the export's final state, and publishes it.</summary>
    internal static string ReporterOf(StackTemplate template, ExportKind kind, WaitPath path) => template.Of((kind, path) switch
    {
        (ExportKind.VmImage, WaitPath.Short) => ResourceTypes.ExportedVmImage,
        (ExportKind.AppStream, WaitPath.Short) => ResourceTypes.AppStreamAmiExport,
        (ExportKind.VmImage, _) => ResourceTypes.ExportedVmImageResult,
        _ => ResourceTypes.AppStreamAmiExportResult,
    });

    /// <summary>The export resource, whose logical id the event names on both paths.</summary>
    internal static string ExportOf(StackTemplate template, ExportKind kind) =>
        template.Of(kind == ExportKind.VmImage ? ResourceTypes.ExportedVmImage : ResourceTypes.AppStreamAmiExport);

    /// <summary>AWS ends the export without a result, with a reason CloudFormation must hear.</summary>
    internal static void FailExports(Deployment d)
    {
        d.Aws.VmFailureMessage = "ClientError: Disk validation failed";
        d.Aws.AppStreamFailure = ("FAILED", [("IMAGE_FAILED", "The image could not be exported")]);
    }

    /// <summary>The text of AWS's reason for <see cref="FailExports"/>.</summary>
    internal static string FailureOf(ExportKind kind) => kind == ExportKind.VmImage ? "Disk validation failed" : "The image could not be exported";

    /// <summary>
    /// What CloudFormation ends with for the publishing resource: the stack's status and the answer
    /// to its Create (status, reason without the framework's stack trace, whose paths name each
    /// synth's own directory, physical id, attributes in key order).
    /// </summary>
    internal sealed record Outcome(string Stack, string? Answer, string? Reason, string? PhysicalId, string Data);

    internal static Outcome OutcomeOf(Deployment d, string stackStatus, string reporter)
    {
        var answer = d.Cfn.ExchangesOf(reporter).First(e => e.RequestType == "Create").Answer;
        var data = JsonSerializer.Serialize(new SortedDictionary<string, string>(answer?.Data ?? [], StringComparer.Ordinal));
        var reason = answer?.Reason is { } r ? string.Join('\n', r.Split('\n').Where(l => !l.TrimStart().StartsWith("at ", StringComparison.Ordinal))) : null;
        return new Outcome(stackStatus, answer?.Status, reason, answer?.PhysicalResourceId, data);
    }

    /// <summary>
    /// Deploys this kind on this path and returns what CloudFormation ended with. Then, unless the
    /// stack rolled back (its framework functions are gone, and the emulation cannot run a waiter
    /// that outlived them), the clock runs on for <see cref="RunOn"/>, so that whatever a repeat
    /// scheduled after the stack's answer runs too (Lambda retries an asynchronous invocation after
    /// 1 and 2 minutes, the poller's Retry after 30 s): a later answer changes nothing CloudFormation holds.
    /// </summary>
    internal static async Task<Outcome> DeployAsync(Deployment d, ExportKind kind, WaitPath path, Func<StackTemplate, StackTemplate>? change = null)
    {
        var template = await StackOf(d, kind, path);
        if (change is not null) template = change(template);
        var status = await d.Cfn.CreateStackAsync(template);
        if (!status.Contains("ROLLBACK", StringComparison.Ordinal)) await d.Cfn.RunForAsync(RunOn);
        return OutcomeOf(d, status, ReporterOf(template, kind, path));
    }

    /// <summary>How long the clock runs on after a stack operation.</summary>
    internal static readonly TimeSpan RunOn = TimeSpan.FromMinutes(10);

    /// <summary>
    /// What the same deployment ends with when nothing interferes (a fresh deployment on the same
    /// virtual clock, so the same task ids, names and deadlines): each test's reference, made once.
    /// </summary>
    internal static Task<Outcome> BaselineAsync(ExportKind kind, WaitPath path, bool exportFails = false) =>
        Baselines.GetOrAdd((kind, path, exportFails), _ => new Lazy<Task<Outcome>>(async () =>
        {
            await using var d = Deployment.Start();
            Prepare(d);
            if (exportFails) FailExports(d);
            var outcome = await DeployAsync(d, kind, path);
            Assert.True(d.Aws.Events.Count == 1, $"The baseline put {d.Aws.Events.Count} events.\n{d.Story()}");
            return outcome;
        })).Value;

    /// <summary>The detail of each event put on the bus, in order.</summary>
    internal List<JsonObject> Details() => D.Aws.Events.Select(e => JsonNode.Parse(e.Detail)!.AsObject()).ToList();

    /// <summary>The id every publish of this export's final state carries (<see cref="ExportEvents.EventIdOf"/>).</summary>
    internal string EventIdOf(ExportKind kind, string state)
    {
        var taskId = kind == ExportKind.VmImage ? Assert.Single(D.Aws.VmTasks.Values).Id : Assert.Single(D.Aws.AppStreamTasks.Values).TaskId;
        return ExportEvents.EventIdOf(D.Cfn.StackId, ExportOf(D.Cfn.Template!, kind), taskId, state);
    }

    /// <summary>
    /// The handler's Embedded Metric Format lines that declare <paramref name="metric"/>, checked
    /// against what EMF requires: a directive in <c>_aws.CloudWatchMetrics</c> in this library's
    /// namespace naming the metric, and every dimension it names present at the root.
    /// </summary>
    internal List<JsonElement> MetricLines(string metric)
    {
        var lines = new List<JsonElement>();
        foreach (var line in D.HandlerLog().Where(l => l.StartsWith('{') && l.Contains("\"_aws\"", StringComparison.Ordinal)))
        {
            var root = JsonDocument.Parse(line).RootElement;
            var directive = Assert.Single(root.GetProperty("_aws").GetProperty("CloudWatchMetrics").EnumerateArray());
            if (!directive.GetProperty("Metrics").EnumerateArray().Any(m => m.GetProperty("Name").GetString() == metric)) continue;
            Assert.True(root.GetProperty("_aws").GetProperty("Timestamp").GetInt64() > 0, line);
            Assert.Equal(EmbeddedMetrics.Namespace, directive.GetProperty("Namespace").GetString());
            foreach (var name in directive.GetProperty("Dimensions").EnumerateArray().SelectMany(set => set.EnumerateArray()))
                Assert.True(root.TryGetProperty(name.GetString()!, out _), $"dimension {name} missing at the root: {line}");
            lines.Add(root);
        }
        return lines;
    }

    /// <summary>The one <c>EventPublishFailures</c> line a refused publish writes: 1, for this kind in stack Sample.</summary>
    internal void AssertOnePublishFailureCounted(ExportKind kind)
    {
        var line = Assert.Single(MetricLines(EmbeddedMetrics.Names.EventPublishFailures));
        Assert.Equal(1, line.GetProperty(EmbeddedMetrics.Names.EventPublishFailures).GetDouble());
        Assert.Equal(kind == ExportKind.VmImage ? ExportEvents.Kinds.ExportedVmImage : ExportEvents.Kinds.AppStreamAmiExport, line.GetProperty(EmbeddedMetrics.Kind).GetString());
        Assert.Equal(D.Cfn.StackName, line.GetProperty(EmbeddedMetrics.StackName).GetString());
    }
}

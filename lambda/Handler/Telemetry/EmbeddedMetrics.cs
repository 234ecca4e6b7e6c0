using System.Text;
using System.Text.Json;

namespace ExportConstructs.Handler.Telemetry;

/// <summary>One metric value of an EMF line, with its CloudWatch unit (<see cref="MetricUnits"/>).</summary>
public readonly record struct MetricValue(string Name, double Value, string Unit);

/// <summary>The CloudWatch units the handler's metrics use (EMF takes CloudWatch's StandardUnit names).</summary>
internal static class MetricUnits
{
    /// <summary>A duration.</summary>
    public const string Seconds = "Seconds";
    /// <summary>How many times something happened.</summary>
    public const string Count = "Count";
    /// <summary>A share of 100.</summary>
    public const string Percent = "Percent";

    /// <summary>Every unit CloudWatch accepts (its StandardUnit); a metric with another is not extracted.</summary>
    public static readonly IReadOnlySet<string> Valid = new HashSet<string>(StringComparer.Ordinal)
    {
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
        "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
        "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
        "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
        "Count/Second", "None",
    };
}

/// <summary>
/// Writes metrics as CloudWatch Embedded Metric Format: one JSON object on one log line, from which
/// CloudWatch Logs extracts the metrics itself — no PutMetricData call, no right beyond writing the
/// log, nothing to fail at the end of an export. Written with <see cref="Utf8JsonWriter"/> (no
/// reflection, AOT-safe). Dimensions are kept few (<see cref="Kind"/>, <see cref="StackName"/>):
/// every distinct combination is a metric of its own, billed as such.
/// </summary>
internal sealed class EmbeddedMetrics(TimeProvider clock, Action<string> log)
{
    /// <summary>The CloudWatch namespace of every metric.</summary>
    public const string Namespace = "ExportConstructs";

    /// <summary>Dimension: the export's construct (<c>ExportEvents.Kinds</c>).</summary>
    public const string Kind = "Kind";

    /// <summary>Dimension: the stack's name (not its id, whose GUID would make each deployment of a stack a new series).</summary>
    public const string StackName = "StackName";

    /// <summary>EMF's limits per directive.</summary>
    public const int MaxMetrics = 100, MaxDimensions = 30;

    /// <summary>Metric names: one per measured thing, units fixed here so that a series never mixes units.</summary>
    public static class Names
    {
        /// <summary>Seconds from start to final state.</summary>
        public const string ExportDuration = "ExportDuration";
        /// <summary>Calls that tried to start an export (a retry of the same request counts again).</summary>
        public const string StartAttempts = "StartAttempts";
        /// <summary>Status checks of a running export.</summary>
        public const string Polls = "Polls";
        /// <summary>Exports that completed.</summary>
        public const string ExportsCompleted = "ExportsCompleted";
        /// <summary>Exports AWS ended without a result.</summary>
        public const string ExportsFailed = "ExportsFailed";
        /// <summary>Exports that outlasted their Timeout.</summary>
        public const string ExportsTimedOut = "ExportsTimedOut";
        /// <summary>Exports a Delete ended while they ran.</summary>
        public const string ExportsCancelled = "ExportsCancelled";
        /// <summary>The progress AWS reports for a running export, 0–100.</summary>
        public const string ProgressPercent = "ProgressPercent";
        /// <summary>Completion events that could not be put on the bus.</summary>
        public const string EventPublishFailures = "EventPublishFailures";
    }

    /// <summary>The dimensions of an export's metrics.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> DimensionsOf(string kind, string stackId) =>
        [new(Kind, kind), new(StackName, StackNameOf(stackId))];

    /// <summary>
    /// The stack's name from its id (<c>arn:…:stack/NAME/GUID</c>); the id itself when it is not such
    /// an ARN, and <c>unknown</c> when empty (CloudWatch drops a metric with an empty dimension value).
    /// </summary>
    public static string StackNameOf(string stackId)
    {
        var parts = stackId.Split(':', 6);
        if (parts.Length == 6 && parts[5].Split('/') is ["stack", { Length: > 0 } name, ..]) return name;
        return stackId.Length > 0 ? stackId : "unknown";
    }

    /// <summary>Writes one line with these metrics under these dimensions.</summary>
    public void Write(IReadOnlyList<KeyValuePair<string, string>> dimensions, params IReadOnlyList<MetricValue> metrics) =>
        log(Line(dimensions, metrics));

    /// <summary>
    /// One EMF line: <c>_aws</c> (Timestamp in epoch milliseconds, one directive naming the
    /// namespace, one dimension set and each metric with its unit), then each dimension and each
    /// metric as a member of the root object, as EMF requires.
    /// </summary>
    /// <exception cref="ArgumentException">A limit of EMF is broken: more than 100 metrics or 30
    /// dimensions, a repeated or empty name, an empty dimension value, or a value JSON cannot hold.</exception>
    public string Line(IReadOnlyList<KeyValuePair<string, string>> dimensions, IReadOnlyList<MetricValue> metrics)
    {
        Check(dimensions, metrics);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("_aws");
            w.WriteNumber("Timestamp", clock.GetUtcNow().ToUnixTimeMilliseconds());
            w.WriteStartArray("CloudWatchMetrics");
            w.WriteStartObject();
            w.WriteString("Namespace", Namespace);
            w.WriteStartArray("Dimensions");
            w.WriteStartArray();
            foreach (var d in dimensions) w.WriteStringValue(d.Key);
            w.WriteEndArray();
            w.WriteEndArray();
            w.WriteStartArray("Metrics");
            foreach (var m in metrics)
            {
                w.WriteStartObject();
                w.WriteString("Name", m.Name);
                w.WriteString("Unit", m.Unit);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            foreach (var d in dimensions) w.WriteString(d.Key, d.Value);
            foreach (var m in metrics) w.WriteNumber(m.Name, m.Value);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void Check(IReadOnlyList<KeyValuePair<string, string>> dimensions, IReadOnlyList<MetricValue> metrics)
    {
        if (metrics.Count is 0 or > MaxMetrics) throw new ArgumentException($"An EMF directive takes 1 to {MaxMetrics} metrics, not {metrics.Count}.", nameof(metrics));
        if (dimensions.Count > MaxDimensions) throw new ArgumentException($"An EMF dimension set takes at most {MaxDimensions} dimensions, not {dimensions.Count}.", nameof(dimensions));
        var names = new HashSet<string>(StringComparer.Ordinal) { "_aws" };
        foreach (var d in dimensions)
        {
            if (d.Key.Length == 0 || !names.Add(d.Key)) throw new ArgumentException($"Dimension name '{d.Key}' is empty or repeated.", nameof(dimensions));
            if (d.Value.Length == 0) throw new ArgumentException($"Dimension '{d.Key}' has an empty value; CloudWatch would drop the metric.", nameof(dimensions));
        }
        foreach (var m in metrics)
        {
            if (m.Name.Length == 0 || !names.Add(m.Name)) throw new ArgumentException($"Metric name '{m.Name}' is empty or repeated.", nameof(metrics));
            if (!MetricUnits.Valid.Contains(m.Unit)) throw new ArgumentException($"Metric '{m.Name}' has the unit '{m.Unit}', which CloudWatch does not know.", nameof(metrics));
            if (!double.IsFinite(m.Value)) throw new ArgumentException($"Metric '{m.Name}' has the value {m.Value}, which JSON cannot hold.", nameof(metrics));
        }
    }
}

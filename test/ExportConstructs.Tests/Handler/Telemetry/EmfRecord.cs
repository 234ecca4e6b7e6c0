using System.Text.Json;
using ExportConstructs.Handler.Telemetry;

namespace ExportConstructs.Tests.Handler.Telemetry;

/// <summary>
/// One log line read as CloudWatch reads Embedded Metric Format, checked against what the EMF
/// specification requires (AWS CloudWatch User Guide, "Specification: Embedded metric format"): a
/// root <c>_aws</c> with an epoch-milliseconds <c>Timestamp</c> and a <c>CloudWatchMetrics</c> array
/// of directives; each directive a 1–255 character <c>Namespace</c>, <c>Dimensions</c> as arrays of
/// at most 30 keys that name string members of the root, and <c>Metrics</c> (at most 100) whose
/// <c>Name</c> names a numeric member of the root (or an array of at most 100 numbers) and whose
/// <c>Unit</c>, when given, is a CloudWatch unit. A line that breaks any of these fails the test.
/// </summary>
internal sealed record EmfRecord(DateTimeOffset Timestamp, string Namespace, IReadOnlyDictionary<string, string> Dimensions, IReadOnlyDictionary<string, (double Value, string? Unit)> Metrics)
{
    /// <summary>True when the line is meant as EMF (a JSON object with <c>_aws</c>); such a line must then pass <see cref="Parse"/>.</summary>
    public static bool IsEmf(string line) => line.StartsWith('{') && line.Contains("\"_aws\"", StringComparison.Ordinal);

    public static EmfRecord Parse(string line)
    {
        Assert.DoesNotContain('\n', line);
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        var aws = root.GetProperty("_aws");
        var timestamp = aws.GetProperty("Timestamp");
        Assert.Equal(JsonValueKind.Number, timestamp.ValueKind);
        Assert.True(timestamp.TryGetInt64(out var ms) && ms > 0, $"Timestamp must be epoch milliseconds: {line}");
        var directive = Assert.Single(aws.GetProperty("CloudWatchMetrics").EnumerateArray());
        var ns = directive.GetProperty("Namespace").GetString();
        Assert.InRange(ns?.Length ?? 0, 1, 255);
        var dimensions = new Dictionary<string, string>();
        foreach (var set in directive.GetProperty("Dimensions").EnumerateArray())
        {
            Assert.InRange(set.GetArrayLength(), 0, EmbeddedMetrics.MaxDimensions);
            foreach (var key in set.EnumerateArray().Select(k => k.GetString()!))
            {
                Assert.True(root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0,
                    $"Dimension '{key}' names no non-empty string member of the root: {line}");
                dimensions[key] = value.GetString()!;
            }
        }
        var metrics = new Dictionary<string, (double, string?)>();
        var definitions = directive.GetProperty("Metrics").EnumerateArray().ToList();
        Assert.InRange(definitions.Count, 1, EmbeddedMetrics.MaxMetrics);
        foreach (var definition in definitions)
        {
            var name = definition.GetProperty("Name").GetString()!;
            Assert.InRange(name.Length, 1, 255);
            string? unit = definition.TryGetProperty("Unit", out var u) ? u.GetString() : null;
            if (unit is not null) Assert.Contains(unit, MetricUnits.Valid);
            Assert.True(root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number, $"Metric '{name}' names no numeric member of the root: {line}");
            Assert.True(metrics.TryAdd(name, (value.GetDouble(), unit)), $"Metric '{name}' is defined twice: {line}");
        }
        return new EmfRecord(DateTimeOffset.FromUnixTimeMilliseconds(ms), ns!, dimensions, metrics);
    }
}

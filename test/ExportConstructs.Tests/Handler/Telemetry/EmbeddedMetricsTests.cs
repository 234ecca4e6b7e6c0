using System.Text.Json;
using ExportConstructs.Handler.Telemetry;
using Microsoft.Extensions.Time.Testing;

namespace ExportConstructs.Tests.Handler.Telemetry;

/// <summary>The EMF line, parsed back and held against what CloudWatch requires to extract metrics.</summary>
public sealed class EmbeddedMetricsTests
{
    private const string Stack = "arn:aws:cloudformation:eu-west-1:123456789012:stack/Demo-Stack/0f1e2d3c-0000-4000-8000-000000000000";
    private static readonly DateTimeOffset Now = new(2026, 11, 18, 11, 6, 40, 123, TimeSpan.Zero);

    private readonly List<string> _log = [];
    private readonly EmbeddedMetrics _metrics;

    public EmbeddedMetricsTests() => _metrics = new EmbeddedMetrics(new FakeTimeProvider(Now), _log.Add);

    private static readonly MetricValue[] ExportMetrics =
    [
        new(EmbeddedMetrics.Names.ExportDuration, 2830.5, MetricUnits.Seconds),
        new(EmbeddedMetrics.Names.StartAttempts, 1, MetricUnits.Count),
        new(EmbeddedMetrics.Names.Polls, 96, MetricUnits.Count),
        new(EmbeddedMetrics.Names.ExportsCompleted, 1, MetricUnits.Count),
        new(EmbeddedMetrics.Names.ProgressPercent, 100, MetricUnits.Percent),
    ];

    [Fact]
    public void Write_ShouldLogOneLineWithEveryMemberEmfRequires()
    {
        // Act
        _metrics.Write(EmbeddedMetrics.DimensionsOf("ExportedVmImage", Stack), ExportMetrics);

        // Assert
        var line = Assert.Single(_log);
        Assert.DoesNotContain('\n', line);
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var aws = root.GetProperty("_aws");
        Assert.Equal(Now.ToUnixTimeMilliseconds(), aws.GetProperty("Timestamp").GetInt64());
        var directive = Assert.Single(aws.GetProperty("CloudWatchMetrics").EnumerateArray());
        Assert.Equal("ExportConstructs", directive.GetProperty("Namespace").GetString());
        var dimensionSet = Assert.Single(directive.GetProperty("Dimensions").EnumerateArray());
        var dimensions = dimensionSet.EnumerateArray().Select(d => d.GetString()!).ToList();
        Assert.Equal(["Kind", "StackName"], dimensions);
        Assert.InRange(dimensions.Count, 1, EmbeddedMetrics.MaxDimensions);
        foreach (var name in dimensions)
            Assert.Equal(JsonValueKind.String, root.GetProperty(name).ValueKind);
        Assert.Equal(("ExportedVmImage", "Demo-Stack"), (root.GetProperty("Kind").GetString(), root.GetProperty("StackName").GetString()));

        var metrics = directive.GetProperty("Metrics").EnumerateArray().ToList();
        Assert.InRange(metrics.Count, 1, EmbeddedMetrics.MaxMetrics);
        Assert.Equal(
            ExportMetrics.Select(m => (m.Name, m.Unit, m.Value)),
            metrics.Select(m => (m.GetProperty("Name").GetString()!, m.GetProperty("Unit").GetString()!, root.GetProperty(m.GetProperty("Name").GetString()!).GetDouble())));
        Assert.All(metrics, m => Assert.Contains(m.GetProperty("Unit").GetString()!, MetricUnits.Valid));
        // Nothing else at the root: _aws, the dimensions, the metrics.
        Assert.Equal(1 + dimensions.Count + metrics.Count, root.EnumerateObject().Count());
    }

    [Fact]
    public void Line_ShouldTakeItsTimestampFromTheInjectedClock()
    {
        // Arrange
        var clock = new FakeTimeProvider(Now);
        var metrics = new EmbeddedMetrics(clock, _ => { });
        clock.Advance(TimeSpan.FromMinutes(5));

        // Act
        var line = metrics.Line(EmbeddedMetrics.DimensionsOf("AppStreamAmiExport", Stack), [new(EmbeddedMetrics.Names.Polls, 1, MetricUnits.Count)]);

        // Assert
        using var document = JsonDocument.Parse(line);
        Assert.Equal(Now.AddMinutes(5).ToUnixTimeMilliseconds(), document.RootElement.GetProperty("_aws").GetProperty("Timestamp").GetInt64());
    }

    [Fact]
    public void Line_WithTheMostEmfAllows_ShouldWriteThemAll()
    {
        // Arrange
        var dimensions = Enumerable.Range(0, EmbeddedMetrics.MaxDimensions).Select(i => new KeyValuePair<string, string>($"D{i}", "v")).ToList();
        var metrics = Enumerable.Range(0, EmbeddedMetrics.MaxMetrics).Select(i => new MetricValue($"M{i}", i, MetricUnits.Count)).ToList();

        // Act
        var line = _metrics.Line(dimensions, metrics);

        // Assert
        using var document = JsonDocument.Parse(line);
        var directive = document.RootElement.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0];
        Assert.Equal(EmbeddedMetrics.MaxDimensions, directive.GetProperty("Dimensions")[0].GetArrayLength());
        Assert.Equal(EmbeddedMetrics.MaxMetrics, directive.GetProperty("Metrics").GetArrayLength());
    }

    public static TheoryData<string, List<KeyValuePair<string, string>>, List<MetricValue>> BrokenLimits => new()
    {
        { "101 metrics", [new("Kind", "k")], [.. Enumerable.Range(0, 101).Select(i => new MetricValue($"M{i}", 1, MetricUnits.Count))] },
        { "no metric", [new("Kind", "k")], [] },
        { "31 dimensions", [.. Enumerable.Range(0, 31).Select(i => new KeyValuePair<string, string>($"D{i}", "v"))], [new("M", 1, MetricUnits.Count)] },
        { "a unit CloudWatch does not know", [new("Kind", "k")], [new("M", 1, "Hours")] },
        { "a repeated metric", [new("Kind", "k")], [new("M", 1, MetricUnits.Count), new("M", 2, MetricUnits.Count)] },
        { "a metric named like a dimension", [new("Kind", "k")], [new("Kind", 1, MetricUnits.Count)] },
        { "a metric named _aws", [new("Kind", "k")], [new("_aws", 1, MetricUnits.Count)] },
        { "an empty dimension value", [new("Kind", "")], [new("M", 1, MetricUnits.Count)] },
        { "a value JSON cannot hold", [new("Kind", "k")], [new("M", double.NaN, MetricUnits.Count)] },
    };

    [Theory]
    [MemberData(nameof(BrokenLimits))]
    public void Line_WhenAnEmfRuleIsBroken_ShouldRefuseToWriteIt(string rule, List<KeyValuePair<string, string>> dimensions, List<MetricValue> metrics)
    {
        // Act
        var error = Record.Exception(() => _metrics.Line(dimensions, metrics));

        // Assert
        Assert.True(error is ArgumentException, $"{rule}: expected an ArgumentException, got {error?.GetType().Name ?? "none"}");
    }

    [Theory]
    [InlineData(Stack, "Demo-Stack")]
    [InlineData("arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/Other/abc", "Other")]
    [InlineData("not-an-arn", "not-an-arn")]
    [InlineData("", "unknown")]
    public void StackNameOf_ShouldTakeTheNameFromTheStackId(string stackId, string expected)
    {
        // Act
        var name = EmbeddedMetrics.StackNameOf(stackId);

        // Assert
        Assert.Equal(expected, name);
    }
}

using ExportConstructs.Contract;

namespace ExportConstructs.Handler.Telemetry;

/// <summary>
/// The lifecycle's metrics, as EMF lines in the handler's log (<see cref="EmbeddedMetrics"/>): no API
/// call, no right, nothing that could fail an export. Each line counts one thing where it happens — a
/// start attempt where the start call is made, a poll where the export is described (with the
/// progress EC2 reports), an export's final state where its event is put — so CloudWatch's sums are
/// the totals, across invocations that keep no state. Dimensions: kind and stack name, no more.
/// </summary>
internal sealed class ExportMetrics(EmbeddedMetrics emf, Action<string> log)
{
    /// <summary>One call that tries to start an export (a refused one counts too).</summary>
    public void StartAttempted(string kind, string stackId) =>
        Write(kind, stackId, new MetricValue(EmbeddedMetrics.Names.StartAttempts, 1, MetricUnits.Count));

    /// <summary>One status check of an export, with the percentage AWS reports when it reports one (EC2 does; AppStream does not).</summary>
    public void Polled(string kind, string stackId, double? progressPercent)
    {
        if (progressPercent is { } p)
            Write(kind, stackId, new MetricValue(EmbeddedMetrics.Names.Polls, 1, MetricUnits.Count), new MetricValue(EmbeddedMetrics.Names.ProgressPercent, p, MetricUnits.Percent));
        else
            Write(kind, stackId, new MetricValue(EmbeddedMetrics.Names.Polls, 1, MetricUnits.Count));
    }

    /// <summary>An export reached a final state (<see cref="ExportEvents.States"/>), after this long when known.</summary>
    public void Ended(string kind, string stackId, string state, double? durationSeconds)
    {
        var count = new MetricValue(CountOf(state), 1, MetricUnits.Count);
        if (durationSeconds is { } d)
            Write(kind, stackId, count, new MetricValue(EmbeddedMetrics.Names.ExportDuration, d, MetricUnits.Seconds));
        else
            Write(kind, stackId, count);
    }

    private static string CountOf(string state) => state switch
    {
        ExportEvents.States.Completed => EmbeddedMetrics.Names.ExportsCompleted,
        ExportEvents.States.Failed => EmbeddedMetrics.Names.ExportsFailed,
        ExportEvents.States.TimedOut => EmbeddedMetrics.Names.ExportsTimedOut,
        _ => EmbeddedMetrics.Names.ExportsCancelled,
    };

    private void Write(string kind, string stackId, params IReadOnlyList<MetricValue> values)
    {
        try
        {
            emf.Write(EmbeddedMetrics.DimensionsOf(kind, stackId), values);
        }
        catch (ArgumentException e)
        {
            // A metric is never worth an export: a value EMF cannot carry is logged and dropped.
            log($"Metric not written: {e.Message}");
        }
    }
}

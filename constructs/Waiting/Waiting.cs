using Amazon.CDK;
using ExportConstructs.Contract;

namespace ExportConstructs;

/// <summary>
/// How an export waits, from its <c>WaitForCompletion</c>, <c>Timeout</c> and <c>PollInterval</c>:
/// not at all; inside the custom resource (the Provider's isComplete, when it fits in
/// CloudFormation's hour); or on the long-wait path (a WaitCondition fed by the poller).
/// </summary>
internal sealed record Waiting(bool Waits, int IntervalSeconds, int TimeoutSeconds)
{
    /// <summary>The default Timeout: long enough for a typical multi-hour export.</summary>
    public static readonly Duration DefaultTimeout = Duration.Hours(6);

    /// <summary>The default PollInterval.</summary>
    public static readonly Duration DefaultPollInterval = Duration.Minutes(5);

    /// <summary>Polls one poller execution may make within Step Functions' 25,000-event history (about 9 events each).</summary>
    public const int MaxPolls = ProviderSettings.MaxPolls;

    /// <summary>A WaitCondition waits at most 12 hours.</summary>
    public const int MaxTimeoutSeconds = 43200;

    /// <summary>True when the wait needs the WaitCondition and the poller (longer than a custom resource may wait).</summary>
    public bool LongPath => Waits && TimeoutSeconds > ProviderSettings.ShortPathLimitSeconds;

    /// <summary>The settings as resource properties: data the handler keeps to, not infrastructure.</summary>
    public WaitProperties Properties() => new()
    {
        IntervalSeconds = IntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        TimeoutSeconds = TimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// An export that does not wait is followed by a watcher (a poller execution that signals nothing)
    /// until it ends, so that its completion event still comes: every PollInterval, for at most
    /// <see cref="MaxPolls"/> polls.
    /// </summary>
    public WaitProperties? WatchProperties() => Waits ? null : new()
    {
        IntervalSeconds = IntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Reads and checks the props; the message names the construct, the prop, the value and what is valid.</summary>
    public static Waiting From(string construct, bool? waitForCompletion, Duration? timeout, Duration? pollInterval)
    {
        var total = Seconds(construct, "Timeout", timeout ?? DefaultTimeout);
        var interval = Seconds(construct, "PollInterval", pollInterval ?? DefaultPollInterval);
        if (total < 60 || total > MaxTimeoutSeconds)
            throw Messages.TimeoutInvalid(construct, total, MaxTimeoutSeconds);
        if (interval < 10 || interval > 3600)
            throw Messages.PollIntervalInvalid(construct, interval);
        if (interval > total)
            throw Messages.PollIntervalOverTimeout(construct, interval, total);
        var waiting = new Waiting(waitForCompletion ?? true, interval, total);
        // Each poll is about 9 events in the poller execution's history, which Step Functions ends at 25,000.
        if (waiting.LongPath && total / interval > MaxPolls)
            throw Messages.TooManyPolls(construct, interval, total, MaxPolls);
        return waiting;
    }

    private static int Seconds(string construct, string prop, Duration value)
    {
        if (value.IsUnresolved())
            throw Messages.DurationNotKnown(construct, prop);
        var seconds = value.ToSeconds();
        return seconds <= int.MaxValue ? (int)seconds : throw Messages.DurationInvalid(construct, prop, seconds);
    }
}

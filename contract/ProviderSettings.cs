namespace ExportConstructs.Contract;

/// <summary>
/// The one Provider every export of a stack is served by, whatever its wait settings: the
/// construct builds it with these values, and the handler times its own deadlines against them.
/// Wait settings are data in each export's properties (<see cref="WaitProperties"/>), so changing
/// them never changes a ServiceToken (which CloudFormation refuses to update).
/// </summary>
internal static class ProviderSettings
{
    /// <summary>
    /// How often the framework calls isComplete. The handler describes an export only every
    /// PollInterval of its own; the calls in between answer at once without an AWS call.
    /// </summary>
    public const int QueryIntervalSeconds = 10;

    /// <summary>
    /// The framework's total timeout (57 minutes): inside CloudFormation's hour for a custom
    /// resource. Its FAILED answer does not call the handler, so the handler's own deadlines end
    /// every wait earlier (see <see cref="ShortPathLimitSeconds"/>).
    /// </summary>
    public const int TotalTimeoutSeconds = 3420;

    /// <summary>
    /// The longest wait inside the custom resource (55 minutes): the handler's deadline then comes
    /// at least two query intervals before the framework's, so the handler, not the framework,
    /// answers a wait that runs out, and stops what it started first. Longer waits take the long path.
    /// </summary>
    public const int ShortPathLimitSeconds = 3300;

    /// <summary>
    /// Polls one poller execution may make within Step Functions' 25,000-event history (about 9
    /// events each): it bounds a long wait's Timeout / PollInterval at synth, and how long a watcher
    /// of an export that does not wait follows it (2,500 PollIntervals).
    /// </summary>
    public const int MaxPolls = 2500;
}

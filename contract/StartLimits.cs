namespace ExportConstructs.Contract;

/// <summary>
/// Starts that AWS refuses for a limit that frees up once another export ends (aws-facts §7): at
/// most one export per AMI at a time and a few concurrent conversion tasks per region (EC2), an
/// account quota (AppStream). Such a start is queued, not failed: the handler tries it again at
/// every poll until the export's Timeout. AWS does not document which codes these refusals use, so
/// the list starts from the documented ones and every refusal is logged with its code, so that it can grow.
/// Everything else (a missing or unexportable image, a denied right) stays a failure.
/// </summary>
internal static class StartLimits
{
    /// <summary>The error codes that mean "wait and try again", by service.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlySet<string>> WaitAndRetryCodes = new Dictionary<string, IReadOnlySet<string>>
    {
        ["EC2"] = new HashSet<string>(StringComparer.Ordinal) { "ResourceLimitExceeded" },
        ["AppStream"] = new HashSet<string>(StringComparer.Ordinal) { "LimitExceededException" },
    };

    /// <summary>True when <paramref name="service"/>'s refusal <paramref name="code"/> frees up by waiting.</summary>
    public static bool Frees(string service, string? code) =>
        code is not null && WaitAndRetryCodes.TryGetValue(service, out var codes) && codes.Contains(code);

    /// <summary>
    /// The prefix of a queued export's physical id. A queued export has no task id yet; its id is
    /// this prefix and the digest of the request that queued it, which every later start attempt
    /// uses as its idempotency token and request tag, so the task it starts is found by that tag.
    /// </summary>
    public const string QueueIdPrefix = "queued-";

    /// <summary>The physical id of an export queued by the request with this fingerprint.</summary>
    public static string QueueId(string fingerprint) => QueueIdPrefix + fingerprint;

    /// <summary>True when <paramref name="id"/> is a queued export's id.</summary>
    public static bool IsQueueId(string? id) => id?.StartsWith(QueueIdPrefix, StringComparison.Ordinal) == true;

    /// <summary>The fingerprint of the request that queued the export with this id.</summary>
    public static string FingerprintOf(string queueId) => queueId[QueueIdPrefix.Length..];
}

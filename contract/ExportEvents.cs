using System.Security.Cryptography;
using System.Text;

namespace ExportConstructs.Contract;

/// <summary>
/// The event the handler puts on the account's default EventBridge bus when an export reaches a
/// final state, so that anyone can learn of it with a rule instead of watching the deploy. Rules
/// match on <see cref="Source"/> and a detail-type of <see cref="DetailTypes"/>; the body is an
/// <see cref="ExportEventDetail"/>.
/// </summary>
internal static class ExportEvents
{
    /// <summary>
    /// The event's <c>source</c>. Not <c>aws.…</c>: EventBridge refuses those sources to anyone but
    /// AWS. The handler's right to put events is conditioned on it (<c>events:source</c>).
    /// </summary>
    public const string Source = "exportconstructs";

    /// <summary>The version of <see cref="ExportEventDetail"/>'s shape; raised when a field changes meaning or goes away (adding one does not).</summary>
    public const int SchemaVersion = 1;

    /// <summary>The event's <c>detail-type</c> per final state: a rule can match one outcome without reading the detail.</summary>
    public static class DetailTypes
    {
        /// <summary>The export finished: its file or AMI exists.</summary>
        public const string Completed = "Export Completed";
        /// <summary>AWS ended the export without a result.</summary>
        public const string Failed = "Export Failed";
        /// <summary>The export outlasted its <c>Timeout</c> and the handler stopped waiting (and cancelled it where it can).</summary>
        public const string TimedOut = "Export Timed Out";
        /// <summary>A Delete ended the export while it ran.</summary>
        public const string Cancelled = "Export Cancelled";

        /// <summary>Every detail-type, for an IAM condition or a rule's pattern.</summary>
        public static readonly IReadOnlyList<string> All = [Completed, Failed, TimedOut, Cancelled];
    }

    /// <summary>
    /// Names of <see cref="ExportEventDetail"/>'s fields in the JSON, for what matches events by
    /// them (the constructs' rules, <c>OnExport…</c>): the detail's serialization uses the same
    /// constants, so a rename cannot leave a rule matching a field no event has.
    /// </summary>
    public static class DetailFields
    {
        /// <summary><see cref="ExportEventDetail.TaskId"/>.</summary>
        public const string TaskId = "taskId";
        /// <summary><see cref="ExportEventDetail.Attributes"/>.</summary>
        public const string Attributes = "attributes";
        /// <summary><see cref="ExportEventDetail.StackId"/>.</summary>
        public const string StackId = "stackId";
        /// <summary><see cref="ExportEventDetail.LogicalId"/>.</summary>
        public const string LogicalId = "logicalId";
    }

    /// <summary>Values of <see cref="ExportEventDetail.State"/>: the final states.</summary>
    public static class States
    {
        /// <summary>See <see cref="DetailTypes.Completed"/>.</summary>
        public const string Completed = "COMPLETED";
        /// <summary>See <see cref="DetailTypes.Failed"/>.</summary>
        public const string Failed = "FAILED";
        /// <summary>See <see cref="DetailTypes.TimedOut"/>.</summary>
        public const string TimedOut = "TIMED_OUT";
        /// <summary>See <see cref="DetailTypes.Cancelled"/>.</summary>
        public const string Cancelled = "CANCELLED";

        /// <summary>Every final state.</summary>
        public static readonly IReadOnlyList<string> All = [Completed, Failed, TimedOut, Cancelled];
    }

    /// <summary>Values of <see cref="ExportEventDetail.Kind"/>: the construct that made the export.</summary>
    public static class Kinds
    {
        /// <summary>An <c>ExportedVmImage</c>: an AMI exported to an S3 file.</summary>
        public const string ExportedVmImage = "ExportedVmImage";
        /// <summary>An <c>AppStreamAmiExport</c>: an AppStream image exported to an AMI.</summary>
        public const string AppStreamAmiExport = "AppStreamAmiExport";

        /// <summary>The kind of an export resource type (<see cref="ResourceTypes"/>), or null for another type.</summary>
        public static string? Of(string resourceType) => resourceType switch
        {
            ResourceTypes.ExportedVmImage or ResourceTypes.ExportedVmImageResult => ExportedVmImage,
            ResourceTypes.AppStreamAmiExport or ResourceTypes.AppStreamAmiExportResult => AppStreamAmiExport,
            _ => null,
        };
    }

    /// <summary>The detail-type of a final state.</summary>
    /// <exception cref="ArgumentException"><paramref name="state"/> is not one of <see cref="States"/>.</exception>
    public static string DetailTypeOf(string state) => state switch
    {
        States.Completed => DetailTypes.Completed,
        States.Failed => DetailTypes.Failed,
        States.TimedOut => DetailTypes.TimedOut,
        States.Cancelled => DetailTypes.Cancelled,
        _ => throw new ArgumentException($"'{state}' is not a final state; expected one of {string.Join(", ", States.All)}.", nameof(state)),
    };

    /// <summary>
    /// The event's id in its detail. PutEvents has no idempotency key, so a retried call, or a
    /// Lambda invocation repeated by the Provider framework, can put the same event twice; a
    /// consumer drops duplicates by this id. It depends only on what identifies the outcome — the
    /// stack, the resource, the export task and its final state — never on a time: 64 lower-case
    /// hex digits of SHA-256 over those four, each followed by a line feed.
    /// </summary>
    public static string EventIdOf(string stackId, string logicalId, string taskId, string state)
    {
        var input = $"{stackId}\n{logicalId}\n{taskId}\n{state}\n";
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(input))).ToLowerInvariant();
    }
}

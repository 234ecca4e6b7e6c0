using System.Text.Json;
using Amazon.EventBridge.Model;
using Amazon.Runtime.Internal;
using Amazon.ServiceClients.Internal;

namespace Amazon.EventBridge.Internal;

/// <summary>EventBridge on the wire (botocore events 2015-10-07) and its PutEvents operation.</summary>
internal static class EventBridgeService
{
    public static readonly JsonService Descriptor = new(
        ServiceId: AmazonEventBridgeConfig.EventBridgeServiceId,
        SdkServiceName: "Amazon.EventBridge",
        TargetPrefix: "AWSEvents",
        JsonVersion: "1.1",
        ApiVersion: "2015-10-07",
        EndpointPrefix: "events",
        SigningName: "events",
        Errors: (c, m, i, t, r, s) => c switch
        {
            "InternalException" => new InternalException(m, i, t, c, r, s),
            _ => new AmazonEventBridgeException(m, i, t, c, r, s),
        });

    public static readonly InvokeOptions PutEvents = Descriptor.Operation<PutEventsRequest, PutEventsResponse>(
        "PutEvents",
        (w, r) =>
        {
            w.WriteStartArray("Entries");
            foreach (var entry in r.Entries) WriteEntry(w, entry);
            w.WriteEndArray();
        },
        e => new PutEventsResponse
        {
            FailedEntryCount = e.TryGetProperty("FailedEntryCount", out var count) && count.ValueKind == JsonValueKind.Number ? count.GetInt32() : null,
            Entries = e.TryGetProperty("Entries", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(x => new PutEventsResultEntry
                {
                    EventId = String(x, "EventId"),
                    ErrorCode = String(x, "ErrorCode"),
                    ErrorMessage = String(x, "ErrorMessage"),
                }).ToList()
                : [],
        });

    private static void WriteEntry(Utf8JsonWriter w, PutEventsRequestEntry entry)
    {
        w.WriteStartObject();
        if (entry.Time is { } time) w.WriteNumber("Time", EpochSeconds(time));
        if (entry.Source is not null) w.WriteString("Source", entry.Source);
        if (entry.Resources.Count > 0)
        {
            w.WriteStartArray("Resources");
            foreach (var arn in entry.Resources) w.WriteStringValue(arn);
            w.WriteEndArray();
        }
        if (entry.DetailType is not null) w.WriteString("DetailType", entry.DetailType);
        if (entry.Detail is not null) w.WriteString("Detail", entry.Detail);
        if (entry.EventBusName is not null) w.WriteString("EventBusName", entry.EventBusName);
        w.WriteEndObject();
    }

    /// <summary>
    /// AWS JSON protocols send timestamps as epoch seconds, a number; milliseconds are kept as its
    /// fraction. A time of unspecified kind counts as UTC (the handler's clock gives UTC).
    /// </summary>
    private static double EpochSeconds(DateTime time)
    {
        var utc = time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc);
        return Math.Round((utc - DateTime.UnixEpoch).TotalMilliseconds) / 1000;
    }

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

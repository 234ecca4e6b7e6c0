using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ExportConstructs.Fakes.Iam;

namespace ExportConstructs.Fakes;

internal sealed partial class FakeAws
{
    /// <summary>Events put on any bus, in order (only entries EventBridge accepted).</summary>
    public List<FakeEvent> Events { get; } = [];

    private readonly Queue<(string Code, string Message)> _entryFailures = new();

    /// <summary>
    /// The next <paramref name="times"/> entries (across calls) fail alone: PutEvents still answers
    /// 200, with <c>FailedEntryCount</c> counting them and this code and message on each, as
    /// EventBridge does for <c>InternalFailure</c> or <c>ThrottlingException</c>.
    /// </summary>
    public void FailNextEntry(string code, string message, int times = 1)
    {
        lock (_gate)
            for (var i = 0; i < times; i++) _entryFailures.Enqueue((code, message));
    }

    private const int MaxEntries = 10;
    // "The total entry size must be less than 256KB" (PutEvents API reference); the fake counts
    // the UTF-8 bytes of Source, DetailType, Detail, Resources and 14 for a Time, as AWS's guide does.
    private const int MaxTotalEntrySize = 256 * 1024;

    private Reply EventBridge(RecordedRequest request, string target)
    {
        var operation = target["AWSEvents.".Length..];
        Calls.Add("EventBridge:" + operation);
        CheckEventBridgeProtocol(request, target);
        if (operation != "PutEvents") return EventBridgeError("UnknownOperationException", operation, 400);

        JsonArray entries;
        try
        {
            if (JsonNode.Parse(request.Body) is not JsonObject body) return EventBridgeError("SerializationException", "Expected a JSON object.", 400);
            if (body["Entries"] is not JsonArray list) return EventBridgeError("ValidationException", "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null", 400);
            entries = list;
        }
        catch (JsonException e) { return EventBridgeError("SerializationException", e.Message, 400); }
        // The whole call is refused when the list breaks its constraints, before anything is put.
        if (entries.Count is 0 or > MaxEntries)
            return EventBridgeError("ValidationException", $"1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length {(entries.Count == 0 ? "greater than or equal to 1" : "less than or equal to 10")}", 400);
        if (entries.Sum(e => EntrySize(e as JsonObject)) >= MaxTotalEntrySize)
            return EventBridgeError("ValidationException", "Total size of the entries in the request is over the limit.", 400);

        if (Refusal(request, entries.Select(e => PutEventsAuthorization(e as JsonObject))) is { } denial)
            return EventBridgeError("AccessDeniedException", denial.Message, 400);
        if (Injected("EventBridge:" + operation, out var injected)) return EventBridgeError(injected.Code, "Injected " + injected.Code, injected.Status);

        var results = new JsonArray();
        var failed = 0;
        foreach (var node in entries)
        {
            var (code, message) = EntryProblem(node as JsonObject);
            if (code is null && _entryFailures.TryDequeue(out var failure)) (code, message) = failure;
            if (code is not null)
            {
                failed++;
                results.Add(new JsonObject { ["ErrorCode"] = code, ["ErrorMessage"] = message });
                continue;
            }
            var entry = (JsonObject)node!;
            var id = $"{++_counter:x8}-0000-4000-8000-000000000000";
            Events.Add(new FakeEvent(
                id,
                BusArn(entry),
                entry["Source"]!.GetValue<string>(),
                entry["DetailType"]!.GetValue<string>(),
                entry["Detail"]!.GetValue<string>(),
                (entry["Resources"] as JsonArray)?.Select(r => r!.GetValue<string>()).ToList() ?? [],
                entry["Time"] is JsonValue t ? DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(t.GetValue<double>() * 1000)) : Clock.GetUtcNow()));
            results.Add(new JsonObject { ["EventId"] = id });
        }
        return new Reply(200, new JsonObject { ["FailedEntryCount"] = failed, ["Entries"] = results }.ToJsonString(), "application/x-amz-json-1.1");
    }

    /// <summary>
    /// Why EventBridge would fail this one entry (and put the others), or (null, null). The codes
    /// and messages are those AWS answers (PutEventsResultEntry; "Not authorized for the source."
    /// as seen for an <c>aws.</c> source).
    /// </summary>
    private static (string? Code, string? Message) EntryProblem(JsonObject? entry)
    {
        static string? Text(JsonObject? e, string name) => e?[name] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
        if (Text(entry, "Source") is not { } source) return ("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument.");
        if (Text(entry, "DetailType") is null) return ("InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument.");
        if (Text(entry, "Detail") is not { } detail) return ("InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument.");
        if (source.StartsWith("aws.", StringComparison.Ordinal)) return ("NotAuthorizedForSourceException", "Not authorized for the source.");
        try
        {
            if (JsonNode.Parse(detail) is not JsonObject) return ("MalformedDetail", "Detail is malformed.");
        }
        catch (JsonException) { return ("MalformedDetail", "Detail is malformed."); }
        return (null, null);
    }

    /// <summary>
    /// What EventBridge authorizes, from the Service Authorization Reference (list_eventbridge):
    /// each entry as <c>events:PutEvents</c> on its bus, with the entry's source and detail-type.
    /// <code>
    /// PutEvents  events:PutEvents  arn:aws:events:{region}:{account}:event-bus/{name}
    ///            events:source = Source, events:detail-type = DetailType,
    ///            events:eventBusInvocation = false (a direct call, not a bus-to-bus forward)
    /// </code>
    /// A refused entry refuses the whole call here (AccessDeniedException, nothing put). AWS also
    /// lists AccessDeniedException and NotAuthorizedFor{Source,DetailType}Exception as per-entry
    /// codes; which form an identity policy's condition produces is not documented.
    /// </summary>
    private static IamRequest PutEventsAuthorization(JsonObject? entry)
    {
        var context = new List<(string, string)> { ("events:eventBusInvocation", "false") };
        if (entry?["Source"] is JsonValue source && source.TryGetValue<string>(out var s)) context.Add(("events:source", s));
        if (entry?["DetailType"] is JsonValue type && type.TryGetValue<string>(out var t)) context.Add(("events:detail-type", t));
        return Ask("events:PutEvents", BusArn(entry), context);
    }

    /// <summary>The bus an entry names (a name or an ARN), the default bus when none.</summary>
    private static string BusArn(JsonObject? entry)
    {
        var bus = entry?["EventBusName"] is JsonValue v && v.TryGetValue<string>(out var name) && name.Length > 0 ? name : "default";
        return bus.StartsWith("arn:", StringComparison.Ordinal) ? bus : $"arn:aws:events:{Region}:{Account}:event-bus/{bus}";
    }

    private static int EntrySize(JsonObject? entry)
    {
        static int Bytes(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? Encoding.UTF8.GetByteCount(s) : 0;
        if (entry is null) return 0;
        return (entry["Time"] is null ? 0 : 14) + Bytes(entry["Source"]) + Bytes(entry["DetailType"]) + Bytes(entry["Detail"])
            + ((entry["Resources"] as JsonArray)?.Sum(Bytes) ?? 0);
    }

    private void CheckEventBridgeProtocol(RecordedRequest request, string target)
    {
        void Problem(string what) => ProtocolProblems.Add($"{target}: {what}");
        if (request.Method != "POST" || request.PathAndQuery != "/") Problem($"expected POST /, got {request.Method} {request.PathAndQuery}");
        if (request.Header("Content-Type") is not { } type || !type.StartsWith("application/x-amz-json-1.1", StringComparison.Ordinal)) Problem($"Content-Type is '{request.Header("Content-Type")}'");
        var scope = Regex.Match(request.Header("Authorization") ?? "", @"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9]+)/aws4_request, SignedHeaders=([^,]+)");
        if (!scope.Success) { Problem($"Authorization is not SigV4: '{request.Header("Authorization")}'"); return; }
        if (scope.Groups[1].Value != ExpectedSigningRegion) Problem($"signed for region {scope.Groups[1].Value}, expected {ExpectedSigningRegion}");
        if (scope.Groups[2].Value != "events") Problem($"signed for service {scope.Groups[2].Value}, expected events");
        if (!scope.Groups[3].Value.Split(';').Contains("x-amz-target")) Problem("header x-amz-target is not signed");
    }

    private static Reply EventBridgeError(string code, string message, int status) => new(status,
        new JsonObject { ["__type"] = code, ["message"] = message }.ToJsonString(), "application/x-amz-json-1.1");
}

using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Contract;

namespace ExportConstructs.Tests.Constructs;

/// <summary>
/// EventBridge's matching of an event against a rule's pattern, for the subset the export rules
/// use: every leaf an array of exact values (a field matches when its value, or one element of an
/// array value, equals one of them), objects matched field by field, a field missing from the
/// event never matching. Anything else (content filters such as <c>prefix</c>, a leaf that is not an
/// array, an intrinsic left unresolved) throws rather than answer, so a test cannot pass on a
/// pattern this matcher does not understand.
/// </summary>
internal static class EventPatterns
{
    /// <summary>A stack id for the <c>AWS::StackId</c> a synthesized pattern refers to.</summary>
    public const string StackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/TestStack/0a1b2c3d-0000-4000-8000-000000000001";

    /// <summary>Another stack's id, whose events a rule of this stack must not match.</summary>
    public const string OtherStackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/OtherStack/0a1b2c3d-0000-4000-8000-000000000002";

    /// <summary>Whether the event matches the pattern.</summary>
    public static bool Matches(JsonNode pattern, JsonNode evt)
    {
        if (pattern is not JsonObject fields) throw new NotSupportedException($"A pattern is an object: {pattern.ToJsonString()}");
        foreach (var (name, expected) in fields)
        {
            var actual = evt is JsonObject o ? o[name] : null;
            switch (expected)
            {
                case JsonObject nested:
                    if (actual is not JsonObject || !Matches(nested, actual)) return false;
                    break;
                case JsonArray values:
                    foreach (var v in values)
                        if (v is not JsonValue) throw new NotSupportedException($"Only exact values are understood here, not {v?.ToJsonString() ?? "null"} in '{name}'.");
                    var candidates = actual switch
                    {
                        JsonValue value => [value],
                        JsonArray array => array.OfType<JsonValue>().ToList(),
                        _ => new List<JsonValue>(),
                    };
                    if (!candidates.Any(c => values.Any(v => JsonNode.DeepEquals(v, c)))) return false;
                    break;
                default:
                    throw new NotSupportedException($"EventBridge takes arrays or objects in a pattern, not {expected?.ToJsonString() ?? "null"} in '{name}'.");
            }
        }
        return true;
    }

    /// <summary>
    /// A synthesized pattern with its <c>{"Ref": "AWS::StackId"}</c> (and any other given pseudo
    /// parameter) replaced by a value, as CloudFormation resolves it at deploy.
    /// </summary>
    public static JsonNode Resolve(JsonNode pattern, string stackId = StackId)
    {
        var refs = new Dictionary<string, string> { ["AWS::StackId"] = stackId };
        return Walk(pattern)!;

        JsonNode? Walk(JsonNode? node) => node switch
        {
            JsonObject { Count: 1 } r when r["Ref"] is JsonValue name =>
                JsonValue.Create(refs.TryGetValue(name.GetValue<string>(), out var value) ? value : throw new NotSupportedException($"Ref {name} is not resolved here.")),
            JsonObject o when o.Any(p => p.Key.StartsWith("Fn::", StringComparison.Ordinal)) => throw new NotSupportedException($"Intrinsic not resolved here: {o.ToJsonString()}"),
            JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Walk(p.Value)))),
            JsonArray a => new JsonArray([.. a.Select(Walk)]),
            _ => node?.DeepClone(),
        };
    }

    /// <summary>An event as the handler puts it: source, the detail-type of the detail's state, and the detail as the handler serializes it.</summary>
    public static JsonObject Event(ExportEventDetail detail) => new()
    {
        ["source"] = ExportEvents.Source,
        ["detail-type"] = ExportEvents.DetailTypeOf(detail.State),
        ["detail"] = JsonNode.Parse(JsonSerializer.Serialize(detail, ContractJsonContext.Default.ExportEventDetail)),
    };

    /// <summary>An event the fake EventBridge accepted, in the shape a rule sees.</summary>
    public static JsonObject Event(ExportConstructs.Fakes.FakeEvent e) => new()
    {
        ["source"] = e.Source,
        ["detail-type"] = e.DetailType,
        ["resources"] = new JsonArray([.. e.Resources.Select(r => (JsonNode?)JsonValue.Create(r))]),
        ["detail"] = JsonNode.Parse(e.Detail),
    };

    /// <summary>The event of one export's final state, built by the contract's own <see cref="ExportEventDetail.For"/>.</summary>
    public static JsonObject Event(string kind, string state, string logicalId, string taskId, string stackId = StackId, IReadOnlyDictionary<string, string>? attributes = null) =>
        Event(ExportEventDetail.For(kind, taskId, state, stackId, logicalId,
            new DateTime(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc), new DateTime(2026, 11, 29, 12, 47, 10, DateTimeKind.Utc), attributes,
            reason: state == ExportEvents.States.Completed ? null : "ended without a result"));
}

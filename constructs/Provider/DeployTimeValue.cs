using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;

namespace ExportConstructs;

/// <summary>
/// What a value names in the template once resolved: the resources whose attributes (Fn::GetAtt)
/// or physical ids (Ref) it reads. A right that names such a value depends on that resource; if
/// that resource itself needs the stack's handler (another export, or anything built on one), a
/// right in the handler's shared default policy closes a dependency cycle that CloudFormation
/// refuses and the CDK does not report (aws-facts §10). Parameters and pseudo parameters are
/// resolved before any resource is created and can never close one.
/// </summary>
internal sealed record DeployTimeValue(string Json, IReadOnlyList<(string LogicalId, string? Attribute)> References)
{
    /// <summary>True when the value reads a resource of the stack (not only parameters and pseudo parameters).</summary>
    public bool NamesAResource => References.Count > 0;

    /// <summary>
    /// Resolves <paramref name="value"/> in <paramref name="stack"/>. A literal names nothing;
    /// <paramref name="isParameter"/> tells a parameter's Ref from a resource's.
    /// </summary>
    public static DeployTimeValue Of(Stack stack, string value, Func<string, bool> isParameter)
    {
        if (!Props.IsToken(value)) return new DeployTimeValue(JsonSerializer.Serialize(value), []);
        var resolved = JsonSerializer.SerializeToNode(stack.Resolve(value));
        var references = new List<(string, string?)>();
        Collect(resolved, references, isParameter);
        return new DeployTimeValue(resolved?.ToJsonString() ?? "null", references);
    }

    private static void Collect(JsonNode? node, List<(string, string?)> into, Func<string, bool> isParameter)
    {
        switch (node)
        {
            case JsonObject o when o.Count == 1 && o["Ref"] is JsonValue r:
                var name = r.ToString();
                if (!name.StartsWith("AWS::", StringComparison.Ordinal) && !isParameter(name)) into.Add((name, null));
                break;
            case JsonObject o when o.Count == 1 && o["Fn::GetAtt"] is JsonArray { Count: 2 } a:
                into.Add((a[0]!.ToString(), a[1]!.ToString()));
                break;
            case JsonObject o:
                foreach (var (_, child) in o) Collect(child, into, isParameter);
                break;
            case JsonArray a:
                foreach (var child in a) Collect(child, into, isParameter);
                break;
        }
    }
}

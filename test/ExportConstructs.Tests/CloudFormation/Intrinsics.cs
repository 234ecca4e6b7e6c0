using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// Resolves CloudFormation's intrinsic functions the way the service does at deploy time, from
/// what is deployed: parameters and pseudo parameters, physical ids (Ref) and attributes (GetAtt).
/// A function this emulation does not know fails loudly, so a template it cannot read is noticed.
/// </summary>
internal sealed partial class Intrinsics(Func<string, string> reference, Func<string, string, JsonNode?> attribute, JsonElement? mappings = null)
{
    public JsonNode? Resolve(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
            {
                if (e.EnumerateObject().Count() == 1)
                {
                    var only = e.EnumerateObject().First();
                    switch (only.Name)
                    {
                        case "Ref": return reference(only.Value.GetString()!);
                        case "Fn::GetAtt":
                            var (id, name) = only.Value.ValueKind == JsonValueKind.Array
                                ? (only.Value[0].GetString()!, only.Value[1].GetString()!)
                                : (only.Value.GetString()!.Split('.', 2)[0], only.Value.GetString()!.Split('.', 2)[1]);
                            return attribute(id, name)?.DeepClone();
                        case "Fn::Join":
                            return string.Join(only.Value[0].GetString(), Items(only.Value[1]).Select(Text));
                        case "Fn::Sub": return Sub(only.Value);
                        case "Fn::Select":
                            return Items(only.Value[1]).ElementAt(int.Parse(Text(Resolve(only.Value[0]))))?.DeepClone();
                        case "Fn::Split":
                            return new JsonArray(Text(Resolve(only.Value[1])).Split(only.Value[0].GetString()!).Select(s => (JsonNode?)s).ToArray());
                        case "Fn::FindInMap":
                            var map = mappings ?? throw new NotSupportedException("Fn::FindInMap without Mappings");
                            return JsonNode.Parse(map.GetProperty(Text(Resolve(only.Value[0]))).GetProperty(Text(Resolve(only.Value[1]))).GetProperty(Text(Resolve(only.Value[2]))).GetRawText());
                    }
                    if (only.Name.StartsWith("Fn::", StringComparison.Ordinal) || only.Name == "Condition")
                        throw new NotSupportedException($"The emulation does not resolve {only.Name}.");
                }
                var obj = new JsonObject();
                foreach (var p in e.EnumerateObject()) obj[p.Name] = Resolve(p.Value);
                return obj;
            }
            case JsonValueKind.Array:
                return new JsonArray(e.EnumerateArray().Select(Resolve).ToArray());
            default:
                return JsonNode.Parse(e.GetRawText());
        }
    }

    private IEnumerable<JsonNode?> Items(JsonElement list) =>
        list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().Select(Resolve) : ((JsonArray)Resolve(list)!).Select(x => x?.DeepClone());

    private string Sub(JsonElement value)
    {
        var text = value.ValueKind == JsonValueKind.Array ? value[0].GetString()! : value.GetString()!;
        var variables = value.ValueKind == JsonValueKind.Array
            ? value[1].EnumerateObject().ToDictionary(p => p.Name, p => Text(Resolve(p.Value)))
            : [];
        return SubVariable().Replace(text, m =>
        {
            var name = m.Groups[1].Value;
            if (variables.TryGetValue(name, out var v)) return v;
            var dot = name.IndexOf('.');
            return dot < 0 ? reference(name) : Text(attribute(name[..dot], name[(dot + 1)..]));
        });
    }

    private static string Text(JsonNode? node) => node switch
    {
        null => throw new InvalidOperationException("A value resolved to nothing."),
        JsonValue v => v.ToString(),
        _ => node.ToJsonString(),
    };

    [GeneratedRegex(@"\$\{([^}!]+)\}")]
    private static partial Regex SubVariable();
}

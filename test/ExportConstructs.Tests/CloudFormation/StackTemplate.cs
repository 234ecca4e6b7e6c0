using System.Text.Json;
using System.Text.RegularExpressions;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>One resource of a template, as written (intrinsics unresolved).</summary>
internal sealed record TemplateResource(string LogicalId, string Type, JsonElement Properties, IReadOnlyList<string> DependsOn, JsonElement? CreationPolicy);

/// <summary>
/// A synthesized template as CloudFormation reads it: resources, their dependencies (DependsOn,
/// Ref, Fn::GetAtt, Fn::Sub) and an order to create them in.
/// </summary>
internal sealed partial class StackTemplate
{
    private readonly Dictionary<string, TemplateResource> _resources = new(StringComparer.Ordinal);

    public StackTemplate(JsonElement json)
    {
        Json = json.Clone();
        foreach (var r in Json.GetProperty("Resources").EnumerateObject())
        {
            var properties = r.Value.TryGetProperty("Properties", out var p) ? p : JsonDocument.Parse("{}").RootElement;
            var dependsOn = r.Value.TryGetProperty("DependsOn", out var d)
                ? (d.ValueKind == JsonValueKind.Array ? d.EnumerateArray().Select(x => x.GetString()!).ToList() : [d.GetString()!])
                : new List<string>();
            var creation = r.Value.TryGetProperty("CreationPolicy", out var c) ? c : (JsonElement?)null;
            _resources[r.Name] = new TemplateResource(r.Name, r.Value.GetProperty("Type").GetString()!, properties, dependsOn, creation);
        }
        Order = TopologicalOrder();
    }

    /// <summary>The template JSON.</summary>
    public JsonElement Json { get; }

    /// <summary>Resources in template order.</summary>
    public IEnumerable<TemplateResource> Resources => _resources.Values;

    /// <summary>A resource by logical id, or null.</summary>
    public TemplateResource? this[string logicalId] => _resources.GetValueOrDefault(logicalId);

    /// <summary>An order in which every resource comes after all it depends on (template order among equals).</summary>
    public IReadOnlyList<string> Order { get; }

    /// <summary>The logical ids of the resources of this type.</summary>
    public IEnumerable<string> OfType(string type) => _resources.Values.Where(r => r.Type == type).Select(r => r.LogicalId);

    /// <summary>The default of each parameter.</summary>
    public Dictionary<string, string> ParameterDefaults() =>
        Json.TryGetProperty("Parameters", out var ps)
            ? ps.EnumerateObject().Where(p => p.Value.TryGetProperty("Default", out _)).ToDictionary(p => p.Name, p => p.Value.GetProperty("Default").ToString())
            : [];

    /// <summary>What a resource depends on: DependsOn and every resource its properties name.</summary>
    public IReadOnlySet<string> Dependencies(string logicalId)
    {
        var resource = _resources[logicalId];
        var found = new HashSet<string>(resource.DependsOn, StringComparer.Ordinal);
        Collect(resource.Properties, found);
        if (resource.CreationPolicy is { } c) Collect(c, found);
        found.IntersectWith(_resources.Keys);
        return found;
    }

    private void Collect(JsonElement e, HashSet<string> found)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    if (p.Name == "Ref" && p.Value.ValueKind == JsonValueKind.String) found.Add(p.Value.GetString()!);
                    else if (p.Name == "Fn::GetAtt")
                        found.Add(p.Value.ValueKind == JsonValueKind.Array ? p.Value[0].GetString()! : p.Value.GetString()!.Split('.')[0]);
                    else if (p.Name == "Fn::Sub")
                    {
                        var text = p.Value.ValueKind == JsonValueKind.Array ? p.Value[0].GetString()! : p.Value.GetString()!;
                        foreach (Match m in SubVariable().Matches(text)) found.Add(m.Groups[1].Value.Split('.')[0]);
                        if (p.Value.ValueKind == JsonValueKind.Array) Collect(p.Value[1], found);
                    }
                    else Collect(p.Value, found);
                }
                break;
            case JsonValueKind.Array:
                foreach (var x in e.EnumerateArray()) Collect(x, found);
                break;
        }
    }

    private List<string> TopologicalOrder()
    {
        var order = new List<string>();
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 visiting, 2 done
        void Visit(string id, Stack<string> path)
        {
            if (state.GetValueOrDefault(id) == 2) return;
            if (state.GetValueOrDefault(id) == 1)
                throw new InvalidOperationException("Circular dependency between resources: " + string.Join(" -> ", path.Reverse().SkipWhile(x => x != id).Append(id)));
            state[id] = 1;
            path.Push(id);
            foreach (var dep in Dependencies(id).OrderBy(d => d, StringComparer.Ordinal)) Visit(dep, path);
            path.Pop();
            state[id] = 2;
            order.Add(id);
        }
        foreach (var id in _resources.Keys) Visit(id, new Stack<string>());
        return order;
    }

    [GeneratedRegex(@"\$\{([^}!]+)\}")]
    private static partial Regex SubVariable();
}

using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ExportConstructs.Contract;

/// <summary>
/// Turns a contract object into the plain map a CloudFormation resource's properties are made
/// of, through the same JSON names the handler reads: the names cannot drift apart.
/// </summary>
internal static class PropertyMap
{
    /// <summary>Serializes <paramref name="value"/> and converts it into nested dictionaries, lists and strings.</summary>
    public static Dictionary<string, object> From<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        using var document = JsonSerializer.SerializeToDocument(value, typeInfo);
        return (Dictionary<string, object>)Convert(document.RootElement)!;
    }

    private static object? Convert(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => Convert(p.Value)!),
        JsonValueKind.Array => element.EnumerateArray().Select(Convert).ToArray(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Null => null,
        _ => element.GetRawText(),
    };
}

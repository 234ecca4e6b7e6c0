using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ExportConstructs.Tests.Constructs;

namespace ExportConstructs.Tests.Lifecycle;

/// <summary>
/// A synthesized template as CloudFormation would deploy it, as far as custom resources need:
/// resource properties with Ref, Fn::GetAtt and Fn::Join resolved to made-up physical values, and
/// the Provider settings (isComplete interval and attempts) behind each service token.
/// </summary>
internal sealed class DeployedTemplate(Synthesized synthesized, IReadOnlyDictionary<string, string>? parameters = null)
{
    private JsonElement Resources => synthesized.Resources;

    /// <summary>Logical id of the only resource of this type.</summary>
    public string LogicalIdOf(string type) => Assert.Single(synthesized.OfType(type)).Id;

    /// <summary>The resource's properties, resolved, less the ServiceToken (CloudFormation keeps that to itself).</summary>
    public JsonElement Properties(string logicalId)
    {
        var properties = Resolve(Resources.GetProperty(logicalId).GetProperty("Properties"))!.AsObject();
        properties.Remove("ServiceToken");
        return JsonSerializer.SerializeToElement(properties);
    }

    /// <summary>(interval seconds, attempts) of the Provider waiter behind a custom resource's service token.</summary>
    public (int IntervalSeconds, int MaxAttempts) ProviderSettings(string logicalId)
    {
        var token = Resources.GetProperty(logicalId).GetProperty("Properties").GetProperty("ServiceToken").GetProperty("Fn::GetAtt")[0].GetString()!;
        var env = Resources.GetProperty(token).GetProperty("Properties").GetProperty("Environment").GetProperty("Variables");
        var machine = env.GetProperty("WAITER_STATE_MACHINE_ARN").GetProperty("Ref").GetString()!;
        var definition = Resources.GetProperty(machine).GetProperty("Properties").GetProperty("DefinitionString").GetRawText();
        var m = Regex.Match(definition, @"IntervalSeconds\\"":(\d+),\\""MaxAttempts\\"":(\d+),\\""BackoffRate\\"":1");
        Assert.True(m.Success, "no waiter retry policy in " + machine);
        return (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value));
    }

    /// <summary>The handler strings of the functions the framework behind this resource invokes (onEvent, isComplete).</summary>
    public (string OnEvent, string IsComplete) HandlerStrings(string logicalId)
    {
        var framework = Resources.GetProperty(logicalId).GetProperty("Properties").GetProperty("ServiceToken").GetProperty("Fn::GetAtt")[0].GetString()!;
        var env = Resources.GetProperty(framework).GetProperty("Properties").GetProperty("Environment").GetProperty("Variables");
        string HandlerOf(string variable) =>
            Resources.GetProperty(env.GetProperty(variable).GetProperty("Fn::GetAtt")[0].GetString()!).GetProperty("Properties").GetProperty("Handler").GetString()!;
        return (HandlerOf("USER_ON_EVENT_FUNCTION_ARN"), HandlerOf("USER_IS_COMPLETE_FUNCTION_ARN"));
    }

    private JsonNode? Resolve(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            if (e.TryGetProperty("Ref", out var r)) return Ref(r.GetString()!);
            if (e.TryGetProperty("Fn::GetAtt", out var g)) return $"arn:aws:iam::123456789012:role/{g[0].GetString()}";
            if (e.TryGetProperty("Fn::Join", out var j))
                return string.Join(j[0].GetString(), j[1].EnumerateArray().Select(x => Resolve(x)!.GetValue<string>()));
            var obj = new JsonObject();
            foreach (var p in e.EnumerateObject()) obj[p.Name] = Resolve(p.Value);
            return obj;
        }
        if (e.ValueKind == JsonValueKind.Array) return new JsonArray(e.EnumerateArray().Select(Resolve).ToArray());
        return JsonNode.Parse(e.GetRawText());
    }

    private string Ref(string name) => name switch
    {
        "AWS::Partition" => "aws",
        "AWS::Region" => "us-east-1",
        "AWS::AccountId" => "123456789012",
        _ when parameters?.TryGetValue(name, out var value) == true => value,
        _ when synthesized.Json.TryGetProperty("Parameters", out var ps) && ps.TryGetProperty(name, out var p) => p.GetProperty("Default").GetString()!,
        // A physical name that passes the rules a bucket or role name must meet.
        _ => "physical-" + name.ToLowerInvariant()[..Math.Min(name.Length, 40)],
    };
}

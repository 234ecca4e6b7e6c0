using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.Assertions;

namespace ExportConstructs.Tests.Constructs;

/// <summary>All tests that drive the CDK through jsii run in this collection, one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CdkCollection
{
    public const string Name = "CDK (jsii)";
}

/// <summary>JSON helpers for template assertions.</summary>
internal static class JsonText
{
    /// <summary>The element as compact JSON, whatever the template file's indentation.</summary>
    public static string Compact(this JsonElement e) => JsonSerializer.Serialize(e);
}

/// <summary>A synthesized stack: the assertions Template and the raw template JSON.</summary>
internal sealed record Synthesized(Template Template, JsonElement Json)
{
    public JsonElement Resources => Json.GetProperty("Resources");

    /// <summary>The cloud assembly directory (the app's outdir), where the stack's assets are staged.</summary>
    public string AssemblyDirectory { get; init; } = "";

    /// <summary>(logical id, resource) of every resource of this type.</summary>
    public IEnumerable<(string Id, JsonElement Resource)> OfType(string type) =>
        Resources.EnumerateObject().Where(r => r.Value.GetProperty("Type").GetString() == type).Select(r => (r.Name, r.Value));

    /// <summary>Every IAM policy statement in the template (policies and inline role policies).</summary>
    public IEnumerable<JsonElement> Statements() =>
        Resources.EnumerateObject().SelectMany(r => Descendants(r.Value))
            .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("Statement", out _))
            .SelectMany(d => d.GetProperty("Statement").EnumerateArray());

    /// <summary>Statements that allow this action.</summary>
    public List<JsonElement> StatementsFor(string action) =>
        Statements().Where(s => Strings(s.GetProperty("Action")).Contains(action)).ToList();

    public static IEnumerable<string> Strings(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().Select(x => x.ToString()) : [e.ToString()];

    private static IEnumerable<JsonElement> Descendants(JsonElement e)
    {
        yield return e;
        var children = e.ValueKind switch
        {
            JsonValueKind.Object => e.EnumerateObject().Select(p => p.Value),
            JsonValueKind.Array => e.EnumerateArray(),
            _ => [],
        };
        foreach (var child in children)
            foreach (var d in Descendants(child)) yield return d;
    }

    /// <summary>Synthesizes the stack's app and reads the stack's template.</summary>
    public static Synthesized Of(Stack stack)
    {
        var template = Template.FromStack(stack);
        var app = (App)stack.Node.Root;
        var assembly = app.Synth();
        var json = JsonDocument.Parse(File.ReadAllText(assembly.GetStackByName(stack.StackName).TemplateFullPath)).RootElement.Clone();
        // Every stack the tests synthesize must be one CloudFormation accepts: the CDK does not look for
        // dependency cycles inside a stack, so a shared grant that closes one fails here, loop printed.
        _ = new CloudFormation.StackTemplate(json);
        return new Synthesized(template, json) { AssemblyDirectory = assembly.Directory };
    }

    /// <summary>A fresh, environment-agnostic stack in its own app.</summary>
    public static Stack NewStack(string name = "TestStack") => new(new App(new AppProps { Outdir = Directory.CreateTempSubdirectory("cdk-test-").FullName }), name);
}

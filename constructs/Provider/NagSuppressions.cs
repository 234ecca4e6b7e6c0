using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Constructs;

namespace ExportConstructs;

/// <summary>
/// cdk-nag suppressions of the findings these constructs cannot avoid, written as the resource's
/// template metadata <c>cdk_nag: { rules_to_suppress: [ { id, reason, applies_to } ] }</c>, which
/// needs no cdk-nag package here (cdk-nag v2 reads it; v3 writes acknowledgments in that format,
/// and <c>.ci/nag.js</c> reads it back into them). Every entry names its reason; an IAM4/IAM5 entry
/// names the exact findings it accepts (<see cref="Resource"/>, <see cref="ManagedPolicy"/>), never the whole rule.
/// </summary>
internal sealed class NagSuppressions
{
    /// <summary>The metadata key cdk-nag reads.</summary>
    public const string MetadataKey = "cdk_nag";

    private readonly Dictionary<string, (CfnResource Resource, List<(string Id, string Reason, List<string> AppliesTo)> Rules)> _byPath = [];

    /// <summary>
    /// Suppresses <paramref name="ruleId"/> on <paramref name="resource"/> (a CfnResource, or a
    /// construct whose default child is one), limited to <paramref name="appliesTo"/> when given.
    /// Entries of one rule with the same reason share one <c>applies_to</c>.
    /// </summary>
    public void Add(IConstruct resource, string ruleId, string reason, params string[] appliesTo)
    {
        var cfn = resource as CfnResource ?? resource.Node.DefaultChild as CfnResource
            ?? throw Messages.NotACfnResource(resource.Node.Path);
        if (!_byPath.TryGetValue(cfn.Node.Path, out var entry))
            _byPath[cfn.Node.Path] = entry = (cfn, []);
        var rule = entry.Rules.FirstOrDefault(r => r.Id == ruleId && r.Reason == reason && (r.AppliesTo.Count > 0) == (appliesTo.Length > 0));
        if (rule.Id is null)
        {
            rule = (ruleId, reason, []);
            entry.Rules.Add(rule);
        }
        foreach (var finding in appliesTo)
            if (!rule.AppliesTo.Contains(finding)) rule.AppliesTo.Add(finding);
        cfn.AddMetadata(MetadataKey, new Dictionary<string, object>
        {
            ["rules_to_suppress"] = entry.Rules.Select(r =>
            {
                var written = new Dictionary<string, object> { ["id"] = r.Id, ["reason"] = r.Reason };
                if (r.AppliesTo.Count > 0) written["applies_to"] = r.AppliesTo.Cast<object>().ToArray();
                return (object)written;
            }).ToArray(),
        });
    }

    /// <summary>cdk-nag's IAM5 finding for a policy statement resource: <c>Resource::</c> and the ARN as cdk-nag flattens it.</summary>
    public static string Resource(Stack stack, string arn) => "Resource::" + Flatten(stack, arn);

    /// <summary>cdk-nag's IAM4 finding for a managed policy attached to a role.</summary>
    public static string ManagedPolicy(Stack stack, string policyArn) => "Policy::" + Flatten(stack, policyArn);

    /// <summary>
    /// The value as cdk-nag writes it in a finding: the CloudFormation form of its tokens, with
    /// <c>Fn::Join</c> joined, <c>Ref</c> as <c>&lt;LogicalId&gt;</c>, <c>Fn::GetAtt</c> as
    /// <c>&lt;LogicalId.Attribute&gt;</c> and <c>${x}</c> of <c>Fn::Sub</c> as <c>&lt;x&gt;</c>
    /// (cdk-nag's flattenCfnReference).
    /// </summary>
    public static string Flatten(Stack stack, string value) =>
        Token.IsUnresolved(value) ? Flatten(JsonSerializer.SerializeToNode(stack.Resolve(value))) : Flatten(JsonValue.Create(value));

    /// <summary>A value already in its CloudFormation form, flattened as cdk-nag does.</summary>
    public static string Flatten(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return "";
            case JsonValue v when v.TryGetValue<string>(out var text):
                return text.Replace("${", "<").Replace("}", ">");
            case JsonObject o when o["Fn::Join"] is JsonArray join:
                return string.Join(join[0]!.GetValue<string>(), join[1]!.AsArray().Select(Flatten));
            case JsonObject o when o["Fn::Sub"] is { } sub:
                return sub is JsonValue ? Flatten(sub) : sub.ToJsonString();
            case JsonObject o when o["Fn::GetAtt"] is JsonArray getAtt:
                return $"<{Flatten(getAtt[0])}.{Flatten(getAtt[1])}>";
            case JsonObject o when o["Fn::ImportValue"] is { } import:
                return Flatten(import);
            case JsonObject o when o["Ref"] is { } reference:
                return $"<{Flatten(reference)}>";
            default:
                return node.ToJsonString();
        }
    }
}

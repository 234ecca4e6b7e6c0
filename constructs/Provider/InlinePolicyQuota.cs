using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace ExportConstructs;

/// <summary>
/// Checks at synth that the handler role's inline policies fit IAM's quota: one role's inline
/// policies share 10,240 characters (aws-facts §10), counted on the documents without whitespace.
/// Deploy-time values are counted at a generous length (an ARN of a generated name, a full stack
/// id), so the estimate errs high; a stack over it would fail at deploy with "Maximum policy size
/// exceeded" after part of it was created.
/// </summary>
internal sealed class InlinePolicyQuota(ExportProvider provider, Func<IEnumerable<Policy>> policies) : DeputyBase, IValidation
{
    /// <summary>IAM's quota on the aggregate size of one role's inline policies.</summary>
    public const int Characters = 10_240;

    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string[] Validate()
    {
        var stack = Stack.Of(provider);
        var sizes = policies().Select(p => (Id: p.Node.Id, Size: Size(stack, p))).ToList();
        var total = sizes.Sum(s => s.Size);
        if (total <= Characters) return [];
        var grants = sizes.Where(s => s.Id.StartsWith(ExportProvider.GrantsPrefix, StringComparison.Ordinal)).ToList();
        return [Messages.InlinePolicyQuota(provider.Node.Path, total, Characters, grants.Count, grants.Sum(g => g.Size))];
    }

    private static int Size(Stack stack, Policy policy)
    {
        var document = JsonSerializer.SerializeToNode(stack.Resolve(policy.Document));
        return Estimate(document, stack.StackName.Length)?.ToJsonString(Compact).Length ?? 0;
    }

    /// <summary>The document with each intrinsic function replaced by a string of the length it may take.</summary>
    private static JsonNode? Estimate(JsonNode? node, int stackName) => node switch
    {
        JsonObject o when o.Count == 1 && o.First() is var (name, value) && (name == "Ref" || name.StartsWith("Fn::", StringComparison.Ordinal))
            => JsonValue.Create(new string('x', Length(name, value, stackName))),
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Estimate(p.Value, stackName)))),
        JsonArray a => new JsonArray([.. a.Select(x => Estimate(x, stackName))]),
        _ => node?.DeepClone(),
    };

    private static int Length(string function, JsonNode? argument, int stackName) => (function, argument) switch
    {
        ("Ref", JsonValue v) => v.ToString() switch
        {
            "AWS::Partition" => 10,       // aws-us-gov
            "AWS::Region" => 14,          // ap-southeast-4
            "AWS::AccountId" => 12,
            "AWS::URLSuffix" => 16,
            "AWS::StackId" => 66 + stackName + 37, // arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<uuid>
            "AWS::StackName" => stackName,
            _ => 128,                     // a physical id: generated names are at most 64 (roles) or 63 (buckets) characters
        },
        ("Fn::Join", JsonArray { Count: 2 } a) when a[1] is JsonArray parts =>
            parts.Sum(p => p is JsonValue s && s.TryGetValue<string>(out var text) ? text.Length : Length(p, stackName)) + (a[0]?.ToString().Length ?? 0) * Math.Max(0, parts.Count - 1),
        ("Fn::GetAtt", JsonArray { Count: 2 } a) => a[1]?.ToString() switch
        {
            Contract.AppStreamAmiExportAttributeNames.AmiId => 21, // ami- and 17 hex digits
            "Arn" => 110,                 // e.g. arn:aws-us-gov:iam::<account>:role/<64 characters>
            _ => 128,
        },
        _ => 128,
    };

    private static int Length(JsonNode? node, int stackName) => node is JsonObject o && o.Count == 1 && o.First() is var (name, value) ? Length(name, value, stackName) : 128;
}

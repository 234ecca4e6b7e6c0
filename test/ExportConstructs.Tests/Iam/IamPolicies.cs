using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Fakes.Iam;

namespace ExportConstructs.Tests.Iam;

/// <summary>
/// The arrange steps of the IAM evaluator tests: a policy from its statements, an Allow statement
/// with one condition, a request with its context, and the decision on it.
/// </summary>
internal static class IamPolicies
{
    public const string TaskArn = "arn:aws:ec2:us-east-1:123456789012:export-image-task/export-ami-0123456789abcdef0";
    public const string StackTag = "aws:ResourceTag/exportconstructs:stack";

    public static JsonElement Policy(string statements) => JsonDocument.Parse("""{"Version":"2012-10-17","Statement":""" + statements + "}").RootElement.Clone();

    /// <summary>An Allow statement with one condition; <paramref name="valueJson"/> is the condition value as JSON.</summary>
    public static string AllowIf(string action, string op, string key, string valueJson, string resource = "*") => new JsonObject
    {
        ["Effect"] = "Allow",
        ["Action"] = action,
        ["Resource"] = resource,
        ["Condition"] = new JsonObject { [op] = new JsonObject { [key] = JsonNode.Parse(valueJson) } },
    }.ToJsonString();

    public static string Quoted(string value) => JsonSerializer.Serialize(value);

    public static IamRequest Request(string action, string resource, params (string Key, string[] Values)[] context) =>
        new(action, resource, context.ToDictionary(c => c.Key, c => (IReadOnlyList<string>)c.Values));

    public static IamDecision Decide(string statements, IamRequest request) => IamEvaluator.Evaluate([Policy(statements)], request);
}

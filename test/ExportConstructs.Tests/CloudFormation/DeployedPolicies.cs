using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Fakes.Iam;
using ExportConstructs.Fakes.ProviderFramework;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// Decides each call the fake AWS receives by the IAM policies deployed at that moment: the
/// caller's role (from the access key its Lambda function signs with) and every inline policy,
/// <c>AWS::IAM::Policy</c> and customer managed policy attached to it. A right that a template
/// update removed, or that a cleanup-phase Delete still needs, is decided as AWS would decide it.
/// The framework's own functions (CDK's code and CDK's policies) are not what these tests judge.
/// </summary>
internal sealed class DeployedPolicies(CloudFormationEmulator cfn) : IAuthorizer
{
    public IamDecision Authorize(string principal, IamRequest request)
    {
        if (principal == FrameworkHost.AccessKeyId) return IamEvaluator.Evaluate([Allow()], request);
        var role = principal.StartsWith(LambdaService.AccessKeyPrefix, StringComparison.Ordinal) ? principal[LambdaService.AccessKeyPrefix.Length..] : null;
        return IamEvaluator.Evaluate(role is null ? [] : Documents(role), request);
    }

    /// <summary>Every policy document attached to the role, as deployed now.</summary>
    public IEnumerable<JsonElement> Documents(string roleName)
    {
        var deployed = cfn.Resources.Values.ToList();
        foreach (var r in deployed)
        {
            var p = r.Properties;
            switch (r.Type)
            {
                case "AWS::IAM::Role" when r.PhysicalId == roleName:
                    foreach (var inline in p["Policies"]?.AsArray() ?? []) yield return Element(inline!["PolicyDocument"]);
                    foreach (var arn in p["ManagedPolicyArns"]?.AsArray() ?? [])
                        if (deployed.FirstOrDefault(m => m.Type == "AWS::IAM::ManagedPolicy" && m.PhysicalId == arn!.ToString()) is { } managed)
                            yield return Element(managed.Properties["PolicyDocument"]);
                    break;
                case "AWS::IAM::Policy" or "AWS::IAM::ManagedPolicy" when (p["Roles"]?.AsArray() ?? []).Any(x => x?.ToString() == roleName):
                    yield return Element(p["PolicyDocument"]);
                    break;
            }
        }
    }

    private static JsonElement Element(JsonNode? node) => JsonSerializer.SerializeToElement(node);

    private static JsonElement Allow() => JsonDocument.Parse("""{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""").RootElement;
}

using System.Text.Json;

namespace ExportConstructs.Fakes.Iam;

/// <summary>
/// An <see cref="IAuthorizer"/> holding the identity policies of each principal (access key id),
/// decided by <see cref="IamEvaluator"/>. A principal with no policies is denied everything, as a
/// role without policies is.
/// </summary>
internal sealed class PolicyAuthorizer : IAuthorizer
{
    private readonly Dictionary<string, List<JsonElement>> _policies = [];

    /// <summary>Attaches a policy document (JSON text) to <paramref name="principal"/>.</summary>
    public PolicyAuthorizer Attach(string principal, string policyJson)
    {
        using var parsed = JsonDocument.Parse(policyJson);
        if (!_policies.TryGetValue(principal, out var list)) _policies[principal] = list = [];
        list.Add(parsed.RootElement.Clone());
        return this;
    }

    /// <inheritdoc />
    public IamDecision Authorize(string principal, IamRequest request) =>
        IamEvaluator.Evaluate(_policies.TryGetValue(principal, out var list) ? list : [], request);
}

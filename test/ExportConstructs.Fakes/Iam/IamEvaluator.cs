using System.Text.Json;

namespace ExportConstructs.Fakes.Iam;

/// <summary>
/// Identity-policy evaluation as IAM does it within one account: an explicit Deny wins, else any
/// Allow allows, else the request is implicitly denied. Enough of IAM for tests to notice a missing
/// or mis-scoped right of the handler's role before AWS does. Not modelled: resource policies,
/// permission boundaries, SCPs, session policies and policy variables (<c>${aws:username}</c>).
/// </summary>
internal static class IamEvaluator
{
    /// <summary>
    /// Decides <paramref name="request"/> under <paramref name="policyDocuments"/>, each a policy
    /// document (<c>{"Version": ..., "Statement": [...]}</c>, Statement an object or an array).
    /// </summary>
    public static IamDecision Evaluate(IEnumerable<JsonElement> policyDocuments, IamRequest request)
    {
        string? allowedBy = null;
        var nearMisses = new List<string>();
        var documentIndex = 0;
        foreach (var document in policyDocuments)
        {
            documentIndex++;
            var statementIndex = 0;
            foreach (var statement in Statements(document))
            {
                statementIndex++;
                var name = statement.TryGetProperty("Sid", out var sid) && sid.GetString() is { Length: > 0 } s
                    ? $"statement '{s}'" : $"statement {statementIndex} of policy {documentIndex}";
                if (!MatchesAction(statement, request.Action) || !MatchesResource(statement, request.Resource)) continue;
                var failure = statement.TryGetProperty("Condition", out var condition) ? ConditionBlock.FirstFailure(condition, request) : null;
                var effect = statement.GetProperty("Effect").GetString();
                if (failure is not null)
                {
                    if (effect == "Allow") nearMisses.Add($"{name} would allow it but its condition {failure}");
                    continue;
                }
                if (effect == "Deny") return new IamDecision(false, $"Denied {request}: explicitly denied by {name}.");
                if (effect != "Allow") throw new ArgumentException($"{name}: Effect must be Allow or Deny, not '{effect}'.");
                allowedBy ??= name;
            }
        }
        if (allowedBy is not null) return new IamDecision(true, $"Allowed {request} by {allowedBy}.");
        var near = nearMisses.Count == 0 ? "" : " " + string.Join("; ", nearMisses) + ".";
        return new IamDecision(false, $"Denied {request}: no statement allows it.{near}");
    }

    private static IEnumerable<JsonElement> Statements(JsonElement document)
    {
        var statement = document.GetProperty("Statement");
        return statement.ValueKind == JsonValueKind.Array ? statement.EnumerateArray() : [statement];
    }

    private static bool MatchesAction(JsonElement statement, string action)
    {
        if (statement.TryGetProperty("Action", out var listed)) return Strings(listed).Any(p => Wildcard.IsMatch(p, action, ignoreCase: true));
        if (statement.TryGetProperty("NotAction", out var excluded)) return !Strings(excluded).Any(p => Wildcard.IsMatch(p, action, ignoreCase: true));
        throw new ArgumentException($"A statement needs Action or NotAction: {statement.GetRawText()}");
    }

    private static bool MatchesResource(JsonElement statement, string resource)
    {
        if (statement.TryGetProperty("Resource", out var listed)) return Strings(listed).Any(p => Wildcard.IsMatch(p, resource));
        if (statement.TryGetProperty("NotResource", out var excluded)) return !Strings(excluded).Any(p => Wildcard.IsMatch(p, resource));
        throw new ArgumentException($"An identity-policy statement needs Resource or NotResource: {statement.GetRawText()}");
    }

    private static IEnumerable<string> Strings(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().Select(e => e.GetString()!) : [value.GetString()!];
}

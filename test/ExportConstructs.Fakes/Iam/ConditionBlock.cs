using System.Globalization;
using System.Text.Json;

namespace ExportConstructs.Fakes.Iam;

/// <summary>
/// Evaluates a statement's <c>Condition</c> element against a request, IAM's way: every operator
/// must hold (AND), within an operator every key must hold (AND), and a key holds when any of its
/// policy values matches (OR). A key the action does not support (<see cref="ConditionKeySupport"/>)
/// is absent, whatever the request carried.
/// </summary>
internal static class ConditionBlock
{
    /// <summary>Null when the whole block holds; otherwise the first part that failed, for the explanation.</summary>
    public static string? FirstFailure(JsonElement condition, IamRequest request)
    {
        var context = new Dictionary<string, IReadOnlyList<string>>(request.Context, StringComparer.OrdinalIgnoreCase);
        foreach (var op in condition.EnumerateObject())
        {
            var parsed = Parse(op.Name);
            foreach (var key in op.Value.EnumerateObject())
            {
                var supported = ConditionKeySupport.Supports(request.Action, request.Resource, key.Name);
                IReadOnlyList<string>? present = supported && context.TryGetValue(key.Name, out var v) ? v : null;
                var wanted = Values(key.Value);
                if (!Holds(parsed, present, wanted))
                {
                    var why = !supported ? $" ({request.Action} does not support {key.Name}, so it is absent)"
                        : present is null ? " (key absent)" : $" (request has [{string.Join(", ", present)}])";
                    return $"{op.Name} {key.Name} [{string.Join(", ", wanted)}] failed{why}";
                }
            }
        }
        return null;
    }

    private sealed record Operator(string Name, string Base, bool Negated, bool IfExists, string? Set);

    private static Operator Parse(string name)
    {
        string? set = null;
        var rest = name;
        foreach (var prefix in new[] { "ForAnyValue:", "ForAllValues:" })
            if (rest.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) { set = prefix[..^1]; rest = rest[prefix.Length..]; }
        var ifExists = rest.EndsWith("IfExists", StringComparison.Ordinal) && rest != "IfExists";
        if (ifExists) rest = rest[..^"IfExists".Length];
        var (baseName, negated) = rest switch
        {
            "StringEquals" or "StringEqualsIgnoreCase" or "StringLike" or "ArnEquals" or "ArnLike" or "Bool"
                or "NumericEquals" or "NumericLessThan" or "NumericLessThanEquals" or "NumericGreaterThan" or "NumericGreaterThanEquals" => (rest, false),
            "StringNotEquals" => ("StringEquals", true),
            "StringNotEqualsIgnoreCase" => ("StringEqualsIgnoreCase", true),
            "StringNotLike" => ("StringLike", true),
            "ArnNotEquals" => ("ArnEquals", true),
            "ArnNotLike" => ("ArnLike", true),
            "NumericNotEquals" => ("NumericEquals", true),
            "Null" => ("Null", false),
            _ => throw new NotSupportedException($"Condition operator '{name}' is not supported by this evaluator (IAM has it: add it, do not ignore it)."),
        };
        if (baseName == "Null" && (ifExists || set is not null))
            throw new NotSupportedException($"Condition operator '{name}': Null takes neither IfExists nor a set prefix.");
        return new Operator(name, baseName, negated, ifExists, set);
    }

    private static bool Holds(Operator op, IReadOnlyList<string>? present, IReadOnlyList<string> wanted)
    {
        if (op.Base == "Null")
        {
            // Null: true holds when the key is absent, false when it is present.
            var absent = present is null || present.Count == 0;
            return wanted.Any(w => bool.TryParse(w, out var b) && b == absent);
        }
        if (present is null || present.Count == 0)
        {
            // ForAllValues over nothing is vacuously true; IfExists skips; a negated operator on a
            // missing key is true (IAM: nothing there equals the value); everything else is false.
            if (op.Set == "ForAllValues") return true;
            if (op.Set == "ForAnyValue") return op.IfExists;
            return op.IfExists || op.Negated;
        }
        bool One(string value) => wanted.Any(w => Match(op.Base, value, w)) != op.Negated;
        return op.Set switch
        {
            "ForAllValues" => present.All(One),
            // A single-valued operator on several values: positive ones need one match, negated ones need no match at all.
            _ when op.Set is null && op.Negated => present.All(One),
            _ => present.Any(One),
        };
    }

    private static bool Match(string op, string value, string wanted) => op switch
    {
        "StringEquals" => string.Equals(value, wanted, StringComparison.Ordinal),
        "StringEqualsIgnoreCase" => string.Equals(value, wanted, StringComparison.OrdinalIgnoreCase),
        "StringLike" => Wildcard.IsMatch(wanted, value),
        "ArnEquals" or "ArnLike" => Wildcard.IsArnMatch(wanted, value),
        "Bool" => string.Equals(value, wanted, StringComparison.OrdinalIgnoreCase),
        _ => Numeric(op, value, wanted),
    };

    private static bool Numeric(string op, string value, string wanted)
    {
        if (!decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
            || !decimal.TryParse(wanted, NumberStyles.Float, CultureInfo.InvariantCulture, out var b)) return false;
        return op switch
        {
            "NumericEquals" => a == b,
            "NumericLessThan" => a < b,
            "NumericLessThanEquals" => a <= b,
            "NumericGreaterThan" => a > b,
            "NumericGreaterThanEquals" => a >= b,
            _ => throw new NotSupportedException(op),
        };
    }

    /// <summary>A condition value: a string, number or boolean, or an array of them.</summary>
    public static IReadOnlyList<string> Values(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => value.EnumerateArray().SelectMany(Values).ToList(),
        JsonValueKind.String => [value.GetString()!],
        JsonValueKind.True => ["true"],
        JsonValueKind.False => ["false"],
        JsonValueKind.Number => [value.GetRawText()],
        _ => throw new ArgumentException($"Condition value must be a string, number, boolean or array of them, not {value.ValueKind}: {value.GetRawText()}"),
    };
}

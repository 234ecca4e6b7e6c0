using Amazon.CDK;
using ExportConstructs.Contract;

namespace ExportConstructs;

/// <summary>Conversions of the props both constructs share.</summary>
internal static class Props
{
    /// <summary>RETAIN and DESTROY map to the handler's policies; anything else is refused at synth.</summary>
    public static string RemovalPolicyValue(string construct, RemovalPolicy? policy) => policy switch
    {
        null or RemovalPolicy.RETAIN => RemovalPolicies.Retain,
        RemovalPolicy.DESTROY => RemovalPolicies.Destroy,
        _ => throw Messages.RemovalPolicyInvalid(construct, policy),
    };

    /// <summary>CloudFormation passes custom-resource scalars as strings; so does the contract.</summary>
    public static string Flag(bool? value, bool fallback) => (value ?? fallback) ? "true" : "false";

    /// <summary>Throws one exception listing every problem found.</summary>
    public static void ThrowIfInvalid(IReadOnlyList<string> problems)
    {
        if (problems.Count > 0) throw new ArgumentException(string.Join(System.Environment.NewLine, problems));
    }

    /// <summary>
    /// As <see cref="ThrowIfInvalid(IReadOnlyList{string})"/> for the contract's rules, whose messages
    /// (shared with the handler, which knows no construct) start with the construct's type: at synth
    /// each names the construct's path as well.
    /// </summary>
    public static void ThrowIfInvalid(Constructs.Construct construct, IReadOnlyList<string> problems) => ThrowIfInvalid(WithPath(construct, problems));

    /// <summary>The contract's messages with the construct's path after its type.</summary>
    public static string[] WithPath(Constructs.Construct construct, IReadOnlyList<string> problems) =>
        [.. problems.Select(p => System.Text.RegularExpressions.Regex.Replace(p, "^(\\w+): ", m => $"{m.Groups[1].Value} '{construct.Node.Path}': "))];

    /// <summary>
    /// The contract's token test, at synth: a CDK token is checked at deploy time instead. CDK
    /// encodes every string token as <c>${Token[…]}</c> inside the string, and its own
    /// <c>Token.IsUnresolved</c> tests a string by exactly that marker; testing it here needs no
    /// round trip to the jsii runtime (each costs about a millisecond, and validation makes many).
    /// </summary>
    public static readonly Validation.IsToken IsToken = value => value.Contains("${Token[", StringComparison.Ordinal);

    /// <summary>A copy of the tags, or null when there are none.</summary>
    public static Dictionary<string, string>? Tags(IDictionary<string, string>? tags) =>
        tags is { Count: > 0 } ? new Dictionary<string, string>(tags) : null;
}

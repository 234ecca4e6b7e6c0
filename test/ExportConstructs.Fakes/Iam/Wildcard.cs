namespace ExportConstructs.Fakes.Iam;

/// <summary>
/// IAM's glob: <c>*</c> matches any run of characters (including <c>/</c> and <c>:</c>), <c>?</c>
/// exactly one. Used for Action (case-insensitive), Resource and StringLike (case-sensitive).
/// </summary>
internal static class Wildcard
{
    /// <summary>Whether <paramref name="text"/> matches <paramref name="pattern"/> as a whole.</summary>
    public static bool IsMatch(string pattern, string text, bool ignoreCase = false)
    {
        // Iterative glob with one backtrack point: linear enough for policy-sized strings.
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*') { star = p++; mark = t; }
            else if (p < pattern.Length && (pattern[p] == '?' || Same(pattern[p], text[t], ignoreCase))) { p++; t++; }
            else if (star >= 0) { p = star + 1; t = ++mark; }
            else return false;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    /// <summary>
    /// ArnLike / ArnEquals: each of the six colon-separated parts is matched on its own (the last
    /// part keeps any further colons), so a wildcard in the region cannot swallow the account.
    /// </summary>
    public static bool IsArnMatch(string pattern, string arn)
    {
        var want = pattern.Split(':', 6);
        var have = arn.Split(':', 6);
        return want.Length == 6 && have.Length == 6 && want.Zip(have).All(pair => IsMatch(pair.First, pair.Second));
    }

    private static bool Same(char a, char b, bool ignoreCase) =>
        a == b || (ignoreCase && char.ToLowerInvariant(a) == char.ToLowerInvariant(b));
}

using ExportConstructs.Contract;

namespace ExportConstructs.Handler.Exports;

/// <summary>
/// What a tags-only Update changes on an export's tagged resources: the user tags to set (new or
/// with a new value) and the keys to remove. Computed from the request's two property sets, as
/// CloudFormation does for its own resources: a tag someone added outside the template is left
/// alone, and owner tags (<see cref="Tagging.OwnerKeyPrefix"/>) are never part of it.
/// </summary>
internal sealed record TagChange(IReadOnlyDictionary<string, string> Set, IReadOnlyList<string> Removed)
{
    /// <summary>True when nothing changes.</summary>
    public bool IsEmpty => Set.Count == 0 && Removed.Count == 0;

    /// <summary>The change from <paramref name="before"/> to <paramref name="after"/> (a rollback passes them swapped back).</summary>
    public static TagChange Between(IReadOnlyDictionary<string, string>? before, IReadOnlyDictionary<string, string>? after)
    {
        before ??= new Dictionary<string, string>();
        after ??= new Dictionary<string, string>();
        var set = after.Where(t => !IsOwner(t.Key) && (!before.TryGetValue(t.Key, out var old) || old != t.Value))
            .ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        var removed = before.Keys.Where(k => !IsOwner(k) && !after.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        return new TagChange(set, removed);
    }

    private static bool IsOwner(string key) => key.StartsWith(Tagging.OwnerKeyPrefix, StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() =>
        string.Join(", ", Set.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}").Concat(Removed.Select(k => "-" + k)));
}

using ExportConstructs.Contract;

namespace ExportConstructs.Handler.Exports;

/// <summary>An export as AWS describes it, with the owner tags it was started with (see <see cref="Tagging"/>).</summary>
internal sealed record OwnedExport(string TaskId, IReadOnlyDictionary<string, string> Tags, bool Running)
{
    /// <summary>The digest of what it exports.</summary>
    public string? Identity => Tags.GetValueOrDefault(Tagging.IdentityTag);

    /// <summary>The export it replaced, if it was a replacement.</summary>
    public string? Replaces => Tags.GetValueOrDefault(Tagging.ReplacesTag);
}

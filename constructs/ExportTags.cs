using Amazon.CDK;
using Amazon.JSII.Runtime.Deputy;
using Constructs;
using ExportConstructs.Contract;

namespace ExportConstructs;

/// <summary>
/// The tags an export writes on its task and its AMI: the CDK's (<c>Tags.Of(scope).Add</c>, through
/// the construct's <see cref="TagManager"/>) merged with the construct's own <c>Tags</c> prop, which
/// wins on a conflict. Written into the resource's <c>Tags</c> property at synth, after the CDK's
/// tag aspects ran (<see cref="RenderInto"/>); a changed tag is an in-place Update of the export.
/// </summary>
internal sealed class ExportTags
{
    private readonly IDictionary<string, string>? _own;

    public ExportTags(string resourceType, IDictionary<string, string>? own)
    {
        Manager = new TagManager(TagType.MAP, resourceType);
        _own = own;
    }

    /// <summary>The manager the CDK's tag aspects write to (ITaggableV2).</summary>
    public TagManager Manager { get; }

    /// <summary>The merged tags, or null when there are none.</summary>
    public Dictionary<string, string>? Merged()
    {
        var merged = new Dictionary<string, string>(Manager.TagValues());
        foreach (var (key, value) in _own ?? new Dictionary<string, string>()) merged[key] = value;
        return merged.Count > 0 ? merged : null;
    }

    /// <summary>
    /// Writes the merged tags into <paramref name="resource"/>'s <c>Tags</c> property at synth. An
    /// aspect on the resource runs after every tag aspect has visited its parent, this construct,
    /// wherever in the tree <c>Tags.Of</c> was called and in whatever order. (A lazy value in the
    /// property map would be simpler, but jsii cannot pass a token object inside a map from .NET.)
    /// </summary>
    public void RenderInto(CustomResource resource) => CdkCompat.AddAspect(resource, new Render(this, resource.Node.Path));

    private sealed class Render(ExportTags tags, string path) : DeputyBase, IAspect
    {
        public void Visit(IConstruct node)
        {
            if (node.Node.Path != path) return;
            var merged = tags.Merged();
            if (merged is not null) ((CfnResource)node.Node.DefaultChild!).AddPropertyOverride(Tagging.TagsProperty, merged);
        }
    }
}

/// <summary>Checks the merged tags by the contract's rules once the CDK's tag aspects have run.</summary>
internal sealed class MergedTagsCheck(Construct construct, Func<IReadOnlyList<string>> check) : DeputyBase, IValidation
{
    public string[] Validate() => Props.WithPath(construct, check());
}

using System.Collections.Specialized;
using System.Xml.Linq;
using ExportConstructs.Fakes.Iam;

namespace ExportConstructs.Fakes;

// EC2: CreateTags and DeleteTags on images, snapshots and export tasks.
internal sealed partial class FakeAws
{
    /// <summary>The tags of a CreateTags or DeleteTags request: Tag.N.Key with an optional Tag.N.Value.</summary>
    private static List<KeyValuePair<string, string?>> QueryTags(NameValueCollection q) =>
        Enumerable.Range(1, 1000).Select(n => (Key: q[$"Tag.{n}.Key"], Value: q[$"Tag.{n}.Value"])).TakeWhile(t => t.Key is not null)
            .Select(t => KeyValuePair.Create(t.Key!, t.Value)).ToList();

    private static List<string> ResourceIds(NameValueCollection q) =>
        Enumerable.Range(1, 1000).Select(n => q[$"ResourceId.{n}"]).TakeWhile(id => id is not null).Cast<string>().ToList();

    /// <summary>A resource id's ARN and its tags (null when EC2 does not know it).</summary>
    private (string Arn, Dictionary<string, string>? Tags) TaggedResource(string id) => id switch
    {
        _ when id.StartsWith("ami-", StringComparison.Ordinal) => (ImageArn(id), Images.GetValueOrDefault(id)?.Tags),
        _ when id.StartsWith("snap-", StringComparison.Ordinal) => (SnapshotArn(id), Snapshots.Contains(id) ? SnapshotTagsOf(id) : null),
        _ => (Ec2Arn("export-image-task/" + id), VmTasks.GetValueOrDefault(id)?.Tags),
    };

    /// <summary>A known snapshot's tags, made on first use (a snapshot without an entry has none).</summary>
    private Dictionary<string, string> SnapshotTagsOf(string id) =>
        SnapshotTags.TryGetValue(id, out var tags) ? tags : SnapshotTags[id] = [];

    /// <summary>CreateTags and DeleteTags: all resources must exist, then each one's tags change.</summary>
    private Reply ChangeTags(NameValueCollection q, string root, Action<Dictionary<string, string>, List<KeyValuePair<string, string?>>> change)
    {
        var resources = ResourceIds(q).Select(id => (Id: id, TaggedResource(id).Tags)).ToList();
        if (resources.FirstOrDefault(r => r.Tags is null) is { Id: { } missing })
        {
            var code = missing.StartsWith("ami-", StringComparison.Ordinal) ? "InvalidAMIID.NotFound"
                : missing.StartsWith("snap-", StringComparison.Ordinal) ? "InvalidSnapshot.NotFound" : "InvalidExportTaskID.NotFound";
            return Ec2Error(code, $"The ID '{missing}' does not exist", 400);
        }
        var given = QueryTags(q);
        foreach (var (_, tags) in resources) change(tags!, given);
        return Ec2Ok(root, [new XElement(X("return"), "true")]);
    }
}

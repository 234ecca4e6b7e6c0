using System.Collections.Specialized;
using System.Xml.Linq;
using ExportConstructs.Fakes.Iam;

namespace ExportConstructs.Fakes;

internal sealed partial class FakeAws
{
    private const string Ec2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

    // --- EC2 state ---
    public Dictionary<string, FakeImage> Images { get; } = [];
    public Dictionary<string, FakeVmTask> VmTasks { get; } = [];
    public HashSet<string> Snapshots { get; } = [];
    /// <summary>Describes of an active EC2 task before it ends.</summary>
    public int VmPollsToFinish { get; set; } = 3;
    /// <summary>
    /// When set with <see cref="Clock"/>, an EC2 task finishes this long after it was created,
    /// however often it is polled (for simulations on a fake clock); otherwise after <see cref="VmPollsToFinish"/> polls.
    /// </summary>
    public TimeSpan? VmDuration { get; set; }
    public TimeProvider Clock { get; set; } = TimeProvider.System;
    /// <summary>When set, EC2 tasks end as 'deleted' with this status message instead of completing.</summary>
    public string? VmFailureMessage { get; set; }

    /// <summary>
    /// Tags of each snapshot, by id (a snapshot without an entry has none). See
    /// <see cref="AppStreamTagsSnapshots"/> for the snapshots an AppStream export makes.
    /// </summary>
    public Dictionary<string, Dictionary<string, string>> SnapshotTags { get; } = [];

    /// <summary>
    /// Whether the snapshots behind an AppStream-exported AMI carry the export's tags. AWS documents
    /// only that <c>TagSpecifications</c> are "the tags to apply to the exported AMI"; nothing says
    /// the snapshots get them. Off by default, so a policy that needs snapshot tags fails here as
    /// it may in AWS; a test can switch it on to model the other possibility.
    /// </summary>
    public bool AppStreamTagsSnapshots { get; set; }

    private static string Ec2Arn(string resource) => $"arn:aws:ec2:{Region}:{Account}:{resource}";
    // Images and snapshots have no account in their ARN (Service Authorization Reference, EC2 resource types).
    private static string ImageArn(string imageId) => $"arn:aws:ec2:{Region}::image/{imageId}";
    private static string SnapshotArn(string snapshotId) => $"arn:aws:ec2:{Region}::snapshot/{snapshotId}";

    /// <summary>
    /// What EC2 authorizes for each operation, from the Service Authorization Reference (list_amazonec2;
    /// the keys each action honours are in <see cref="ConditionKeySupport"/>). Every request also
    /// carries <c>ec2:Region</c>.
    /// <code>
    /// ExportImage              ec2:ExportImage   image/{ImageId}                aws:ResourceTag, ec2:ResourceTag (image's tags), ec2:ImageID
    ///                          ec2:ExportImage   export-image-task/*            aws:RequestTag, aws:TagKeys (TagSpecification)
    ///                          ec2:CreateTags    export-image-task/*            ec2:CreateAction=ExportImage, aws:RequestTag, aws:TagKeys (only when tagged)
    ///                          iam:PassRole      role/{RoleName or vmimport}    iam:PassedToService=vmie.amazonaws.com
    /// DescribeExportImageTasks ec2:DescribeExportImageTasks  *
    /// CancelExportTask         ec2:CancelExportTask  export-image-task/{id}     aws:ResourceTag, ec2:ResourceTag (task's tags)
    /// DescribeImages           ec2:DescribeImages    *
    /// DeregisterImage          ec2:DeregisterImage   image/{ImageId}            aws:ResourceTag, ec2:ResourceTag (image's tags), ec2:ImageID
    /// DeleteSnapshot           ec2:DeleteSnapshot    snapshot/{SnapshotId}      aws:ResourceTag, ec2:ResourceTag (snapshot's tags), ec2:SnapshotID
    /// CreateTags               ec2:CreateTags        each ResourceId's ARN      aws:ResourceTag, ec2:ResourceTag (its tags), aws:RequestTag, aws:TagKeys
    /// DeleteTags               ec2:DeleteTags        each ResourceId's ARN      aws:ResourceTag, ec2:ResourceTag (its tags), aws:TagKeys (keys given)
    /// </code>
    /// </summary>
    private IEnumerable<IamRequest> Ec2Authorization(string action, NameValueCollection q)
    {
        (string, string) region = ("ec2:Region", Region);
        switch (action)
        {
            case "ExportImage":
            {
                var imageId = q["ImageId"] ?? "";
                var tags = new Dictionary<string, string>();
                for (var i = 1; q[$"TagSpecification.1.Tag.{i}.Key"] is { } key; i++) tags[key] = q[$"TagSpecification.1.Tag.{i}.Value"] ?? "";
                yield return Ask("ec2:ExportImage", ImageArn(imageId),
                    [region, ("ec2:ImageID", imageId), .. ResourceTags(Images.GetValueOrDefault(imageId)?.Tags, "ec2")]);
                yield return Ask("ec2:ExportImage", Ec2Arn("export-image-task/*"), [region, .. RequestTags(tags)]);
                if (tags.Count > 0)
                    yield return Ask("ec2:CreateTags", Ec2Arn("export-image-task/*"), [region, ("ec2:CreateAction", "ExportImage"), .. RequestTags(tags)]);
                yield return Ask("iam:PassRole", $"arn:aws:iam::{Account}:role/{q["RoleName"] ?? "vmimport"}", [("iam:PassedToService", "vmie.amazonaws.com")]);
                break;
            }
            case "DescribeExportImageTasks" or "DescribeImages":
                yield return Ask("ec2:" + action, "*", [region]);
                break;
            case "CancelExportTask":
            {
                var id = q["ExportTaskId"] ?? "";
                yield return Ask("ec2:CancelExportTask", Ec2Arn("export-image-task/" + id), [region, .. ResourceTags(VmTasks.GetValueOrDefault(id)?.Tags, "ec2")]);
                break;
            }
            case "DeregisterImage":
            {
                var id = q["ImageId"] ?? "";
                yield return Ask("ec2:DeregisterImage", ImageArn(id), [region, ("ec2:ImageID", id), .. ResourceTags(Images.GetValueOrDefault(id)?.Tags, "ec2")]);
                break;
            }
            case "DeleteSnapshot":
            {
                var id = q["SnapshotId"] ?? "";
                yield return Ask("ec2:DeleteSnapshot", SnapshotArn(id), [region, ("ec2:SnapshotID", id), .. ResourceTags(SnapshotTags.GetValueOrDefault(id), "ec2")]);
                break;
            }
            case "CreateTags" or "DeleteTags":
            {
                var tags = QueryTags(q);
                IEnumerable<(string, string)> asked = action == "CreateTags"
                    ? RequestTags(tags.ToDictionary(t => t.Key, t => t.Value ?? ""))
                    : tags.Select(t => ("aws:TagKeys", t.Key));
                foreach (var id in ResourceIds(q))
                {
                    var (arn, current) = TaggedResource(id);
                    yield return Ask("ec2:" + action, arn, [region, .. ResourceTags(current, "ec2"), .. asked]);
                }
                break;
            }
        }
    }

    public FakeImage AddImage(string imageId, bool exportable = true)
    {
        var image = new FakeImage(imageId, "source-" + imageId, [], [], exportable);
        Images[imageId] = image;
        return image;
    }

    private Reply Ec2(RecordedRequest request, System.Collections.Specialized.NameValueCollection q)
    {
        var action = q["Action"] ?? "";
        Calls.Add("EC2:" + action);
        if (Refusal(request, Ec2Authorization(action, q)) is { } denial)
            return Ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation. " + denial.Message, 403);
        if (Injected("EC2:" + action, out var injected)) return Ec2Error(injected.Code, "Injected " + injected.Code, injected.Status);
        return action switch
        {
            "ExportImage" => ExportImage(q),
            "DescribeExportImageTasks" => DescribeExportImageTasks(q),
            "CancelExportTask" => CancelExportTask(q),
            "DescribeImages" => DescribeImages(q),
            "DeregisterImage" => DeregisterImage(q),
            "DeleteSnapshot" => DeleteSnapshot(q),
            "CreateTags" => ChangeTags(q, "CreateTagsResponse", (tags, given) => { foreach (var (k, v) in given) tags[k] = v ?? ""; }),
            "DeleteTags" => ChangeTags(q, "DeleteTagsResponse", (tags, given) =>
            {
                // Without Tag.N, EC2 deletes every tag but the aws: ones; a key without a value goes whatever its value.
                var keys = given.Count == 0 ? tags.Keys.Where(k => !k.StartsWith("aws:", StringComparison.Ordinal)).ToList()
                    : given.Where(g => g.Value is null || tags.GetValueOrDefault(g.Key) == g.Value).Select(g => g.Key).ToList();
                foreach (var k in keys) tags.Remove(k);
            }),
            _ => Ec2Error("InvalidAction", $"The action {action} is not valid for this web service.", 400),
        };
    }

    private Reply ExportImage(System.Collections.Specialized.NameValueCollection q)
    {
        var imageId = q["ImageId"]!;
        var token = q["ClientToken"];
        if (token is not null && VmTasks.Values.FirstOrDefault(t => t.ClientToken == token) is { } same)
            return Ec2Ok("ExportImageResponse", TaskXml(same));
        if (!Images.TryGetValue(imageId, out var image))
            return Ec2Error("InvalidAMIID.NotFound", $"The image id '[{imageId}]' does not exist", 400);
        // One export per AMI at a time (VM Import/Export user guide). AWS does not document the code of this
        // refusal (aws-facts §7); the fake uses the documented limit code, which the handler treats as a limit.
        if (VmTasks.Values.FirstOrDefault(t => t.ImageId == imageId && t.Status == "active") is { } running)
            return Ec2Error("ResourceLimitExceeded", $"Image {imageId} is already being exported by {running.Id}.", 400);
        if (!image.Exportable)
            return Ec2Error("NotExportable", $"Image {imageId} contains AWS-provided software and cannot be exported.", 400);
        if (q["DiskImageFormat"] is not ("VMDK" or "RAW" or "VHD"))
            return Ec2Error("InvalidParameterValue", $"Invalid DiskImageFormat '{q["DiskImageFormat"]}'.", 400);
        var tags = new Dictionary<string, string>();
        for (var i = 1; q[$"TagSpecification.1.Tag.{i}.Key"] is { } key; i++) tags[key] = q[$"TagSpecification.1.Tag.{i}.Value"] ?? "";
        if (tags.Count > 0 && q["TagSpecification.1.ResourceType"] != "export-image-task")
            return Ec2Error("InvalidParameterValue", "Tags must be for export-image-task.", 400);
        var task = new FakeVmTask
        {
            Id = Next("export-ami-", 17),
            ImageId = imageId,
            Format = q["DiskImageFormat"]!,
            Bucket = q["S3ExportLocation.S3Bucket"]!,
            Prefix = q["S3ExportLocation.S3Prefix"] ?? "",
            RoleName = q["RoleName"] ?? "vmimport",
            ClientToken = token,
            Tags = tags,
            Created = Clock.GetUtcNow(),
        };
        VmTasks[task.Id] = task;
        return Ec2Ok("ExportImageResponse", TaskXml(task));
    }

    private Reply DescribeExportImageTasks(System.Collections.Specialized.NameValueCollection q)
    {
        var ids = Enumerable.Range(1, 100).Select(i => q[$"ExportImageTaskId.{i}"]).TakeWhile(id => id is not null).Cast<string>().ToList();
        if (ids.Count == 0)
        {
            // Every task, a page at a time (small pages, so that paging is exercised); listing moves no task on.
            var start = int.TryParse(q["NextToken"], out var from) ? from : 0;
            var page = VmTasks.Values.Skip(start).Take(ListPageSize).Select(t => new XElement(X("item"), TaskXml(t))).ToList();
            XElement[] next = start + page.Count < VmTasks.Count ? [new XElement(X("nextToken"), (start + page.Count).ToString())] : [];
            return Ec2Ok("DescribeExportImageTasksResponse", [new XElement(X("exportImageTaskSet"), page), .. next]);
        }
        var items = new List<XElement>();
        foreach (var id in ids)
        {
            if (!VmTasks.TryGetValue(id, out var task)) continue;
            Advance(task);
            items.Add(new XElement(X("item"), TaskXml(task)));
        }
        return Ec2Ok("DescribeExportImageTasksResponse", [new XElement(X("exportImageTaskSet"), items)]);
    }

    private void Advance(FakeVmTask task)
    {
        if (task.Status == "deleting")
        {
            // Seen as deleting once, then gone, as a cancelled task is.
            if (task.DeletingSeen) task.Status = "deleted";
            task.DeletingSeen = true;
            return;
        }
        if (task.Status != "active") return;
        task.Polls++;
        task.StatusMessage = new[] { "validating", "converting", "updating" }[Math.Min(task.Polls, 2)];
        var finished = VmDuration is { } duration ? Clock.GetUtcNow() - task.Created >= duration : task.Polls >= VmPollsToFinish;
        if (!finished) return;
        if (VmFailureMessage is { } failure)
        {
            task.Status = "deleted";
            task.StatusMessage = failure;
            return;
        }
        task.Status = "completed";
        task.StatusMessage = "";
        PutObject(task.Bucket, task.Key);
    }

    private Reply CancelExportTask(System.Collections.Specialized.NameValueCollection q)
    {
        var id = q["ExportTaskId"]!;
        if (!VmTasks.TryGetValue(id, out var task)) return Ec2Error("InvalidExportTaskID.NotFound", $"The export task ID '{id}' does not exist", 400);
        if (task.Status != "active") return Ec2Error("IncorrectState", $"Export task {id} is {task.Status} and cannot be cancelled.", 400);
        task.Status = "deleting";
        task.StatusMessage = "Cancelling";
        task.Cancelled = true;
        return Ec2Ok("CancelExportTaskResponse", [new XElement(X("return"), "true")]);
    }

    private Reply DescribeImages(System.Collections.Specialized.NameValueCollection q)
    {
        // Filters as EC2 reads them: "name", "image-id" and "tag:<key>", each with one value; all must match.
        var filters = Enumerable.Range(1, 20).Select(n => (Name: q[$"Filter.{n}.Name"], Value: q[$"Filter.{n}.Value.1"])).TakeWhile(f => f.Name is not null).ToList();
        bool Matches(FakeImage i) => filters.All(f => f.Name switch
        {
            "name" => i.Name == f.Value,
            "image-id" => i.ImageId == f.Value,
            _ when f.Name!.StartsWith("tag:", StringComparison.Ordinal) => i.Tags.GetValueOrDefault(f.Name[4..]) == f.Value,
            _ => throw new NotSupportedException("DescribeImages filter " + f.Name),
        });
        var items = Images.Values.Where(Matches).Select(i => new XElement(X("item"),
            new XElement(X("imageId"), i.ImageId),
            new XElement(X("name"), i.Name),
            new XElement(X("imageOwnerId"), Account),
            new XElement(X("imageState"), "available"),
            new XElement(X("tagSet"), i.Tags.Select(t => new XElement(X("item"), new XElement(X("key"), t.Key), new XElement(X("value"), t.Value)))),
            new XElement(X("blockDeviceMapping"), i.Snapshots.Select(s => new XElement(X("item"),
                new XElement(X("deviceName"), "/dev/sda1"),
                new XElement(X("ebs"), new XElement(X("snapshotId"), s)))))));
        return Ec2Ok("DescribeImagesResponse", [new XElement(X("imagesSet"), items)]);
    }

    private Reply DeregisterImage(System.Collections.Specialized.NameValueCollection q)
    {
        var id = q["ImageId"]!;
        if (!Images.Remove(id)) return Ec2Error("InvalidAMIID.NotFound", $"The image id '[{id}]' does not exist", 400);
        return Ec2Ok("DeregisterImageResponse", [new XElement(X("return"), "true")]);
    }

    private Reply DeleteSnapshot(System.Collections.Specialized.NameValueCollection q)
    {
        var id = q["SnapshotId"]!;
        SnapshotTags.Remove(id);
        if (!Snapshots.Remove(id)) return Ec2Error("InvalidSnapshot.NotFound", $"The snapshot '{id}' does not exist.", 400);
        return Ec2Ok("DeleteSnapshotResponse", [new XElement(X("return"), "true")]);
    }

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

    private static XName X(string name) => XName.Get(name, Ec2Namespace);

    private static IEnumerable<XElement> TaskXml(FakeVmTask t) =>
    [
        new XElement(X("exportImageTaskId"), t.Id),
        new XElement(X("imageId"), t.ImageId),
        new XElement(X("diskImageFormat"), t.Format),
        new XElement(X("progress"), t.Status == "active" ? (t.Polls * 100 / 3).ToString() : "100"),
        new XElement(X("roleName"), t.RoleName),
        new XElement(X("s3ExportLocation"), new XElement(X("s3Bucket"), t.Bucket), new XElement(X("s3Prefix"), t.Prefix)),
        new XElement(X("status"), t.Status),
        new XElement(X("statusMessage"), t.StatusMessage),
        new XElement(X("tagSet"), t.Tags.Select(tag => new XElement(X("item"), new XElement(X("key"), tag.Key), new XElement(X("value"), tag.Value)))),
    ];

    private Reply Ec2Ok(string root, IEnumerable<XElement> content) =>
        new(200, new XDocument(new XElement(X(root), new XElement(X("requestId"), Guid.NewGuid()), content)).ToString());

    private static Reply Ec2Error(string code, string message, int status) => new(status,
        new XElement("Response",
            new XElement("Errors", new XElement("Error", new XElement("Code", code), new XElement("Message", message))),
            new XElement("RequestID", Guid.NewGuid())).ToString());
}

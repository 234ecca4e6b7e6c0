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

    public FakeImage AddImage(string imageId, bool exportable = true)
    {
        var image = new FakeImage(imageId, "source-" + imageId, [], [], exportable);
        Images[imageId] = image;
        return image;
    }

    /// <summary>
    /// An export of <paramref name="imageId"/> that someone outside the stack started: it runs (and holds
    /// the AMI's one export) until the test ends it by setting its <see cref="FakeVmTask.Status"/>.
    /// </summary>
    public FakeVmTask ExportElsewhere(string imageId, string id = "export-ami-0outside000000000")
    {
        var task = new FakeVmTask { Id = id, ImageId = imageId, Format = "VHD", Bucket = "elsewhere", Prefix = "", RoleName = "vmimport", Created = Clock.GetUtcNow() };
        VmTasks[id] = task;
        return task;
    }

    /// <summary>
    /// The most export tasks EC2 runs at once in the region ("active" ones); a start beyond it is refused with
    /// <c>ResourceLimitExceeded</c> (aws-facts §7: 5 concurrent conversion tasks per region by default). Null
    /// (the default): no limit but the one export per AMI. With a limit, a start first brings every task bound by
    /// <see cref="VmDuration"/> to its state now (counting no poll), so a task whose time is up frees its place
    /// unpolled, as in EC2; the one-export-per-AMI check, made before, sees the tasks as the last poll left them.
    /// </summary>
    public int? Ec2ConcurrentExportLimit { get; set; }

    private Reply Ec2(RecordedRequest request, System.Collections.Specialized.NameValueCollection q)
    {
        var reply = Ec2Action(request, q);
        if (q["Action"] == "ExportImage") RecordEc2Start(q["ImageId"] ?? "", reply);
        return reply;
    }

    private Reply Ec2Action(RecordedRequest request, System.Collections.Specialized.NameValueCollection q)
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
        // At most so many conversion tasks run at once in a region (aws-facts §7); the fake uses the documented limit code.
        if (Ec2ConcurrentExportLimit is { } limit)
        {
            // What EC2 holds now: a task whose time is up has ended, whether or not anyone asked.
            SettleVmTasks();
            var active = VmTasks.Values.Where(t => t.Status == "active").ToList();
            if (active.Count >= limit)
                return Ec2Error("ResourceLimitExceeded",
                    $"You have reached the limit of {limit} concurrent export image tasks in this region. Running: {string.Join(", ", active.Select(t => $"{t.Id} ({t.ImageId})"))}.", 400);
        }
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

    /// <summary>Brings every time-bound task (<see cref="VmDuration"/>) to its state now, counting no poll.</summary>
    private void SettleVmTasks()
    {
        if (VmDuration is null) return;
        foreach (var task in VmTasks.Values) Advance(task, polled: false);
    }

    private void Advance(FakeVmTask task, bool polled = true)
    {
        if (task.Status == "deleting" && polled)
        {
            // Seen as deleting once, then gone, as a cancelled task is.
            if (task.DeletingSeen) task.Status = "deleted";
            task.DeletingSeen = true;
            return;
        }
        if (task.Status != "active") return;
        if (polled)
        {
            task.Polls++;
            task.StatusMessage = new[] { "validating", "converting", "updating" }[Math.Min(task.Polls, 2)];
        }
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

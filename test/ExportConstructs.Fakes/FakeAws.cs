using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Web;
using System.Xml.Linq;

namespace ExportConstructs.Tests.Fakes;

/// <summary>An AMI the fake EC2 knows.</summary>
public sealed record FakeImage(string ImageId, string Name, List<string> Snapshots, Dictionary<string, string> Tags, bool Exportable = true);

/// <summary>An EC2 export-image-task over time.</summary>
public sealed class FakeVmTask
{
    public required string Id { get; init; }
    public required string ImageId { get; init; }
    public required string Format { get; init; }
    public required string Bucket { get; init; }
    public required string Prefix { get; init; }
    public required string RoleName { get; init; }
    public string? ClientToken { get; init; }
    public Dictionary<string, string> Tags { get; init; } = [];
    public string Status { get; set; } = "active";
    public string StatusMessage { get; set; } = "validating";
    public int Polls { get; set; }
    public bool Cancelled { get; set; }
    public bool DeletingSeen { get; set; }
    public string Key => $"{Prefix}{Id}.{Format.ToLowerInvariant()}";
    public DateTimeOffset Created { get; init; }
}

/// <summary>An AppStream export task over time.</summary>
public sealed class FakeAppStreamTask
{
    public required string TaskId { get; init; }
    public required string ImageName { get; init; }
    public required string AmiName { get; init; }
    public string? AmiDescription { get; init; }
    public Dictionary<string, string> Tags { get; init; } = [];
    public string State { get; set; } = "EXPORTING";
    public string? AmiId { get; set; }
    public int Polls { get; set; }
    public List<(string Code, string Message)> Errors { get; } = [];
}

/// <summary>
/// EC2 (Query/XML), S3 (REST, path style) and AppStream (JSON 1.1) on one loopback port, with
/// export tasks that progress as they are polled. Real SDK clients talk to it unchanged.
/// </summary>
public sealed class FakeAws : IAsyncDisposable
{
    public const string Account = "123456789012";
    public const string Region = "us-east-1";
    private const string Ec2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";
    private readonly object _gate = new();
    private readonly Dictionary<string, Queue<(string Code, int Status)>> _injected = [];
    private int _counter;

    public FakeAws() => Server = new LoopbackServer(Answer);

    public LoopbackServer Server { get; }
    public Uri Url => Server.Url;

    // --- EC2 and S3 state ---
    public Dictionary<string, FakeImage> Images { get; } = [];
    public Dictionary<string, FakeVmTask> VmTasks { get; } = [];
    public HashSet<string> Snapshots { get; } = [];
    public HashSet<string> Objects { get; } = [];
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

    // --- AppStream state ---
    public HashSet<string> AppStreamImages { get; } = [];
    public Dictionary<string, FakeAppStreamTask> AppStreamTasks { get; } = [];
    public int AppStreamPollsToFinish { get; set; } = 3;
    /// <summary>When set, AppStream tasks end in this state (FAILED or TIMED_OUT) with these errors.</summary>
    public (string State, (string Code, string Message)[] Errors)? AppStreamFailure { get; set; }
    /// <summary>Page size of ListExportImageTasks, small so that paging is exercised.</summary>
    public int ListPageSize { get; set; } = 2;

    /// <summary>Every AWS call, as "Service:Action", in order.</summary>
    public List<string> Calls { get; } = [];
    /// <summary>Problems found in AppStream requests' protocol or signature.</summary>
    public List<string> ProtocolProblems { get; } = [];

    /// <summary>The next <paramref name="times"/> calls of <paramref name="call"/> ("EC2:ExportImage") fail with this error.</summary>
    public void FailNext(string call, string code, int status, int times = 1)
    {
        lock (_gate)
        {
            if (!_injected.TryGetValue(call, out var queue)) _injected[call] = queue = new();
            for (var i = 0; i < times; i++) queue.Enqueue((code, status));
        }
    }

    public FakeImage AddImage(string imageId, bool exportable = true)
    {
        var image = new FakeImage(imageId, "source-" + imageId, [], [], exportable);
        Images[imageId] = image;
        return image;
    }

    public int CallCount(string call) => Calls.Count(c => c == call);

    private Reply Answer(RecordedRequest request)
    {
        lock (_gate)
        {
            if (request.Header("X-Amz-Target") is { } sfn && sfn.StartsWith("AWSStepFunctions.", StringComparison.Ordinal)) return StepFunctions(request, sfn);
            if (request.Header("X-Amz-Target") is { } target) return AppStream(request, target);
            if (request.Method == "PUT" && request.PathAndQuery.StartsWith("/waitcondition/", StringComparison.Ordinal)) return Signal(request);
            if (request.Method == "POST" && request.PathAndQuery == "/" ) return Ec2(HttpUtility.ParseQueryString(request.Body));
            return S3(request);
        }
    }

    private string Next(string prefix, int width) => prefix + (++_counter).ToString("x").PadLeft(width, '0');

    private bool Injected(string call, out (string Code, int Status) error)
    {
        error = default;
        return _injected.TryGetValue(call, out var queue) && queue.TryDequeue(out error);
    }

    // ---------------- EC2 ----------------

    private Reply Ec2(System.Collections.Specialized.NameValueCollection q)
    {
        var action = q["Action"] ?? "";
        Calls.Add("EC2:" + action);
        if (Injected("EC2:" + action, out var injected)) return Ec2Error(injected.Code, "Injected " + injected.Code, injected.Status);
        return action switch
        {
            "ExportImage" => ExportImage(q),
            "DescribeExportImageTasks" => DescribeExportImageTasks(q),
            "CancelExportTask" => CancelExportTask(q),
            "DescribeImages" => DescribeImages(q),
            "DeregisterImage" => DeregisterImage(q),
            "DeleteSnapshot" => DeleteSnapshot(q),
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
        Objects.Add($"{task.Bucket}/{task.Key}");
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
        var name = q["Filter.1.Name"] == "name" ? q["Filter.1.Value.1"] : null;
        var items = Images.Values.Where(i => name is null || i.Name == name).Select(i => new XElement(X("item"),
            new XElement(X("imageId"), i.ImageId),
            new XElement(X("name"), i.Name),
            new XElement(X("imageOwnerId"), Account),
            new XElement(X("imageState"), "available"),
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
    ];

    private Reply Ec2Ok(string root, IEnumerable<XElement> content) =>
        new(200, new XDocument(new XElement(X(root), new XElement(X("requestId"), Guid.NewGuid()), content)).ToString());

    private static Reply Ec2Error(string code, string message, int status) => new(status,
        new XElement("Response",
            new XElement("Errors", new XElement("Error", new XElement("Code", code), new XElement("Message", message))),
            new XElement("RequestID", Guid.NewGuid())).ToString());

    // ---------------- WaitCondition handles ----------------

    /// <summary>A presigned handle URL of this fake (path style, like CloudFormation's S3 URLs).</summary>
    public string HandleUrl(string name) => $"{Url}waitcondition/{name}?X-Amz-Signature=fake";

    /// <summary>Signals received, as (handle path, body).</summary>
    public List<(string Handle, JsonObject Body)> Signals { get; } = [];

    private Reply Signal(RecordedRequest request)
    {
        Calls.Add("CloudFormation:Signal");
        // The handle is presigned without a content type: S3 rejects a signal that sends one.
        if (!string.IsNullOrEmpty(request.Header("Content-Type")))
            return new Reply(403, "<Error><Code>SignatureDoesNotMatch</Code><Message>Content-Type was not signed</Message></Error>", "application/xml");
        Signals.Add((request.PathAndQuery.Split('?')[0], JsonNode.Parse(request.Body)!.AsObject()));
        return new Reply(200, "");
    }

    // ---------------- Step Functions ----------------

    /// <summary>Poller executions by name.</summary>
    public Dictionary<string, (string Arn, string Input, string Status)> Executions { get; } = [];

    private Reply StepFunctions(RecordedRequest request, string target)
    {
        var operation = target["AWSStepFunctions.".Length..];
        Calls.Add("SFN:" + operation);
        if (request.Header("Content-Type") is not { } type || !type.StartsWith("application/x-amz-json-1.0", StringComparison.Ordinal))
            ProtocolProblems.Add($"{target}: Content-Type is '{request.Header("Content-Type")}'");
        if (!Regex.IsMatch(request.Header("Authorization") ?? "", @"Credential=[^/]+/\d{8}/[a-z0-9-]+/states/aws4_request"))
            ProtocolProblems.Add($"{target}: not signed for states: '{request.Header("Authorization")}'");
        if (Injected("SFN:" + operation, out var injected)) return SfnError(injected.Code, "Injected " + injected.Code, injected.Status);
        var body = JsonNode.Parse(request.Body)!.AsObject();
        switch (operation)
        {
            case "StartExecution":
            {
                var machine = body["stateMachineArn"]!.GetValue<string>();
                var name = body["name"]!.GetValue<string>();
                var input = body["input"]!.GetValue<string>();
                var arn = machine.Replace(":stateMachine:", ":execution:") + ":" + name;
                if (Executions.TryGetValue(name, out var existing) && existing.Input != input)
                    return SfnError("ExecutionAlreadyExists", $"Execution already exists: '{arn}'", 400);
                Executions[name] = (arn, input, "RUNNING");
                return new Reply(200, new JsonObject { ["executionArn"] = arn, ["startDate"] = 1795000000.5 }.ToJsonString(), "application/x-amz-json-1.0");
            }
            case "StopExecution":
            {
                var arn = body["executionArn"]!.GetValue<string>();
                var found = Executions.FirstOrDefault(e => e.Value.Arn == arn);
                if (found.Key is null) return SfnError("ExecutionDoesNotExist", $"Execution does not exist: '{arn}'", 400);
                Executions[found.Key] = found.Value with { Status = "ABORTED" };
                return new Reply(200, new JsonObject { ["stopDate"] = 1795000100.0 }.ToJsonString(), "application/x-amz-json-1.0");
            }
            default:
                return SfnError("UnknownOperationException", operation, 400);
        }
    }

    private static Reply SfnError(string code, string message, int status) => new(status,
        new JsonObject { ["__type"] = "com.amazonaws.swf.service.v2.model#" + code, ["message"] = message }.ToJsonString(), "application/x-amz-json-1.0");

    // ---------------- S3 ----------------

    private Reply S3(RecordedRequest request)
    {
        var path = Uri.UnescapeDataString(request.PathAndQuery.Split('?')[0].TrimStart('/'));
        Calls.Add("S3:" + request.Method);
        if (Injected("S3:" + request.Method, out var injected))
            return new Reply(injected.Status, $"<Error><Code>{injected.Code}</Code><Message>Injected</Message></Error>", "application/xml");
        if (request.Method == "DELETE")
        {
            Objects.Remove(path);
            return new Reply(204, "");
        }
        return new Reply(400, "<Error><Code>NotImplemented</Code><Message>Only DeleteObject is faked</Message></Error>", "application/xml");
    }

    // ---------------- AppStream ----------------

    private static readonly Regex ImageNamePattern = new("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,100}$");
    private static readonly Regex AmiNamePattern = new(@"^[a-zA-Z0-9().\-/_]{3,128}$");

    private Reply AppStream(RecordedRequest request, string target)
    {
        const string prefix = "PhotonAdminProxyService.";
        var operation = target.StartsWith(prefix, StringComparison.Ordinal) ? target[prefix.Length..] : target;
        Calls.Add("AppStream:" + operation);
        CheckProtocol(request, target);
        if (Injected("AppStream:" + operation, out var injected)) return AppStreamError(injected.Code, "Injected " + injected.Code, injected.Status);
        JsonObject body;
        try { body = JsonNode.Parse(request.Body)!.AsObject(); }
        catch (JsonException e) { return AppStreamError("SerializationException", e.Message, 400); }
        return operation switch
        {
            "CreateExportImageTask" => CreateExportImageTask(body),
            "GetExportImageTask" => GetExportImageTask(body),
            "ListExportImageTasks" => ListExportImageTasks(body),
            _ => AppStreamError("UnknownOperationException", operation, 400),
        };
    }

    private void CheckProtocol(RecordedRequest request, string target)
    {
        void Problem(string what) => ProtocolProblems.Add($"{target}: {what}");
        if (request.Method != "POST" || request.PathAndQuery != "/") Problem($"expected POST /, got {request.Method} {request.PathAndQuery}");
        if (!target.StartsWith("PhotonAdminProxyService.", StringComparison.Ordinal)) Problem("X-Amz-Target lacks PhotonAdminProxyService.");
        if (request.Header("Content-Type") is not { } type || !type.StartsWith("application/x-amz-json-1.1", StringComparison.Ordinal)) Problem($"Content-Type is '{request.Header("Content-Type")}'");
        var auth = request.Header("Authorization") ?? "";
        var scope = Regex.Match(auth, @"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([a-z0-9-]+)/([a-z0-9]+)/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$");
        if (!scope.Success) { Problem($"Authorization is not SigV4: '{auth}'"); return; }
        if (scope.Groups[3].Value != ExpectedSigningRegion) Problem($"signed for region {scope.Groups[3].Value}, expected {ExpectedSigningRegion}");
        if (scope.Groups[4].Value != "appstream") Problem($"signed for service {scope.Groups[4].Value}, expected appstream");
        var signed = scope.Groups[5].Value.Split(';');
        foreach (var header in new[] { "host", "x-amz-date", "x-amz-target", "content-type" })
            if (!signed.Contains(header)) Problem($"header {header} is not signed ({scope.Groups[5].Value})");
    }

    /// <summary>The region AppStream requests must be signed for.</summary>
    public string ExpectedSigningRegion { get; set; } = Region;

    private Reply CreateExportImageTask(JsonObject body)
    {
        var imageName = body["ImageName"]?.GetValue<string>();
        var amiName = body["AmiName"]?.GetValue<string>();
        var roleArn = body["IamRoleArn"]?.GetValue<string>();
        if (imageName is null || !ImageNamePattern.IsMatch(imageName)) return AppStreamError("ValidationException", $"ImageName '{imageName}' is invalid", 400);
        if (amiName is null || !AmiNamePattern.IsMatch(amiName)) return AppStreamError("ValidationException", $"AmiName '{amiName}' is invalid", 400);
        if (roleArn is null || !roleArn.StartsWith("arn:aws:iam::", StringComparison.Ordinal)) return AppStreamError("ValidationException", $"IamRoleArn '{roleArn}' is invalid", 400);
        if (body["TagSpecifications"] is { } t && t is not JsonObject) return AppStreamError("ValidationException", "TagSpecifications must be a map", 400);
        var tags = (body["TagSpecifications"] as JsonObject)?.ToDictionary(p => p.Key, p => p.Value!.GetValue<string>()) ?? [];
        if (tags.Count > 50) return AppStreamError("ValidationException", "Too many tags", 400);
        if (!AppStreamImages.Contains(imageName)) return AppStreamError("ResourceNotFoundException", $"The image {imageName} does not exist.", 400);
        if (roleArn.Contains("denied", StringComparison.Ordinal)) return AppStreamError("InvalidRoleException", $"AppStream cannot assume role {roleArn}.", 400);
        if (Images.Values.Any(i => i.Name == amiName) || AppStreamTasks.Values.Any(x => x.AmiName == amiName && x.State == "EXPORTING"))
            return AppStreamError("InvalidParameterCombinationException", $"An AMI named {amiName} already exists.", 400);
        var task = new FakeAppStreamTask
        {
            TaskId = $"{++_counter:x8}-0000-4000-8000-000000000000",
            ImageName = imageName,
            AmiName = amiName,
            AmiDescription = body["AmiDescription"]?.GetValue<string>(),
            Tags = tags,
        };
        AppStreamTasks[task.TaskId] = task;
        return AppStreamOk(new JsonObject { ["ExportImageTask"] = TaskJson(task) });
    }

    private Reply GetExportImageTask(JsonObject body)
    {
        var id = body["TaskId"]?.GetValue<string>() ?? "";
        if (!AppStreamTasks.TryGetValue(id, out var task)) return AppStreamError("ResourceNotFoundException", $"Export image task {id} not found.", 400);
        Advance(task);
        return AppStreamOk(new JsonObject { ["ExportImageTask"] = TaskJson(task) });
    }

    private void Advance(FakeAppStreamTask task)
    {
        if (task.State != "EXPORTING") return;
        if (++task.Polls < AppStreamPollsToFinish) return;
        if (AppStreamFailure is { } failure)
        {
            task.State = failure.State;
            task.Errors.AddRange(failure.Errors);
            return;
        }
        var snapshot = Next("snap-", 17);
        Snapshots.Add(snapshot);
        var image = new FakeImage(Next("ami-", 17), task.AmiName, [snapshot], new Dictionary<string, string>(task.Tags));
        Images[image.ImageId] = image;
        task.AmiId = image.ImageId;
        task.State = "COMPLETED";
    }

    private Reply ListExportImageTasks(JsonObject body)
    {
        var start = int.TryParse(body["NextToken"]?.GetValue<string>(), out var s) ? s : 0;
        var page = AppStreamTasks.Values.Skip(start).Take(ListPageSize).ToList();
        var result = new JsonObject { ["ExportImageTasks"] = new JsonArray(page.Select(t => (JsonNode)TaskJson(t)).ToArray()) };
        if (start + page.Count < AppStreamTasks.Count) result["NextToken"] = (start + page.Count).ToString();
        return AppStreamOk(result);
    }

    private static JsonObject TaskJson(FakeAppStreamTask t)
    {
        var json = new JsonObject
        {
            ["TaskId"] = t.TaskId,
            ["ImageArn"] = $"arn:aws:appstream:{Region}:{Account}:image/{t.ImageName}",
            ["AmiName"] = t.AmiName,
            ["CreatedDate"] = 1795000000.123,
            ["State"] = t.State,
            ["TagSpecifications"] = new JsonObject(t.Tags.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        };
        if (t.AmiDescription is not null) json["AmiDescription"] = t.AmiDescription;
        if (t.AmiId is not null) json["AmiId"] = t.AmiId;
        if (t.Errors.Count > 0)
            json["ErrorDetails"] = new JsonArray(t.Errors.Select(e => (JsonNode)new JsonObject { ["ErrorCode"] = e.Code, ["ErrorMessage"] = e.Message }).ToArray());
        return json;
    }

    private static Reply AppStreamOk(JsonObject body) => new(200, body.ToJsonString(), "application/x-amz-json-1.1");

    private static Reply AppStreamError(string code, string message, int status) => new(status,
        new JsonObject { ["__type"] = "com.amazonaws.photon#" + code, ["message"] = message }.ToJsonString(), "application/x-amz-json-1.1");

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

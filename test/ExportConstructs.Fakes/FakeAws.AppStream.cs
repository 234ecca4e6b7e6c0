using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ExportConstructs.Fakes.Iam;

namespace ExportConstructs.Fakes;

internal sealed partial class FakeAws
{
    // --- AppStream state ---
    public HashSet<string> AppStreamImages { get; } = [];
    public Dictionary<string, FakeAppStreamTask> AppStreamTasks { get; } = [];
    public int AppStreamPollsToFinish { get; set; } = 3;
    /// <summary>
    /// When set (with <see cref="Clock"/>), an AppStream task ends this long after it was created, whether
    /// or not anyone asks (an export the handler no longer follows runs on); otherwise after
    /// <see cref="AppStreamPollsToFinish"/> Gets. Lists and <see cref="SettleAppStreamTasks"/> show the state at the moment.
    /// </summary>
    public TimeSpan? AppStreamDuration { get; set; }
    /// <summary>When set, AppStream tasks end in this state (FAILED or TIMED_OUT) with these errors.</summary>
    public (string State, (string Code, string Message)[] Errors)? AppStreamFailure { get; set; }
    /// <summary>Page size of ListExportImageTasks, small so that paging is exercised.</summary>
    public int ListPageSize { get; set; } = 2;

    private static readonly Regex ImageNamePattern = new("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,100}$");
    private static readonly Regex AmiNamePattern = new(@"^[a-zA-Z0-9().\-/_]{3,128}$");

    /// <summary>
    /// The most export tasks AppStream runs at once (state EXPORTING); a start beyond it is refused with
    /// <c>LimitExceededException</c>. AWS documents the code but not the number (aws-facts §7). Null (the default): no limit.
    /// </summary>
    public int? AppStreamConcurrentExportLimit { get; set; }

    private Reply AppStream(RecordedRequest request, string target)
    {
        const string prefix = "PhotonAdminProxyService.";
        var operation = target.StartsWith(prefix, StringComparison.Ordinal) ? target[prefix.Length..] : target;
        var reply = AppStreamOperation(request, target, operation);
        if (operation == "CreateExportImageTask") RecordAppStreamStart(ImageNameOf(request.Body), reply);
        return reply;
    }

    private Reply AppStreamOperation(RecordedRequest request, string target, string operation)
    {
        Calls.Add("AppStream:" + operation);
        CheckProtocol(request, target);
        if (Refusal(request, AppStreamAuthorization(operation, request.Body)) is { } denial)
            return AppStreamError("AccessDeniedException", denial.Message, 400);
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

    /// <summary>
    /// What AppStream authorizes for each operation, from the Service Authorization Reference
    /// (list_amazonappstream2.0), which lists NO resource type for CreateExportImageTask, Get and
    /// List: a policy must name <c>*</c> for them, an image ARN does not match.
    /// <code>
    /// CreateExportImageTask  appstream:CreateExportImageTask  *
    ///                        iam:PassRole  {IamRoleArn}   iam:PassedToService=appstream.amazonaws.com
    /// GetExportImageTask     appstream:GetExportImageTask     *
    /// ListExportImageTasks   appstream:ListExportImageTasks   *
    /// </code>
    /// The reference lists aws:ResourceTag for CreateExportImageTask (presumably the source image's
    /// tags); this fake keeps no tags on AppStream images, so the key is absent.
    /// </summary>
    private static IEnumerable<IamRequest> AppStreamAuthorization(string operation, string body)
    {
        switch (operation)
        {
            case "CreateExportImageTask":
                yield return Ask("appstream:CreateExportImageTask", "*");
                if (RoleArn(body) is { } role) yield return Ask("iam:PassRole", role, [("iam:PassedToService", "appstream.amazonaws.com")]);
                break;
            case "GetExportImageTask" or "ListExportImageTasks":
                yield return Ask("appstream:" + operation, "*");
                break;
        }
    }

    /// <summary>IamRoleArn of a request body; null when the body is not JSON (the operation then reports that itself).</summary>
    private static string? RoleArn(string body)
    {
        try { return JsonNode.Parse(body)?["IamRoleArn"]?.GetValue<string>(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { return null; }
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
        if (AppStreamConcurrentExportLimit is { } limit)
        {
            SettleAppStreamTasks();
            var exporting = AppStreamTasks.Values.Where(x => x.State == "EXPORTING").ToList();
            if (exporting.Count >= limit)
                return AppStreamError("LimitExceededException",
                    $"The limit of {limit} concurrent image export tasks has been reached. Exporting: {string.Join(", ", exporting.Select(x => $"{x.TaskId} ({x.ImageName})"))}.", 400);
        }
        var task = new FakeAppStreamTask
        {
            TaskId = $"{++_counter:x8}-0000-4000-8000-000000000000",
            ImageName = imageName,
            AmiName = amiName,
            AmiDescription = body["AmiDescription"]?.GetValue<string>(),
            Tags = tags,
            Created = Clock.GetUtcNow(),
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

    /// <summary>Brings every time-bound task (<see cref="AppStreamDuration"/>) to its state now: what AWS holds at this moment.</summary>
    public void SettleAppStreamTasks()
    {
        if (AppStreamDuration is null) return;
        foreach (var task in AppStreamTasks.Values) Advance(task, polled: false);
    }

    private void Advance(FakeAppStreamTask task, bool polled = true)
    {
        if (task.State != "EXPORTING") return;
        if (polled) task.Polls++;
        if (AppStreamDuration is { } duration ? Clock.GetUtcNow() - task.Created < duration : task.Polls < AppStreamPollsToFinish) return;
        if (AppStreamFailure is { } failure)
        {
            task.State = failure.State;
            task.Errors.AddRange(failure.Errors);
            return;
        }
        var snapshot = Next("snap-", 17);
        Snapshots.Add(snapshot);
        if (AppStreamTagsSnapshots) SnapshotTags[snapshot] = new Dictionary<string, string>(task.Tags);
        var image = new FakeImage(Next("ami-", 17), task.AmiName, [snapshot], new Dictionary<string, string>(task.Tags));
        Images[image.ImageId] = image;
        task.AmiId = image.ImageId;
        task.State = "COMPLETED";
    }

    private Reply ListExportImageTasks(JsonObject body)
    {
        SettleAppStreamTasks();
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
}

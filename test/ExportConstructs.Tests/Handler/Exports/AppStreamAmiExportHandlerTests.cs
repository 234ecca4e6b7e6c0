using ExportConstructs.Contract;
using ExportConstructs.Handler;
using ExportConstructs.Handler.Exports;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.Fakes.HandlerHarness;

namespace ExportConstructs.Tests.Handler.Exports;

/// <summary>AppStreamAmiExport's handler through the AppStream JSON 1.1 client against the loopback AppStream.</summary>
public sealed class AppStreamAmiExportHandlerTests : IAsyncLifetime
{
    private const string ImageName = "Office-Apps_2026.11";
    private const string RoleArn = "arn:aws:iam::123456789012:role/AppStreamExport";
    private readonly HandlerHarness _h = new();

    public Task InitializeAsync()
    {
        _h.Aws.AppStreamImages.Add(ImageName);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Assert.Empty(_h.Aws.ProtocolProblems); // Every request had the right target, content type, body and signature.
        await _h.DisposeAsync();
    }

    private static AppStreamAmiExportProperties Props(string? amiName = null, string removal = RemovalPolicies.Retain, string image = ImageName) => new()
    {
        ImageName = image,
        AmiName = amiName,
        IamRoleArn = RoleArn,
        AmiDescription = "exported",
        Tags = new() { ["team"] = "euc" },
        RemovalPolicy = removal,
        WaitForCompletion = "true",
    };

    private Task<Outcome> CreateAsync(AppStreamAmiExportProperties props, string? requestId = null) =>
        _h.RunAsync(Request(ResourceTypes.AppStreamAmiExport, "Create", Json(props), requestId: requestId));

    [Fact]
    public async Task Create_WhenExportCompletes_ShouldReturnAmiAndImageArn()
    {
        var outcome = await CreateAsync(Props(amiName: "office-ami"));

        var task = Assert.Single(_h.Aws.AppStreamTasks.Values);
        Assert.Equal(task.TaskId, outcome.PhysicalResourceId);
        Assert.Equal(new Dictionary<string, string>
        {
            ["TaskId"] = task.TaskId,
            ["AmiId"] = task.AmiId!,
            ["ImageArn"] = $"arn:aws:appstream:us-east-1:123456789012:image/{ImageName}",
            ["AmiName"] = "office-ami",
        }, outcome.Data);
        Assert.Equal(_h.Aws.AppStreamPollsToFinish, outcome.Polls);
        Assert.Equal(["AppStream:ListExportImageTasks", "AppStream:CreateExportImageTask", "AppStream:GetExportImageTask", "AppStream:GetExportImageTask", "AppStream:GetExportImageTask"], _h.Aws.Calls);
    }

    [Fact]
    public async Task Create_ShouldTagTheTaskWithTheRequestAndKeepUserTagsAndDescription()
    {
        var request = Request(ResourceTypes.AppStreamAmiExport, "Create", Json(Props()));
        await _h.RunAsync(request);

        var task = Assert.Single(_h.Aws.AppStreamTasks.Values);
        Assert.Equal(new Dictionary<string, string>
        {
            ["team"] = "euc", [Tagging.RequestTag] = ExportRequest.FingerprintOf(request),
            [Tagging.StackTag] = StackId, [Tagging.LogicalIdTag] = "Export", [Tagging.IdentityTag] = Tagging.IdentityOf(Props()),
        }, task.Tags);
        Assert.Equal("exported", task.AmiDescription);
    }

    [Fact]
    public async Task Create_WithoutAmiName_ShouldGenerateOneFromImageAndRequest()
    {
        var request = Request(ResourceTypes.AppStreamAmiExport, "Create", Json(Props()));
        var outcome = await _h.RunAsync(request);

        var expected = $"{ImageName}-{ExportRequest.FingerprintOf(request)[..12]}";
        Assert.Equal(expected, outcome.Data!["AmiName"]);
        Assert.Matches(@"^[a-zA-Z0-9().\-/_]{3,128}$", expected);
    }

    [Theory]
    [InlineData("FAILED")]
    [InlineData("TIMED_OUT")]
    public async Task Create_WhenTaskFails_ShouldReportEveryErrorWithTaskAndImage(string state)
    {
        _h.Aws.AppStreamFailure = (state, [("IMAGE_COPY_FAILURE", "Snapshot copy failed"), ("INTERNAL_ERROR", "Try again")]);

        var error = await Assert.ThrowsAsync<ExportException>(() => CreateAsync(Props()));

        var task = Assert.Single(_h.Aws.AppStreamTasks.Values);
        Assert.Contains($"AppStream export task {task.TaskId} of image arn:aws:appstream:us-east-1:123456789012:image/{ImageName} ended as {state}", error.Message);
        Assert.Contains("IMAGE_COPY_FAILURE: Snapshot copy failed; INTERNAL_ERROR: Try again", error.Message);
    }

    [Fact]
    public async Task Create_WhenSameRequestIsDeliveredTwice_ShouldReuseTheTaskAcrossListPages()
    {
        _h.Aws.AppStreamImages.Add("Other");
        for (var i = 0; i < 3; i++) await CreateAsync(Props(image: "Other")); // other tasks, so the match is on a later page
        var request = Request(ResourceTypes.AppStreamAmiExport, "Create", Json(Props()));

        var first = await _h.Lifecycle.OnEventAsync(request, default);
        var second = await _h.Lifecycle.OnEventAsync(request, default);

        Assert.Equal(first.PhysicalResourceId, second.PhysicalResourceId);
        Assert.Equal(4, _h.Aws.AppStreamTasks.Count);
        Assert.Single(_h.Log, l => l.Contains("already started by this request"));
    }

    [Fact]
    public async Task Create_WhenThrottled_ShouldRetryAndSucceed()
    {
        _h.Aws.FailNext("AppStream:CreateExportImageTask", "ThrottlingException", 400, times: 2);

        await CreateAsync(Props());

        Assert.Equal(3, _h.Aws.CallCount("AppStream:CreateExportImageTask"));
        Assert.Single(_h.Aws.AppStreamTasks);
    }

    [Theory]
    [InlineData("missing-image", RoleArn, "ResourceNotFoundException", "Check ImageName")]
    [InlineData(ImageName, "arn:aws:iam::123456789012:role/denied", "InvalidRoleException", "trust appstream.amazonaws.com")]
    public async Task Create_WhenAppStreamRefuses_ShouldReportCodeAndAdvice(string image, string role, string code, string advice)
    {
        var props = Props(image: image);
        props.IamRoleArn = role;

        var error = await Assert.ThrowsAsync<AwsCallException>(() => CreateAsync(props));

        Assert.Contains($"AppStream CreateExportImageTask failed for image {image}", error.Message);
        Assert.Contains($"[{code}]", error.Message);
        Assert.Contains(advice, error.Message);
    }

    [Fact]
    public async Task Update_ChangingImage_ShouldStartNewExportWithItsOwnGeneratedName()
    {
        _h.Aws.AppStreamImages.Add("Office-Apps_2026.12");
        var created = await CreateAsync(Props());

        var updated = await _h.RunAsync(Request(ResourceTypes.AppStreamAmiExport, "Update", Json(Props(image: "Office-Apps_2026.12")), Json(Props()), created.PhysicalResourceId));

        Assert.NotEqual(created.PhysicalResourceId, updated.PhysicalResourceId);
        Assert.NotEqual(created.Data!["AmiName"], updated.Data!["AmiName"]);
        Assert.Equal(2, _h.Aws.Images.Count);
    }

    [Fact]
    public async Task Update_ReplacingWithTheSameExplicitAmiName_ShouldFailBeforeStartingAnything()
    {
        _h.Aws.AppStreamImages.Add("Office-Apps_2026.12");
        var created = await CreateAsync(Props(amiName: "office"));
        var calls = _h.Aws.CallCount("AppStream:CreateExportImageTask");

        var error = await Assert.ThrowsAsync<ExportException>(() => _h.RunAsync(Request(ResourceTypes.AppStreamAmiExport, "Update",
            Json(Props(amiName: "office", image: "Office-Apps_2026.12")), Json(Props(amiName: "office")), created.PhysicalResourceId)));

        Assert.Contains("AmiName 'office' belongs to the export this update replaces", error.Message);
        Assert.Equal(calls, _h.Aws.CallCount("AppStream:CreateExportImageTask"));
    }

    [Fact]
    public async Task Update_ChangingOnlyTagsOrRemoval_ShouldKeepTheExport()
    {
        var created = await CreateAsync(Props());
        var next = Props(removal: RemovalPolicies.Destroy);
        next.Tags = new() { ["team"] = "other" };

        var updated = await _h.RunAsync(Request(ResourceTypes.AppStreamAmiExport, "Update", Json(next), Json(Props()), created.PhysicalResourceId));

        Assert.Equal(created.PhysicalResourceId, updated.PhysicalResourceId);
        Assert.Equal(created.Data, updated.Data);
        Assert.Single(_h.Aws.AppStreamTasks);
    }

    [Fact]
    public async Task Delete_UnderRetainWhileExporting_ShouldSucceedAtOnceAndLeaveTheTask()
    {
        var started = await _h.Lifecycle.OnEventAsync(Request(ResourceTypes.AppStreamAmiExport, "Create", Json(Props())), default);

        var deleted = await _h.RunAsync(Request(ResourceTypes.AppStreamAmiExport, "Delete", Json(Props()), physicalId: started.PhysicalResourceId));

        Assert.Equal(1, deleted.Polls);
        Assert.Contains(_h.Log, l => l.Contains($"RETAIN: AppStream export {started.PhysicalResourceId} is still running"));
        Assert.Equal(0, _h.Aws.CallCount("EC2:DeregisterImage"));
    }

    [Fact]
    public async Task Delete_UnderDestroyWhileExporting_ShouldWaitThenDeregisterAmiAndDeleteSnapshots()
    {
        var started = await _h.Lifecycle.OnEventAsync(Request(ResourceTypes.AppStreamAmiExport, "Create", Json(Props(removal: RemovalPolicies.Destroy))), default);

        var deleted = await _h.RunAsync(Request(ResourceTypes.AppStreamAmiExport, "Delete", Json(Props(removal: RemovalPolicies.Destroy)), physicalId: started.PhysicalResourceId));

        Assert.Equal(_h.Aws.AppStreamPollsToFinish, deleted.Polls);
        Assert.Equal("COMPLETED", _h.Aws.AppStreamTasks[started.PhysicalResourceId].State);
        Assert.Empty(_h.Aws.Images);
        Assert.Empty(_h.Aws.Snapshots);
    }

    [Fact]
    public async Task Delete_UnderDestroyAfterAFailedExport_ShouldRemoveAnAmiItLeftBehind()
    {
        _h.Aws.AppStreamFailure = ("FAILED", [("COPY", "broken")]);
        var started = await _h.Lifecycle.OnEventAsync(Request(ResourceTypes.AppStreamAmiExport, "Create", Json(Props(amiName: "left-over", removal: RemovalPolicies.Destroy))), default);
        // What the failed export left carries its tags (AppStream tags the AMI it creates); another AMI of that name does not.
        _h.Aws.Images["ami-0000000000000beef"] = new FakeImage("ami-0000000000000beef", "left-over", [], new(_h.Aws.AppStreamTasks[started.PhysicalResourceId].Tags));
        _h.Aws.Images["ami-00000000000000f00"] = new FakeImage("ami-00000000000000f00", "left-over", [], new() { [Tagging.StackTag] = "arn:aws:cloudformation:us-east-1:123456789012:stack/Other/1" });

        await _h.RunAsync(Request(ResourceTypes.AppStreamAmiExport, "Delete", Json(Props(amiName: "left-over", removal: RemovalPolicies.Destroy)), physicalId: started.PhysicalResourceId));

        Assert.Equal(["ami-00000000000000f00"], _h.Aws.Images.Keys);
    }

    [Fact]
    public async Task Delete_UnderDestroyOfUnknownTask_ShouldSucceed()
    {
        var outcome = await _h.RunAsync(Request(ResourceTypes.AppStreamAmiExport, "Delete", Json(Props(removal: RemovalPolicies.Destroy)), physicalId: "00000000-0000-4000-8000-00000000dead"));

        Assert.Equal(1, outcome.Polls);
        Assert.Equal(0, _h.Aws.CallCount("EC2:DeregisterImage"));
    }

    public static TheoryData<string, string, string> BadProps => new()
    {
        { "ImageName", "-leading-dash", "AppStreamAmiExport: ImageName '-leading-dash' is not valid; expected 1 to 101 characters" },
        { "AmiName", "ab", "AppStreamAmiExport: AmiName 'ab' is not valid; expected 3 to 128 characters" },
        { "IamRoleArn", "AppStreamExport", "AppStreamAmiExport: Role 'AppStreamExport' is not valid; expected an IAM role ARN" },
        { "AmiDescription", new string('d', 257), "AppStreamAmiExport: AmiDescription is 257 characters long; at most 256" },
        { "RemovalPolicy", "keep", "AppStreamAmiExport: RemovalPolicy 'keep' is not valid; expected one of retain, destroy" },
    };

    [Theory]
    [MemberData(nameof(BadProps))]
    public async Task Create_WithBadDeployTimeValue_ShouldFailNamingPropValueAndWhatIsValid(string field, string value, string message)
    {
        var props = Props();
        typeof(AppStreamAmiExportProperties).GetProperty(field)!.SetValue(props, value);

        var error = await Assert.ThrowsAsync<ExportException>(() => CreateAsync(props));

        Assert.Contains(message, error.Message);
        Assert.Empty(_h.Aws.Calls);
    }

    [Fact]
    public async Task Create_WithTooManyOrReservedTags_ShouldFail()
    {
        var props = Props();
        props.Tags = Enumerable.Range(0, 50).ToDictionary(i => $"k{i}", i => "v");
        props.Tags["aws:reserved"] = "x";

        var error = await Assert.ThrowsAsync<ExportException>(() => CreateAsync(props));

        Assert.Contains("AppStreamAmiExport: Tags has 51 entries; at most 45 are allowed (5 of the 50 are the owner tags exportconstructs:*", error.Message);
        Assert.Contains("Tags key 'aws:reserved' is not valid", error.Message);
    }
}

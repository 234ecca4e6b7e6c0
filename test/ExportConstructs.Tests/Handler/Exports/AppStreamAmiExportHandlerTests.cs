using ExportConstructs.Contract;
using ExportConstructs.Handler;
using ExportConstructs.Handler.Exports;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.Fakes.HandlerHarness;
using static ExportConstructs.Tests.Handler.Exports.AppStreamHandlerSteps;

namespace ExportConstructs.Tests.Handler.Exports;

/// <summary>
/// AppStreamAmiExport's handler through the AppStream JSON 1.1 client against the loopback AppStream:
/// the create and the checks of its deploy-time values.
/// </summary>
public sealed class AppStreamAmiExportHandlerTests : IAsyncLifetime
{
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

    [Fact]
    public async Task Create_WhenExportCompletes_ShouldReturnAmiAndImageArn()
    {
        var outcome = await _h.CreateAsync(Props(amiName: "office-ami"));

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
        Assert.Equal(["AppStream:ListExportImageTasks", "AppStream:CreateExportImageTask", "CloudFormation:DescribeStackResource", "AppStream:GetExportImageTask", "AppStream:GetExportImageTask", "AppStream:GetExportImageTask", "EventBridge:PutEvents"], _h.Aws.Calls);
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

        var error = await Assert.ThrowsAsync<ExportException>(() => _h.CreateAsync(Props()));

        var task = Assert.Single(_h.Aws.AppStreamTasks.Values);
        Assert.Contains($"AppStream export task {task.TaskId} of image arn:aws:appstream:us-east-1:123456789012:image/{ImageName} ended as {state}", error.Message);
        Assert.Contains("IMAGE_COPY_FAILURE: Snapshot copy failed; INTERNAL_ERROR: Try again", error.Message);
    }

    [Fact]
    public async Task Create_WhenSameRequestIsDeliveredTwice_ShouldReuseTheTaskAcrossListPages()
    {
        _h.Aws.AppStreamImages.Add("Other");
        for (var i = 0; i < 3; i++) await _h.CreateAsync(Props(image: "Other")); // other tasks, so the match is on a later page
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

        await _h.CreateAsync(Props());

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

        var error = await Assert.ThrowsAsync<AwsCallException>(() => _h.CreateAsync(props));

        Assert.Contains($"AppStream CreateExportImageTask failed for image {image}", error.Message);
        Assert.Contains($"[{code}]", error.Message);
        Assert.Contains(advice, error.Message);
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

        var error = await Assert.ThrowsAsync<ExportException>(() => _h.CreateAsync(props));

        Assert.Contains(message, error.Message);
        Assert.Empty(_h.Aws.Calls);
    }

    [Fact]
    public async Task Create_WithTooManyOrReservedTags_ShouldFail()
    {
        var props = Props();
        props.Tags = Enumerable.Range(0, 50).ToDictionary(i => $"k{i}", i => "v");
        props.Tags["aws:reserved"] = "x";

        var error = await Assert.ThrowsAsync<ExportException>(() => _h.CreateAsync(props));

        Assert.Contains("AppStreamAmiExport: Tags has 51 entries; at most 45 are allowed (5 of the 50 are the owner tags exportconstructs:*", error.Message);
        Assert.Contains("Tags key 'aws:reserved' is not valid", error.Message);
    }
}

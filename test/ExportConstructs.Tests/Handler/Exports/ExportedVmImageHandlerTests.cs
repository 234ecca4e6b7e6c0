using ExportConstructs.Contract;
using ExportConstructs.Handler;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.Fakes.HandlerHarness;
using static ExportConstructs.Tests.Handler.Exports.VmImageHandlerSteps;

namespace ExportConstructs.Tests.Handler.Exports;

/// <summary>
/// ExportedVmImage's handler through AWSSDK.EC2 and AWSSDK.S3 against the loopback EC2/S3: the create and the
/// checks of its deploy-time values.
/// </summary>
public sealed class ExportedVmImageHandlerTests : IAsyncLifetime
{
    private readonly HandlerHarness _h = new();

    public Task InitializeAsync()
    {
        _h.Aws.AddImage(Image);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Theory]
    [InlineData("VMDK", "vmdk")]
    [InlineData("RAW", "raw")]
    [InlineData("VHD", "vhd")]
    public async Task Create_WhenExportCompletes_ShouldReturnAttributesWithKeyForFormat(string format, string extension)
    {
        var outcome = await _h.CreateAsync(Props(format));

        var task = Assert.Single(_h.Aws.VmTasks.Values);
        Assert.Equal(task.Id, outcome.PhysicalResourceId);
        Assert.Equal(_h.Aws.VmPollsToFinish, outcome.Polls);
        var key = $"exports/{task.Id}.{extension}";
        Assert.Equal(new Dictionary<string, string>
        {
            ["ExportImageTaskId"] = task.Id,
            ["S3Bucket"] = "vm-exports",
            ["S3Key"] = key,
            ["S3Uri"] = $"s3://vm-exports/{key}",
            ["DiskImageFormat"] = format,
        }, outcome.Data);
        Assert.Contains($"vm-exports/{key}", _h.Aws.Objects);
        Assert.Equal(("exports/", "vmimport", format), (task.Prefix, task.RoleName, task.Format));
    }

    [Fact]
    public async Task Create_ShouldMakeOneStartCallOneDescribePerPollAndOneCompletionEvent()
    {
        await _h.CreateAsync(Props());

        // After the start, when CloudFormation began the Create (the wait's start, the same for a redelivered request).
        Assert.Equal(["EC2:ExportImage", "CloudFormation:DescribeStackResource", "EC2:DescribeExportImageTasks", "EC2:DescribeExportImageTasks", "EC2:DescribeExportImageTasks", "EventBridge:PutEvents"], _h.Aws.Calls);
    }

    [Fact]
    public async Task IsComplete_WhileExporting_ShouldStayPendingAndLogProgress()
    {
        var request = Request(ResourceTypes.ExportedVmImage, "Create", Json(Props()));
        var started = await _h.Lifecycle.OnEventAsync(request, default);

        var first = await _h.Lifecycle.IsCompleteAsync(Merge(request, started), default);
        var second = await _h.Lifecycle.IsCompleteAsync(Merge(request, started), default);

        Assert.False(first.IsComplete);
        Assert.False(second.IsComplete);
        Assert.Contains(_h.Log, l => l.Contains($"EC2 export {started.PhysicalResourceId}: active, 33% converting"));
        Assert.Contains(_h.Log, l => l.Contains("66% updating"));
    }

    [Fact]
    public async Task Create_WithTags_ShouldTagTheExportTaskWithThemAndTheOwnerTags()
    {
        var props = Props(tags: new() { ["team"] = "infra", ["cost"] = "42" });
        var request = Request(ResourceTypes.ExportedVmImage, "Create", Json(props));
        await _h.RunAsync(request);

        Assert.Equal(new Dictionary<string, string>
        {
            ["team"] = "infra", ["cost"] = "42",
            [Tagging.StackTag] = StackId, [Tagging.LogicalIdTag] = "Export", [Tagging.IdentityTag] = Tagging.IdentityOf(props),
            [Tagging.RequestTag] = ExportConstructs.Handler.Exports.ExportRequest.FingerprintOf(request),
        }, Assert.Single(_h.Aws.VmTasks.Values).Tags);
    }

    [Fact]
    public async Task Create_WhenTaskEndsDeleted_ShouldFailWithStatusMessageTaskAndImage()
    {
        _h.Aws.VmFailureMessage = "ClientError: Unsupported kernel version";

        var error = await Assert.ThrowsAsync<ExportException>(() => _h.CreateAsync(Props()));

        var task = Assert.Single(_h.Aws.VmTasks.Values);
        Assert.Contains($"EC2 export task {task.Id} of image {Image} ended as 'deleted'", error.Message);
        Assert.Contains("ClientError: Unsupported kernel version", error.Message);
    }

    [Fact]
    public async Task Create_WhenSameRequestIsDeliveredTwice_ShouldStartOneExport()
    {
        var request = Request(ResourceTypes.ExportedVmImage, "Create", Json(Props()));

        var first = await _h.Lifecycle.OnEventAsync(request, default);
        var second = await _h.Lifecycle.OnEventAsync(request, default);

        Assert.Equal(first.PhysicalResourceId, second.PhysicalResourceId);
        Assert.Single(_h.Aws.VmTasks);
    }

    [Fact]
    public async Task Create_WhenThrottled_ShouldRetryAndSucceed()
    {
        _h.Aws.FailNext("EC2:ExportImage", "RequestLimitExceeded", 503, times: 2);

        var outcome = await _h.CreateAsync(Props());

        Assert.Equal(3, _h.Aws.CallCount("EC2:ExportImage"));
        Assert.StartsWith("export-ami-", outcome.PhysicalResourceId);
    }

    [Theory]
    [InlineData("InvalidAMIID.NotFound", null, "Check ImageId")]
    [InlineData("NotExportable", null, "cannot be exported")]
    [InlineData("UnauthorizedOperation", "UnauthorizedOperation", "pass the service role")]
    public async Task Create_WhenEc2Refuses_ShouldReportCodeImageAndAdvice(string code, string? injected, string advice)
    {
        if (code == "NotExportable") _h.Aws.AddImage(Image, exportable: false);
        var props = Props();
        if (code == "InvalidAMIID.NotFound") props.ImageId = "ami-00000000";
        if (injected is not null) _h.Aws.FailNext("EC2:ExportImage", injected, 403);

        var error = await Assert.ThrowsAsync<AwsCallException>(() => _h.CreateAsync(props));

        Assert.Contains($"EC2 ExportImage failed for image {props.ImageId}", error.Message);
        Assert.Contains($"[{code}]", error.Message);
        Assert.Contains(advice, error.Message);
    }

    public static TheoryData<string, string, string> BadProps => new()
    {
        { "ImageId", "ami-12", "ExportedVmImage: ImageId 'ami-12' is not valid; expected 'ami-' followed by 8 or 17" },
        { "DiskImageFormat", "QCOW2", "ExportedVmImage: DiskImageFormat 'QCOW2' is not valid; expected one of VMDK, RAW, VHD" },
        { "S3Bucket", "Bad_Bucket", "ExportedVmImage: Bucket 'Bad_Bucket' is not valid; expected an S3 bucket name" },
        { "Description", new string('d', 256), "ExportedVmImage: Description is 256 characters long; at most 255" },
        { "RoleName", "bad role", "ExportedVmImage: Role 'bad role' is not valid" },
        { "RemovalPolicy", "snapshot", "ExportedVmImage: RemovalPolicy 'snapshot' is not valid; expected one of retain, destroy" },
        { "WaitForCompletion", "yes", "ExportedVmImage: WaitForCompletion 'yes' is not valid; expected one of true, false" },
    };

    [Theory]
    [MemberData(nameof(BadProps))]
    public async Task Create_WithBadDeployTimeValue_ShouldFailNamingPropValueAndWhatIsValid(string field, string value, string message)
    {
        var props = Props();
        typeof(ExportedVmImageProperties).GetProperty(field)!.SetValue(props, value);

        var error = await Assert.ThrowsAsync<ExportException>(() => _h.CreateAsync(props));

        Assert.Contains(message, error.Message);
        Assert.Empty(_h.Aws.Calls);
    }
}

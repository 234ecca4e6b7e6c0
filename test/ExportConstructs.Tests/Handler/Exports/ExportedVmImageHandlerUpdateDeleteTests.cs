using ExportConstructs.Contract;
using ExportConstructs.Handler;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.Fakes.HandlerHarness;
using static ExportConstructs.Tests.Handler.Exports.VmImageHandlerSteps;

namespace ExportConstructs.Tests.Handler.Exports;

/// <summary>
/// ExportedVmImage's handler through AWSSDK.EC2 and AWSSDK.S3 against the loopback EC2/S3: updates and deletes.
/// </summary>
public sealed class ExportedVmImageHandlerUpdateDeleteTests : IAsyncLifetime
{
    private readonly HandlerHarness _h = new();

    public Task InitializeAsync()
    {
        _h.Aws.AddImage(Image);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task Update_ChangingFormat_ShouldStartNewExportWithNewPhysicalId()
    {
        var created = await _h.CreateAsync(Props("VMDK"));

        var updated = await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Update", Json(Props("RAW")), Json(Props("VMDK")), created.PhysicalResourceId));

        Assert.NotEqual(created.PhysicalResourceId, updated.PhysicalResourceId);
        Assert.Equal(2, _h.Aws.VmTasks.Count);
        Assert.EndsWith(".raw", updated.Data!["S3Key"]);
    }

    [Theory]
    [InlineData("tags", new[] { "EC2:DescribeExportImageTasks", "EC2:CreateTags" })]
    [InlineData("removal", new string[0])]
    [InlineData("wait", new string[0])]
    public async Task Update_ChangingOnlyTagsRemovalOrWaiting_ShouldKeepTheExport(string change, string[] expectedCalls)
    {
        var created = await _h.CreateAsync(Props());
        var calls = _h.Aws.Calls.Count;
        var next = Props();
        if (change == "tags") next.Tags = new() { ["new"] = "tag" };
        if (change == "removal") next.RemovalPolicy = RemovalPolicies.Destroy;
        if (change == "wait") next.WaitForCompletion = "false";

        var updated = await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Update", Json(next), Json(Props()), created.PhysicalResourceId));

        Assert.Equal(created.PhysicalResourceId, updated.PhysicalResourceId);
        Assert.Equal(created.Data, updated.Data);
        // Only a tag change calls AWS: to re-tag the task in place. Nothing starts.
        Assert.Equal(expectedCalls, _h.Aws.Calls.Skip(calls));
        Assert.Equal(change == "tags" ? "tag" : null, _h.Aws.VmTasks[created.PhysicalResourceId].Tags.GetValueOrDefault("new"));
    }

    [Fact]
    public async Task Delete_WhileExporting_ShouldCancelAndWaitUntilTheTaskIsGone()
    {
        var request = Request(ResourceTypes.ExportedVmImage, "Create", Json(Props()));
        var started = await _h.Lifecycle.OnEventAsync(request, default);

        var deleted = await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Delete", Json(Props()), physicalId: started.PhysicalResourceId));

        var task = _h.Aws.VmTasks[started.PhysicalResourceId];
        Assert.True(task.Cancelled);
        Assert.Equal("deleted", task.Status);
        Assert.Equal(2, deleted.Polls); // deleting, then deleted
        Assert.Equal(1, _h.Aws.CallCount("EC2:CancelExportTask"));
        Assert.Empty(_h.Aws.Objects);
    }

    [Theory]
    [InlineData(RemovalPolicies.Retain, true)]
    [InlineData(RemovalPolicies.Destroy, false)]
    public async Task Delete_OfCompletedExport_ShouldApplyRemovalPolicy(string removal, bool objectKept)
    {
        var created = await _h.CreateAsync(Props(removal: removal));

        await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Delete", Json(Props(removal: removal)), physicalId: created.PhysicalResourceId));

        Assert.Equal(objectKept, _h.Aws.Objects.Contains($"vm-exports/{created.Data!["S3Key"]}"));
        Assert.Equal(0, _h.Aws.CallCount("EC2:CancelExportTask"));
    }

    [Fact]
    public async Task Delete_OfUnknownTaskAndMissingObject_ShouldSucceed()
    {
        var outcome = await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Delete", Json(Props(removal: RemovalPolicies.Destroy)), physicalId: "export-ami-0000000000000dead"));

        Assert.Equal("export-ami-0000000000000dead", outcome.PhysicalResourceId);
        Assert.Equal(1, _h.Aws.CallCount("S3:DELETE"));
    }

    [Fact]
    public async Task Delete_WhenPhysicalIdIsNotATask_ShouldOnlyLookForExportsThisResourceStarted()
    {
        await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Delete", Json(Props()), physicalId: "some-other-id"));

        // CloudFormation made the id up (no answer reached it): what the resource started is found by its owner tags.
        Assert.Equal(["EC2:DescribeExportImageTasks"], _h.Aws.Calls);
    }

    [Fact]
    public async Task Delete_WithAnIdCloudFormationMadeUp_ShouldStopOnlyWhatThoseHaveStartedNeverAnotherGenerationOfTheLogicalId()
    {
        _h.Aws.VmPollsToFinish = 1000;
        // The export CloudFormation holds, still running (it does not wait for completion) ...
        var held = Props();
        held.WaitForCompletion = "false";
        var heldId = (await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Create", Json(held)))).PhysicalResourceId;
        // ... and one a later request of the same logical id started, whose answer never reached CloudFormation
        // (of another AMI: EC2 runs one export per AMI at a time).
        const string otherImage = "ami-0fedcba9876543210";
        _h.Aws.AddImage(otherImage);
        var unanswered = Props(format: "RAW");
        unanswered.ImageId = otherImage;
        var started = await _h.Lifecycle.OnEventAsync(Request(ResourceTypes.ExportedVmImage, "Update", Json(unanswered), Json(held), heldId), default);

        await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Delete", Json(unanswered), physicalId: "Sample-Export-GENERATED1"));

        Assert.True(_h.Aws.VmTasks[started.NewTaskId!].Cancelled);
        Assert.False(_h.Aws.VmTasks[heldId].Cancelled);
        Assert.Equal("active", _h.Aws.VmTasks[heldId].Status);
    }
}

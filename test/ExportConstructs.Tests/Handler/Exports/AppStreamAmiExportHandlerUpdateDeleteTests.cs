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
/// updates and deletes.
/// </summary>
public sealed class AppStreamAmiExportHandlerUpdateDeleteTests : IAsyncLifetime
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
    public async Task Update_ChangingImage_ShouldStartNewExportWithItsOwnGeneratedName()
    {
        _h.Aws.AppStreamImages.Add("Office-Apps_2026.12");
        var created = await _h.CreateAsync(Props());

        var updated = await _h.RunAsync(Request(ResourceTypes.AppStreamAmiExport, "Update", Json(Props(image: "Office-Apps_2026.12")), Json(Props()), created.PhysicalResourceId));

        Assert.NotEqual(created.PhysicalResourceId, updated.PhysicalResourceId);
        Assert.NotEqual(created.Data!["AmiName"], updated.Data!["AmiName"]);
        Assert.Equal(2, _h.Aws.Images.Count);
    }

    [Fact]
    public async Task Update_ReplacingWithTheSameExplicitAmiName_ShouldFailBeforeStartingAnything()
    {
        _h.Aws.AppStreamImages.Add("Office-Apps_2026.12");
        var created = await _h.CreateAsync(Props(amiName: "office"));
        var calls = _h.Aws.CallCount("AppStream:CreateExportImageTask");

        var error = await Assert.ThrowsAsync<ExportException>(() => _h.RunAsync(Request(ResourceTypes.AppStreamAmiExport, "Update",
            Json(Props(amiName: "office", image: "Office-Apps_2026.12")), Json(Props(amiName: "office")), created.PhysicalResourceId)));

        Assert.Contains("AmiName 'office' belongs to the export this update replaces", error.Message);
        Assert.Equal(calls, _h.Aws.CallCount("AppStream:CreateExportImageTask"));
    }

    [Fact]
    public async Task Update_ChangingOnlyTagsOrRemoval_ShouldKeepTheExport()
    {
        var created = await _h.CreateAsync(Props());
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

        // The fake's task ends after so many reads; the Delete's onEvent makes one (is it still running: then it is reported cancelled).
        Assert.Equal(_h.Aws.AppStreamPollsToFinish - 1, deleted.Polls);
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

    [Fact]
    public async Task Delete_WithAnIdCloudFormationMadeUp_OfAnExportRunningPastTheHour_ShouldFailSayingWhyBeforeTheFramework()
    {
        _h.Aws.Clock = _h.Clock;
        _h.Aws.AppStreamDuration = TimeSpan.FromHours(3);
        var props = Props(removal: RemovalPolicies.Destroy);
        // A Create whose answer never reached CloudFormation: it started the export all the same.
        await _h.Lifecycle.OnEventAsync(Request(ResourceTypes.AppStreamAmiExport, "Create", Json(props)), default);
        var task = Assert.Single(_h.Aws.AppStreamTasks.Values);
        var delete = Request(ResourceTypes.AppStreamAmiExport, "Delete", Json(props), physicalId: "Sample-Export-GENERATED1");
        var merged = Merge(delete, await _h.Lifecycle.OnEventAsync(delete, default));
        var first = await _h.Lifecycle.IsCompleteAsync(merged, default);

        // The framework gives up at 57 minutes; the handler answers at 55, with the reason.
        _h.Clock.Advance(TimeSpan.FromMinutes(56));
        var error = await Assert.ThrowsAsync<ExportException>(() => _h.Lifecycle.IsCompleteAsync(merged, default));

        Assert.Equal(task.TaskId, merged.NewTaskId);
        Assert.False(first.IsComplete);
        Assert.Contains($"the Delete of export {task.TaskId} waited as long as a custom resource may", error.Message);
        Assert.Contains("delete again once the exports have ended", error.Message);
        Assert.Equal("EXPORTING", task.State);
    }
}

using System.Text.Json;
using ExportConstructs.Contract;
using ExportConstructs.Handler.Exports;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.Fakes.HandlerHarness;
using static ExportConstructs.Tests.Handler.Waiting.LongWaitHandlerSteps;

namespace ExportConstructs.Tests.Handler.Waiting;

/// <summary>
/// The long-wait path: the export resource starts the poller, polls signal the WaitCondition
/// through SignalResource (always SUCCESS, once the export has ended), the result resource reports.
/// This class: updates and deletes during the wait, and the pollers they stop.
/// </summary>
public sealed class LongWaitHandlerUpdateDeleteTests : IAsyncLifetime
{
    private readonly HandlerHarness _h = new();

    public Task InitializeAsync()
    {
        _h.Aws.AddImage(Image);
        _h.Aws.AppStreamImages.Add("Office");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Assert.Empty(_h.Aws.ProtocolProblems);
        await _h.DisposeAsync();
    }

    [Fact]
    public async Task Delete_MidWait_ShouldStopThePollerAndCancelTheExport()
    {
        var (taskId, input) = await _h.CreateVmAsync();
        await _h.Poller.PollAsync(input, default);

        await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Delete", Json(Vm()), physicalId: taskId));

        Assert.Equal("ABORTED", _h.Execution(taskId).Status);
        Assert.True(_h.Aws.VmTasks[taskId].Cancelled);
        Assert.Equal(1, _h.Aws.CallCount("SFN:StopExecution"));
    }

    [Fact]
    public async Task Delete_WhenThePollerIsAlreadyGone_ShouldStillCancelTheExport()
    {
        var (taskId, _) = await _h.CreateVmAsync();
        _h.Aws.Executions.Remove(_h.Execution(taskId).Name);

        await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Delete", Json(Vm()), physicalId: taskId));

        Assert.True(_h.Aws.VmTasks[taskId].Cancelled);
    }

    [Fact]
    public async Task Update_WithOnlyANewCondition_ShouldKeepTheExportStopTheOldPollerAndSignalTheNewCondition()
    {
        var (taskId, _) = await _h.CreateVmAsync();
        var first = _h.Execution(taskId).Name;

        var updated = await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Update", Json(Vm("WaitB")), Json(Vm("WaitA")), taskId));
        var second = _h.Aws.Executions.Single(e => e.Key != first);
        await _h.PollUntilDoneAsync(JsonSerializer.Deserialize(second.Value.Input, ContractJsonContext.Default.PollerInput)!);

        Assert.Equal(taskId, updated.PhysicalResourceId);
        Assert.Single(_h.Aws.VmTasks);
        Assert.Equal("ABORTED", _h.Aws.Executions[first].Status); // at most one poller per export
        Assert.Equal(["WaitB"], _h.Aws.ResourceSignals.Select(x => x.LogicalResourceId));
    }

    [Fact]
    public async Task Update_Replacing_ShouldStartANewExportWithItsOwnPoller()
    {
        var (taskId, input) = await _h.CreateVmAsync();
        // An Update reaches a long-path export after its WaitCondition, so once the export has ended
        // (EC2 would refuse a second export of the AMI while the first runs).
        await _h.PollUntilDoneAsync(input);

        var updated = await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Update", Json(Vm("WaitB", "RAW")), Json(Vm()), taskId));

        Assert.NotEqual(taskId, updated.PhysicalResourceId);
        Assert.Equal(2, _h.Aws.Executions.Count);
        Assert.Contains(_h.Aws.Executions.Keys, k => k.StartsWith(updated.PhysicalResourceId + "-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Update_MovingToTheShortPath_ShouldStopThePollerOfTheOldCondition()
    {
        var (taskId, _) = await _h.CreateVmAsync();
        var shortPath = Vm();
        shortPath.Wait = new WaitProperties { IntervalSeconds = "60", TimeoutSeconds = "3000" };

        var updated = await _h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Update", Json(shortPath), Json(Vm()), taskId));

        Assert.Equal(taskId, updated.PhysicalResourceId);
        Assert.Equal("ABORTED", _h.Execution(taskId).Status);
        Assert.Single(_h.Aws.VmTasks);
    }
}

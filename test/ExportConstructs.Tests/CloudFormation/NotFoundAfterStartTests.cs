using Amazon.CDK;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// An export not found right after its start (EC2 and AppStream reads are eventually consistent) is
/// "not yet" for a grace period, on the short path (isComplete) and on the long path (the poller),
/// deployed by the CloudFormation emulation. Each injected not-found answer uses the service's own
/// error code: EC2's <c>InvalidExportTaskID.NotFound</c>, AppStream's <c>ResourceNotFoundException</c>.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class NotFoundAfterStartTests : IAsyncLifetime
{
    private const string Ec2NotFound = "InvalidExportTaskID.NotFound";
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AddImage(LongWaitStacks.Image);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();


    [Fact]
    public async Task VmShortPath_NotFoundRightAfterTheStart_ShouldBeWaitedThroughNotJudgedAFailure()
    {
        // Done after 3 describes that see it; the first describe, right after the start, does not see it yet.
        _d.Aws.VmPollsToFinish = 3;
        _d.Aws.FailNext("EC2:DescribeExportImageTasks", Ec2NotFound, 400);
        var template = await _d.VmStack(p => { p.Timeout = Duration.Minutes(30); p.PollInterval = Duration.Minutes(1); });
        var export = template.Of(ResourceTypes.ExportedVmImage);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", _d.Story());
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var create = Assert.Single(_d.Cfn.ExchangesOf(export));
        Assert.Equal(("Create", "SUCCESS", task.Id, task.Key), (create.RequestType, create.Answer!.Status, create.Answer.PhysicalResourceId, create.Answer.Data["S3Key"]));
        Assert.Equal(("completed", false), (task.Status, task.Cancelled));
        Assert.Contains($"{task.Bucket}/{task.Key}", _d.Aws.Objects);
        // One start; the not-found describe, then the three that see the task to its end; no cancel.
        Assert.Equal((1, 1 + 3, 0), (_d.Aws.CallCount("EC2:ExportImage"), _d.Aws.CallCount("EC2:DescribeExportImageTasks"), _d.Aws.CallCount("EC2:CancelExportTask")));
        Assert.Contains(_d.Cfn.Lambda.Logs.Values.SelectMany(l => l), l => l.Contains("eventual consistency", StringComparison.Ordinal));
        Assert.Empty(_d.Cfn.States.Running);
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    [Fact]
    public async Task VmLongPath_NotFoundRightAfterTheStart_ShouldBeWaitedThroughByThePoller()
    {
        _d.Aws.VmDuration = TimeSpan.FromMinutes(90);
        // The poller's first describe, at once, does not see the task yet.
        _d.Aws.FailNext("EC2:DescribeExportImageTasks", Ec2NotFound, 400);
        var template = await _d.VmStack();
        var (export, result) = (template.Of(ResourceTypes.ExportedVmImage), template.Of(ResourceTypes.ExportedVmImageResult));

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", _d.Story());
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        Assert.Equal(("SUCCESS", task.Id), (_d.Cfn.ExchangesOf(export).Single().Answer!.Status, _d.Cfn.ExchangesOf(export).Single().Answer!.PhysicalResourceId));
        var reported = _d.Cfn.ExchangesOf(result).Single().Answer!;
        Assert.Equal(("SUCCESS", task.Id, task.Key), (reported.Status, reported.PhysicalResourceId, reported.Data["S3Key"]));
        Assert.Equal(task.Id, Assert.Single(_d.Aws.ResourceSignals).UniqueId);
        Assert.Equal(("completed", false), (task.Status, task.Cancelled));
        // The poller's describes: at once (not found), then every 5 minutes until the 90-minute export is done
        // (18 more), and one by the result resource.
        Assert.Equal((1, 1 + 18 + 1, 0), (_d.Aws.CallCount("EC2:ExportImage"), _d.Aws.CallCount("EC2:DescribeExportImageTasks"), _d.Aws.CallCount("EC2:CancelExportTask")));
        // Waited through, not signalled as an outcome: one signal, when the export completed.
        Assert.Equal(1, _d.Aws.CallCount("CloudFormation:SignalResource"));
        Assert.Contains(_d.Cfn.Lambda.Logs.Values.SelectMany(l => l), l => l.Contains("eventual consistency", StringComparison.Ordinal));
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    [Fact]
    public async Task AppStreamLongPath_NotFoundRightAfterTheStart_ShouldBeWaitedThroughNotJudgedAFailure()
    {
        // The first two Gets after the start (the export resource's attributes, the poller's first poll) do not see the task.
        _d.Aws.FailNext("AppStream:GetExportImageTask", "ResourceNotFoundException", 400, times: 2);
        var template = await _d.AmiStack();
        var (export, result) = (template.Of(ResourceTypes.AppStreamAmiExport), template.Of(ResourceTypes.AppStreamAmiExportResult));

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", _d.Story());
        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);
        Assert.Equal("COMPLETED", task.State);
        Assert.Equal(("SUCCESS", task.TaskId), (_d.Cfn.ExchangesOf(export).Single().Answer!.Status, _d.Cfn.ExchangesOf(export).Single().Answer!.PhysicalResourceId));
        var reported = _d.Cfn.ExchangesOf(result).Single().Answer!;
        Assert.Equal(("SUCCESS", task.TaskId, task.AmiId), (reported.Status, reported.PhysicalResourceId, reported.Data[AppStreamAmiExportAttributeNames.AmiId]));
        Assert.Equal(task.AmiId, _d.Cfn.Resources[result].Attributes[AppStreamAmiExportAttributeNames.AmiId]!.ToString());
        Assert.Equal(task.TaskId, Assert.Single(_d.Aws.ResourceSignals).UniqueId);
        // The two not-found Gets, the three that see the task to its end, and one by the result resource.
        Assert.Equal((1, 2 + 3 + 1), (_d.Aws.CallCount("AppStream:CreateExportImageTask"), _d.Aws.CallCount("AppStream:GetExportImageTask")));
        Assert.Equal(1, _d.Aws.CallCount("CloudFormation:SignalResource"));
        Assert.Contains(_d.Cfn.Lambda.Logs.Values.SelectMany(l => l), l => l.Contains("eventual consistency", StringComparison.Ordinal));
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }
}

using Amazon.CDK;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.CloudFormation.DeploymentHelpers;
using static ExportConstructs.Tests.CloudFormation.ShortPathStacks;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// AppStreamAmiExport stacks on the short path (Timeout ≤ 55 min) deployed, updated, rolled back
/// and deleted by the CloudFormation emulation through the real Provider framework code, the
/// handler with its role's deployed rights, and the loopback AWS (issue "Updates, rollbacks and
/// deletes exactly as CloudFormation runs them"). Each test asserts what CloudFormation was told,
/// what AWS holds at the end, and the AWS calls made.
/// This class: create, complete and delete, a start AWS does not find yet, a create cancelled
/// during its wait, and another stack's AMI of the same name.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class AppStreamAmiExportDeploymentTests : IAsyncLifetime
{
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AppStreamImages.Add(AppStreamImage);
        _d.Aws.AppStreamImages.Add(OtherAppStreamImage);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    // ------------------------------------------------------------------ 1. create, complete, delete

    [Fact]
    public async Task CreateThenDeleteUnderRetain_ShouldReportTheAmiAndKeepIt()
    {
        var template = await _d.ShortAmiStack();
        var id = template.Of(ResourceTypes.AppStreamAmiExport);

        var created = await _d.Cfn.CreateStackAsync(template);
        var deleted = await _d.Cfn.DeleteStackAsync();

        Assert.True(("CREATE_COMPLETE", "DELETE_COMPLETE") == (created, deleted), _d.Story());
        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);
        Assert.Equal("COMPLETED", task.State);
        var create = _d.Cfn.ExchangesOf(id).First();
        Assert.Equal(("Create", "SUCCESS", task.TaskId), (create.RequestType, create.Answer!.Status, create.Answer.PhysicalResourceId));
        Assert.Equal(task.TaskId, create.Answer.Data[AppStreamAmiExportAttributeNames.TaskId]);
        Assert.Equal(task.AmiId, create.Answer.Data[AppStreamAmiExportAttributeNames.AmiId]);
        Assert.Equal(task.AmiName, create.Answer.Data[AppStreamAmiExportAttributeNames.AmiName]);
        Assert.Equal($"arn:aws:appstream:us-east-1:123456789012:image/{AppStreamImage}", create.Answer.Data[AppStreamAmiExportAttributeNames.ImageArn]);
        Assert.StartsWith(AppStreamImage + "-", task.AmiName); // generated: {ImageName}-{12 hex digits}
        // The task carries the owner tags a made-up id's Delete finds it by.
        Assert.Equal(_d.Cfn.StackId, task.Tags[Tagging.StackTag]);
        Assert.Equal(id, task.Tags[Tagging.LogicalIdTag]);
        var delete = _d.Last(id);
        Assert.Equal(("Delete", task.TaskId, "SUCCESS"), (delete.RequestType, delete.PhysicalResourceId, delete.Answer!.Status));
        // RETAIN keeps the AMI and its snapshot.
        var ami = _d.Aws.Images[task.AmiId!];
        Assert.All(ami.Snapshots, s => Assert.Contains(s, _d.Aws.Snapshots));
        Assert.Equal(1, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
        Assert.Equal(0, _d.Aws.CallCount("EC2:DeregisterImage"));
        Assert.Equal(0, _d.Aws.CallCount("EC2:DeleteSnapshot"));
        Assert.Empty(_d.Aws.Denials);
        Assert.Empty(_d.Cfn.States.Running);
    }

    [Theory]
    [InlineData(true)]
    public async Task CreateThenDeleteUnderDestroy_ShouldDeregisterTheAmiAndDeleteItsSnapshots(bool snapshotsCarryTheTags)
    {
        // AWS does not say whether an AppStream-made AMI's snapshots carry the export's tags (aws-facts §10).
        _d.Aws.AppStreamTagsSnapshots = snapshotsCarryTheTags;
        var template = await _d.ShortAmiStack(p => p.RemovalPolicy = RemovalPolicy.DESTROY);
        var id = template.Of(ResourceTypes.AppStreamAmiExport);

        var created = await _d.Cfn.CreateStackAsync(template);
        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var ami = _d.Aws.Images[task.AmiId!];
        var deleted = await _d.Cfn.DeleteStackAsync();

        Assert.True(("CREATE_COMPLETE", "DELETE_COMPLETE") == (created, deleted), _d.Story());
        Assert.Equal(("Delete", "SUCCESS"), (_d.Last(id).RequestType, _d.Last(id).Answer!.Status));
        Assert.DoesNotContain(ami.ImageId, _d.Aws.Images.Keys);
        Assert.True(!ami.Snapshots.Any(_d.Aws.Snapshots.Contains), "the AMI's snapshots stay\n" + _d.Story());
        Assert.Equal(1, _d.Aws.CallCount("EC2:DeregisterImage"));
        Assert.Equal(ami.Snapshots.Count, _d.Aws.CallCount("EC2:DeleteSnapshot"));
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    [Fact]
    public async Task DeleteUnderDestroy_WhenTheSnapshotsDoNotCarryTheOwnerTag_ShouldRemoveTheAmiAndNameTheSnapshotsLeft()
    {
        // The deletion right is conditioned on this stack's owner tag; if AppStream does not copy the
        // export's tags to the snapshots (undocumented), they may not be deleted: the Delete still
        // succeeds (no stuck stack) and the handler's log names each snapshot left.
        _d.Aws.AppStreamTagsSnapshots = false;
        var template = await _d.ShortAmiStack(p => p.RemovalPolicy = RemovalPolicy.DESTROY);
        await _d.Cfn.CreateStackAsync(template);
        var ami = _d.Aws.Images[Assert.Single(_d.Aws.AppStreamTasks.Values).AmiId!];

        var deleted = await _d.Cfn.DeleteStackAsync();

        Assert.True(deleted == "DELETE_COMPLETE", _d.Story());
        Assert.DoesNotContain(ami.ImageId, _d.Aws.Images.Keys);
        Assert.All(ami.Snapshots, snapshot =>
        {
            Assert.Contains(snapshot, _d.Aws.Snapshots);
            Assert.Contains(_d.Cfn.Lambda.Logs.Values.SelectMany(l => l), line => line.StartsWith($"LEFT: snapshot {snapshot}", StringComparison.Ordinal));
        });
        Assert.Equal(["ec2:DeleteSnapshot"], _d.Aws.Denials.Select(d => d.Action).Distinct());
    }

    // ------------------------------------------------------------------ 5. another stack's AMI of the same name

    [Fact]
    public async Task DeleteOfAFailedExportUnderDestroy_WhoseAmiNameAnotherStacksAmiTook_ShouldLeaveThatAmiAlone()
    {
        _d.Aws.AppStreamTagsSnapshots = true;
        _d.Aws.AppStreamFailure = ("FAILED", [("AMI_NAME_TAKEN", "An AMI named office-shared already exists.")]);
        var template = await _d.ShortAmiStack(p => { p.RemovalPolicy = RemovalPolicy.DESTROY; p.AmiName = "office-shared"; });
        var id = template.Of(ResourceTypes.AppStreamAmiExport);
        // While the export runs, another stack registers an AMI of that name (so this export fails).
        var foreign = new FakeImage("ami-0f0f0f0f0f0f0f0f0", "office-shared", ["snap-0f0f0f0f0f0f0f0f0"],
            new Dictionary<string, string> { [Tagging.StackTag] = OtherStackId, [Tagging.LogicalIdTag] = "Ami" });
        _d.Scheduler.After(TimeSpan.FromMinutes(1), () =>
        {
            _d.Aws.Images[foreign.ImageId] = foreign;
            _d.Aws.Snapshots.Add(foreign.Snapshots[0]);
            _d.Aws.SnapshotTags[foreign.Snapshots[0]] = new Dictionary<string, string>(foreign.Tags);
            return Task.CompletedTask;
        });

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "ROLLBACK_COMPLETE", _d.Story());
        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);
        Assert.Equal("FAILED", task.State);
        var create = _d.Cfn.ExchangesOf(id).First();
        Assert.Equal(("FAILED", task.TaskId), (create.Answer!.Status, create.Answer.PhysicalResourceId));
        var delete = _d.Last(id);
        Assert.Equal(("Delete", task.TaskId, "SUCCESS"), (delete.RequestType, delete.PhysicalResourceId, delete.Answer!.Status));
        // The other stack's AMI and snapshot are untouched, and nothing even tried to remove them.
        Assert.Same(foreign, _d.Aws.Images[foreign.ImageId]);
        Assert.Contains(foreign.Snapshots[0], _d.Aws.Snapshots);
        Assert.Equal(0, _d.Aws.CallCount("EC2:DeregisterImage"));
        Assert.Equal(0, _d.Aws.CallCount("EC2:DeleteSnapshot"));
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    // ------------------------------------------------------------------ 6. not found right after the start

    [Fact]
    public async Task NotFoundRightAfterTheStart_ShouldBeWaitedThroughNotJudgedAFailure()
    {
        // AppStream is eventually consistent: the first Get after the start may not see the new task yet.
        _d.Aws.FailNext("AppStream:GetExportImageTask", "ResourceNotFoundException", 400);
        var template = await _d.ShortAmiStack();
        var id = template.Of(ResourceTypes.AppStreamAmiExport);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", _d.Story());
        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);
        Assert.Equal("COMPLETED", task.State);
        var create = _d.Cfn.ExchangesOf(id).Single();
        Assert.Equal(("SUCCESS", task.TaskId, task.AmiId), (create.Answer!.Status, create.Answer.PhysicalResourceId, create.Answer.Data[AppStreamAmiExportAttributeNames.AmiId]));
        Assert.Equal(1, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
        // The not-found Get, then the three that see the task to its end.
        Assert.Equal(1 + 3, _d.Aws.CallCount("AppStream:GetExportImageTask"));
        Assert.Empty(_d.Aws.Denials);
    }

    // ------------------------------------------------------------------ 7. create cancelled during its wait

    [Fact]
    public async Task CreateCancelledDuringTheWaitUnderRetain_ShouldFindTheTaskByItsOwnerTagsAndLetItFinish()
    {
        _d.Aws.AppStreamPollsToFinish = 1000;
        var template = await _d.ShortAmiStack();
        var id = template.Of(ResourceTypes.AppStreamAmiExport);
        _d.Cfn.CancelAfter = TimeSpan.FromMinutes(10);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "ROLLBACK_COMPLETE", _d.Story());
        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var create = _d.Cfn.ExchangesOf(id).First();
        Assert.Null(create.Answer);
        var delete = _d.Last(id);
        Assert.Equal(("Delete", "SUCCESS"), (delete.RequestType, delete.Answer!.Status));
        Assert.NotEqual(task.TaskId, delete.PhysicalResourceId); // an id CloudFormation made up
        Assert.StartsWith("Sample-" + id + "-", delete.PhysicalResourceId);
        // AppStream has no cancel: under RETAIN the export goes on and its AMI is kept, as RETAIN says.
        // The handler found it by its owner tags (the made-up id names nothing) and said so.
        Assert.Equal("EXPORTING", task.State);
        Assert.Contains("AppStream:ListExportImageTasks", _d.Aws.Calls);
        Assert.Contains(_d.HandlerLog(), l => l.Contains(delete.PhysicalResourceId!) && l.Contains(task.TaskId));
        Assert.Equal(1, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task CreateCancelledDuringTheWaitUnderDestroy_ShouldLeaveNothingRunningThatNoResourceOwns()
    {
        _d.Aws.AppStreamTagsSnapshots = true;
        _d.Aws.AppStreamPollsToFinish = 1000;
        var template = await _d.ShortAmiStack(p => p.RemovalPolicy = RemovalPolicy.DESTROY);
        var id = template.Of(ResourceTypes.AppStreamAmiExport);
        _d.Cfn.CancelAfter = TimeSpan.FromMinutes(10);

        var created = await _d.Cfn.CreateStackAsync(template);

        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var delete = _d.Last(id);
        Assert.Equal("Delete", delete.RequestType);
        Assert.NotEqual(task.TaskId, delete.PhysicalResourceId); // an id CloudFormation made up
        Assert.Equal(1, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
        Assert.Empty(_d.Aws.Denials);
        // AppStream cannot cancel. Under DESTROY the export's AMI must not outlive the resource, so the
        // Delete may only succeed once the export has ended and its AMI is gone; while the export still
        // runs, the Delete must fail and CloudFormation keep holding the resource (a retried delete then
        // finds it again). What may not happen: the resource gone while its export still makes an AMI.
        if (task.State == "EXPORTING")
        {
            Assert.True(created == "ROLLBACK_FAILED", $"{created}: the export {task.TaskId} still runs and will make an AMI that no resource owns.\n{_d.Story()}");
            Assert.True(_d.Cfn.Resources.ContainsKey(id), _d.Story());
        }
        else
        {
            Assert.Equal("ROLLBACK_COMPLETE", created);
            Assert.DoesNotContain(_d.Aws.Images.Values, i => i.Name == task.AmiName);
        }
    }
}

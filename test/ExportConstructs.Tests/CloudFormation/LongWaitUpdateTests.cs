using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using static ExportConstructs.Tests.CloudFormation.DeploymentHelpers;
using static ExportConstructs.Tests.CloudFormation.LongWaitStacks;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// The long-wait path (Timeout over 55 minutes) updated by the CloudFormation emulation: the
/// export resource through the real framework code, the poller state machine run from its
/// synthesized definition, the WaitCondition's CreationPolicy signalled through SignalResource, and
/// the result resource. Each test asserts what CloudFormation was told, what AWS holds, that no
/// poller execution is left running, and the AWS calls.
/// This class: in-place Updates (timeout, settings, moves between the paths, tags) and their rollbacks.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class LongWaitUpdateTests : IAsyncLifetime
{
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AddImage(Image);
        _d.Aws.VmDuration = TimeSpan.FromMinutes(90);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    [Fact]
    public async Task TimeoutOnlyUpdate_ShouldKeepTheExportGiveItANewConditionAndLeaveNoSecondPoller()
    {
        await _d.Cfn.CreateStackAsync(await _d.VmStack());
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var next = await _d.VmStack(p => p.Timeout = Duration.Hours(4));

        var updated = await _d.Cfn.UpdateStackAsync(next);

        Assert.True(updated == "UPDATE_COMPLETE", _d.Story());
        Assert.Single(_d.Aws.VmTasks);
        Assert.Equal(task.Id, _d.Cfn.Resources[next.Of(ResourceTypes.ExportedVmImage)].PhysicalId);
        Assert.Equal(next.Of("AWS::CloudFormation::WaitCondition"), _d.Aws.ResourceSignals[^1].LogicalResourceId);
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task AppStreamSettingsOnlyUpdate_ShouldKeepTheExportOnTheLongPath()
    {
        _d.Aws.AppStreamImages.Add("Office");
        async Task<StackTemplate> AmiStack(Duration timeout)
        {
            var stack = Synthesized.NewStack("Sample");
            new AppStreamAmiExport(stack, "As", new AppStreamAmiExportProps { ImageName = "Office", Timeout = timeout, PollInterval = Duration.Minutes(5) });
            return await _d.SynthesizeAsync(stack);
        }
        var first = await AmiStack(Duration.Hours(2));
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", _d.Story());
        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);

        var updated = await _d.Cfn.UpdateStackAsync(await AmiStack(Duration.Hours(5)));

        Assert.True(updated == "UPDATE_COMPLETE", _d.Story());
        Assert.Equal(1, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
        var result = Assert.Single(_d.Cfn.Resources.Values, r => r.Type == ResourceTypes.AppStreamAmiExportResult);
        Assert.Equal(task.AmiId, result.Attributes["AmiId"]!.ToString());
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task MovesBetweenThePaths_ShouldKeepTheExportAndLeaveNoPollerRunning()
    {
        _d.Aws.VmDuration = TimeSpan.FromMinutes(20);
        Assert.True(await _d.Cfn.CreateStackAsync(await _d.VmStack(p => { p.Timeout = Duration.Minutes(50); p.PollInterval = Duration.Minutes(2); })) == "CREATE_COMPLETE", _d.Story());
        var task = Assert.Single(_d.Aws.VmTasks.Values);

        var toLong = await _d.Cfn.UpdateStackAsync(await _d.VmStack(p => p.Timeout = Duration.Hours(3)));
        var longTemplate = _d.Cfn.Template!;
        var toShort = await _d.Cfn.UpdateStackAsync(await _d.VmStack(p => { p.Timeout = Duration.Minutes(50); p.PollInterval = Duration.Minutes(2); }));

        Assert.True((toLong, toShort) == ("UPDATE_COMPLETE", "UPDATE_COMPLETE"), _d.Story());
        Assert.Single(_d.Aws.VmTasks);
        Assert.Equal(task.Id, _d.Cfn.Resources[longTemplate.Of(ResourceTypes.ExportedVmImage)].PhysicalId);
        // On the long path the kept export signalled its new condition; back on the short path, condition and result are gone.
        Assert.Equal(longTemplate.Of("AWS::CloudFormation::WaitCondition"), Assert.Single(_d.Aws.ResourceSignals).LogicalResourceId);
        Assert.DoesNotContain(_d.Cfn.Resources.Values, r => r.Type is "AWS::CloudFormation::WaitCondition" or ResourceTypes.ExportedVmImageResult);
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task TimeoutUpdateRolledBack_ShouldLeaveNoPollerForTheOldCondition()
    {
        await _d.Cfn.CreateStackAsync(await _d.VmStack());
        var stack = Synthesized.NewStack("Sample");
        new ExportedVmImage(stack, "Vm", new ExportedVmImageProps
        {
            ImageId = Image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Bucket(stack, "Bucket"),
            Timeout = Duration.Hours(4), PollInterval = Duration.Minutes(5),
        });
        new Amazon.CDK.CfnWaitConditionHandle(stack, "Later").Node.AddDependency(stack.Node.FindChild("Vm"));
        var next = await _d.SynthesizeAsync(stack);
        _d.Cfn.FailOn("Later");

        var updated = await _d.Cfn.UpdateStackAsync(next);

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", _d.Story());
        Assert.Single(_d.Aws.VmTasks);
        Assert.Empty(await _d.PollersLeftAsync());
    }

    /// <summary>
    /// After a tags-only Update rolled back because of "Later": the export and its result each got the Update
    /// and its rollback, both kept under the task's id, and the result still carries these attributes.
    /// </summary>
    private void AssertKeptThroughTheRollback(string export, string result, string taskId, IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonNode?> before, string[] names)
    {
        Assert.Contains(_d.Cfn.Events, e => e.LogicalId == "Later" && e.Status.EndsWith("_FAILED", StringComparison.Ordinal));
        foreach (var id in new[] { export, result })
        {
            var exchanges = _d.Cfn.ExchangesOf(id).Skip(1).ToList();
            Assert.Equal(2, exchanges.Count);
            Assert.All(exchanges, e => Assert.True(e.Answer is { Status: "SUCCESS" } a && a.PhysicalResourceId == taskId, e.ToString()));
        }
        foreach (var name in names)
            Assert.Equal(before[name]!.ToString(), _d.Cfn.Resources[result].Attributes[name]?.ToString());
    }

    [Fact]
    public async Task TagsOnlyUpdateRolledBack_AfterEc2ForgotTheTask_ShouldKeepTheExportAndItsAttributesWithoutAnAwsError()
    {
        var first = await _d.VmStack(p => p.Tags = new Dictionary<string, string> { ["team"] = "a" });
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", _d.Story());
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var (export, result) = (first.Of(ResourceTypes.ExportedVmImage), first.Of(ResourceTypes.ExportedVmImageResult));
        var attributes = _d.Cfn.Resources[result].Attributes;
        // EC2 keeps export tasks for a while only: the task is gone, its file stays.
        _d.Aws.VmTasks.Remove(task.Id);
        var describes = _d.Aws.CallCount("EC2:DescribeExportImageTasks");
        _d.Cfn.FailOn("Later");

        var updated = await _d.Cfn.UpdateStackAsync(await _d.VmStack(p => p.Tags = new Dictionary<string, string> { ["team"] = "b" }, FailingLater("Vm")));

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", _d.Story());
        AssertKeptThroughTheRollback(export, result, task.Id, attributes, ["ExportImageTaskId", "S3Bucket", "S3Key", "S3Uri", "DiskImageFormat"]);
        Assert.Contains($"{task.Bucket}/{task.Key}", _d.Aws.Objects);
        // Kept without failing on the task AWS forgot: each Update looked for it once, to re-tag it, and found nothing
        // to tag. No new export or poller.
        Assert.Equal(describes + 2, _d.Aws.CallCount("EC2:DescribeExportImageTasks"));
        Assert.Equal(0, _d.Aws.CallCount("EC2:CreateTags"));
        Assert.Equal(1, _d.Aws.CallCount("EC2:ExportImage"));
        Assert.Single(_d.Aws.Executions.Keys, n => n.StartsWith(task.Id, StringComparison.Ordinal)); // the create's poller only
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    [Fact]
    public async Task AppStreamTagsOnlyUpdateRolledBack_AfterAppStreamForgotTheTask_ShouldKeepTheExportAndItsAttributesWithoutAnAwsError()
    {
        var first = await _d.AmiStack(p => p.Tags = new Dictionary<string, string> { ["team"] = "a" });
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", _d.Story());
        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var (export, result) = (first.Of(ResourceTypes.AppStreamAmiExport), first.Of(ResourceTypes.AppStreamAmiExportResult));
        var attributes = _d.Cfn.Resources[result].Attributes;
        _d.Aws.AppStreamTasks.Remove(task.TaskId);
        _d.Cfn.FailOn("Later");

        var updated = await _d.Cfn.UpdateStackAsync(await _d.AmiStack(p => p.Tags = new Dictionary<string, string> { ["team"] = "b" }, FailingLater("As")));

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", _d.Story());
        // The attributes come from the AMI found by its owner tags.
        AssertKeptThroughTheRollback(export, result, task.TaskId, attributes,
            [AppStreamAmiExportAttributeNames.TaskId, AppStreamAmiExportAttributeNames.AmiId, AppStreamAmiExportAttributeNames.AmiName, AppStreamAmiExportAttributeNames.ImageArn]);
        Assert.Contains(task.AmiId!, _d.Aws.Images.Keys);
        Assert.Equal((1, 0), (_d.Aws.CallCount("AppStream:CreateExportImageTask"), _d.Aws.CallCount("EC2:DeregisterImage")));
        // The AMI, found by its owner tags, was re-tagged by the Update and back by its rollback.
        Assert.Equal(("a", 2), (_d.Aws.Images[task.AmiId!].Tags["team"], _d.Aws.CallCount("EC2:CreateTags")));
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }
}

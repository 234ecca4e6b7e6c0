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
/// This class: replacements and removals, and what their cleanup deletes.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class LongWaitCleanupTests : IAsyncLifetime
{
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AddImage(Image);
        _d.Aws.VmDuration = TimeSpan.FromMinutes(90);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    /// <summary>The next template holds no export at all: only the provider, which every stack with an export has.</summary>
    private async Task<StackTemplate> WithoutExport(bool bucket)
    {
        var stack = Synthesized.NewStack("Sample");
        if (bucket) new Bucket(stack, "Bucket");
        ExportProvider.Of(stack);
        return await _d.SynthesizeAsync(stack);
    }

    [Fact]
    public async Task ReplacementUnderDestroy_ShouldWaitForTheNewExportThenDeleteTheOldFileInTheCleanupPhase()
    {
        const string second = "ami-0fedcba9876543210";
        _d.Aws.AddImage(second);
        await _d.Cfn.CreateStackAsync(await _d.VmStack(p => p.RemovalPolicy = RemovalPolicy.DESTROY));
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        var next = await _d.VmStack(p => { p.RemovalPolicy = RemovalPolicy.DESTROY; p.ImageId = second; });

        var updated = await _d.Cfn.UpdateStackAsync(next);

        Assert.True(updated == "UPDATE_COMPLETE", _d.Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
        var replacement = Assert.Single(_d.Aws.VmTasks.Values, t => t.Id != old.Id);
        Assert.Equal(replacement.Id, _d.Cfn.Resources[next.Of(ResourceTypes.ExportedVmImage)].PhysicalId);
        Assert.Equal(replacement.Key, _d.Cfn.Resources[next.Of(ResourceTypes.ExportedVmImageResult)].Attributes["S3Key"]!.ToString());
        Assert.DoesNotContain($"{old.Bucket}/{old.Key}", _d.Aws.Objects);
        Assert.Contains($"{replacement.Bucket}/{replacement.Key}", _d.Aws.Objects);
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task RemovalUnderDestroy_ShouldDeleteTheFileAndStopThePollerWithTheNewTemplatesRights()
    {
        var first = await _d.VmStack(p => p.RemovalPolicy = RemovalPolicy.DESTROY);
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", _d.Story());
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var export = first.Of(ResourceTypes.ExportedVmImage);

        var updated = await _d.Cfn.UpdateStackAsync(await WithoutExport(bucket: true));

        Assert.True(updated == "UPDATE_COMPLETE", _d.Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
        // The cleanup phase deleted the export resource (the result and condition touch nothing) with the new template's rights.
        var delete = _d.Cfn.ExchangesOf(export).Last();
        Assert.Equal(("Delete", task.Id, "SUCCESS"), (delete.RequestType, delete.PhysicalResourceId, delete.Answer!.Status));
        Assert.Equal("SUCCESS", _d.Cfn.ExchangesOf(first.Of(ResourceTypes.ExportedVmImageResult)).Last().Answer!.Status);
        Assert.DoesNotContain(_d.Cfn.Resources.Keys, k => k == export || k == first.Of(ResourceTypes.ExportedVmImageResult));
        Assert.DoesNotContain($"{task.Bucket}/{task.Key}", _d.Aws.Objects);
        Assert.False(task.Cancelled); // completed: nothing to cancel
        // Its Delete stopped its poller (already ended with its signal); none is left running.
        Assert.Equal(1, _d.Aws.CallCount("SFN:StopExecution"));
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Equal((1, 0, 1), (_d.Aws.CallCount("EC2:ExportImage"), _d.Aws.CallCount("EC2:CancelExportTask"), _d.Aws.CallCount("S3:DELETE")));
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    [Fact]
    public async Task AppStreamRemovalUnderDestroy_ShouldDeregisterTheAmiAndStopThePollerWithTheNewTemplatesRights()
    {
        _d.Aws.AppStreamTagsSnapshots = true;
        var first = await _d.AmiStack(p => p.RemovalPolicy = RemovalPolicy.DESTROY);
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", _d.Story());
        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var ami = _d.Aws.Images[task.AmiId!];
        var export = first.Of(ResourceTypes.AppStreamAmiExport);

        var updated = await _d.Cfn.UpdateStackAsync(await WithoutExport(bucket: false));

        Assert.True(updated == "UPDATE_COMPLETE", _d.Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
        var delete = _d.Cfn.ExchangesOf(export).Last();
        Assert.Equal(("Delete", task.TaskId, "SUCCESS"), (delete.RequestType, delete.PhysicalResourceId, delete.Answer!.Status));
        Assert.DoesNotContain(ami.ImageId, _d.Aws.Images.Keys);
        Assert.Empty(_d.Aws.Snapshots);
        Assert.Equal(1, _d.Aws.CallCount("SFN:StopExecution"));
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Equal((1, 1, 1), (_d.Aws.CallCount("AppStream:CreateExportImageTask"), _d.Aws.CallCount("EC2:DeregisterImage"), _d.Aws.CallCount("EC2:DeleteSnapshot")));
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    [Fact]
    public async Task ReplacementUnderRetain_ShouldKeepTheOldFileAndNotCancelTheCompletedOldTask()
    {
        const string second = "ami-0fedcba9876543210";
        _d.Aws.AddImage(second);
        await _d.Cfn.CreateStackAsync(await _d.VmStack());
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        var next = await _d.VmStack(p => p.ImageId = second);

        var updated = await _d.Cfn.UpdateStackAsync(next);

        Assert.True(updated == "UPDATE_COMPLETE", _d.Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
        var replacement = Assert.Single(_d.Aws.VmTasks.Values, t => t.Id != old.Id);
        var export = next.Of(ResourceTypes.ExportedVmImage);
        Assert.Equal(replacement.Id, _d.Cfn.Resources[export].PhysicalId);
        Assert.Equal(replacement.Key, _d.Cfn.Resources[next.Of(ResourceTypes.ExportedVmImageResult)].Attributes["S3Key"]!.ToString());
        // The old export's Delete in the cleanup phase, under RETAIN: the completed task is not cancelled, its file stays.
        var cleanup = _d.Cfn.ExchangesOf(export).Last();
        Assert.Equal(("Delete", old.Id, "SUCCESS"), (cleanup.RequestType, cleanup.PhysicalResourceId, cleanup.Answer!.Status));
        Assert.Equal(("completed", false), (old.Status, old.Cancelled));
        Assert.Contains($"{old.Bucket}/{old.Key}", _d.Aws.Objects);
        Assert.Contains($"{replacement.Bucket}/{replacement.Key}", _d.Aws.Objects);
        Assert.Equal((2, 0, 0), (_d.Aws.CallCount("EC2:ExportImage"), _d.Aws.CallCount("EC2:CancelExportTask"), _d.Aws.CallCount("S3:DELETE")));
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task FailedReplacement_ShouldRollBackToTheOldExportWithoutStartingAnother()
    {
        const string second = "ami-0fedcba9876543210";
        _d.Aws.AddImage(second);
        var first = await _d.VmStack();
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        _d.Aws.VmFailureMessage = "ClientError: Unsupported kernel version";

        var updated = await _d.Cfn.UpdateStackAsync(await _d.VmStack(p => p.ImageId = second));

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", _d.Story());
        Assert.Equal(2, _d.Aws.CallCount("EC2:ExportImage"));
        Assert.Equal(old.Id, _d.Cfn.Resources[first.Of(ResourceTypes.ExportedVmImage)].PhysicalId);
        Assert.Equal(old.Key, _d.Cfn.Resources[first.Of(ResourceTypes.ExportedVmImageResult)].Attributes["S3Key"]!.ToString());
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }
}

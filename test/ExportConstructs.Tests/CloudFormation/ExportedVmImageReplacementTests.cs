using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using ExportConstructs.Fakes.Iam;
using static ExportConstructs.Tests.CloudFormation.DeploymentHelpers;
using static ExportConstructs.Tests.CloudFormation.ShortPathStacks;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// ExportedVmImage stacks updated, rolled back and deleted by the CloudFormation
/// emulation through the real Provider framework code, the handler with its role's deployed
/// rights, and the loopback AWS. Each test asserts what CloudFormation was told, what AWS holds at
/// the end, and the AWS calls made.
/// This class: replacing Updates, their cleanup and their rollbacks.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class ExportedVmImageReplacementTests : IAsyncLifetime
{
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AddImage(Image);
        _d.Aws.AddImage(OtherImage);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReplacementUnderDestroy_ShouldDeleteTheOldFileInTheCleanupPhase(bool versioned)
    {
        var first = await _d.ShortVmStack(p => { p.RemovalPolicy = RemovalPolicy.DESTROY; p.Prefix = "a/"; });
        var id = first.Of(ResourceTypes.ExportedVmImage);
        await _d.Cfn.CreateStackAsync(first);
        var bucket = _d.Cfn.Resources.Values.Single(r => r.Type == "AWS::S3::Bucket").PhysicalId;
        if (versioned) _d.Aws.VersionedBuckets.Add(bucket);
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        // A file of the old export written while versioning is on has a version that must go too.
        if (versioned) _d.Aws.PutObject(old.Bucket, old.Key);
        var second = await _d.ShortVmStack(p => { p.RemovalPolicy = RemovalPolicy.DESTROY; p.Prefix = "b/"; });

        var updated = await _d.Cfn.UpdateStackAsync(second);

        Assert.Equal("UPDATE_COMPLETE", updated);
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
        var replacement = Assert.Single(_d.Aws.VmTasks.Values, t => t.Id != old.Id);
        Assert.Equal(replacement.Id, _d.Cfn.Resources[id].PhysicalId);
        Assert.DoesNotContain($"{old.Bucket}/{old.Key}", _d.Aws.Objects);
        Assert.Contains($"{replacement.Bucket}/{replacement.Key}", _d.Aws.Objects);
        if (versioned) Assert.False(_d.Aws.ObjectVersions.TryGetValue($"{old.Bucket}/{old.Key}", out var left) && left.Count > 0, "the old file's versions stay");
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task FailedReplacement_ShouldRollBackToTheOldExportWithoutStartingAnotherOrTellingCloudFormationTheNewId()
    {
        var first = await _d.ShortVmStack();
        var id = first.Of(ResourceTypes.ExportedVmImage);
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        _d.Aws.VmFailureMessage = "ClientError: Unsupported kernel version";
        var second = await _d.ShortVmStack(p => p.ImageId = OtherImage);

        var updated = await _d.Cfn.UpdateStackAsync(second);

        Assert.Equal("UPDATE_ROLLBACK_COMPLETE", updated);
        var replacement = Assert.Single(_d.Aws.VmTasks.Values, t => t.Id != old.Id);
        Assert.Equal(2, _d.Aws.CallCount("EC2:ExportImage"));
        Assert.DoesNotContain(_d.Cfn.ExchangesOf(id), e => e.Answer?.PhysicalResourceId == replacement.Id);
        Assert.Equal(old.Id, _d.Cfn.Resources[id].PhysicalId);
        Assert.Equal(old.Key, _d.Cfn.Resources[id].Attributes["S3Key"]!.ToString());
    }

    [Theory]
    [InlineData(ReplacementRollback.DeleteNew)]
    [InlineData(ReplacementRollback.UpdateNew)]
    public async Task CompletedReplacementRolledBack_ShouldReturnToTheOldExportAndStopTheNewOne(ReplacementRollback variant)
    {
        _d.Cfn.ReplacementRollback = variant;
        var first = await _d.ShortVmStack();
        var id = first.Of(ResourceTypes.ExportedVmImage);
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        // Something after the export fails, so the whole update rolls back after the export was replaced.
        var second = await _d.ShortVmStack(p => p.ImageId = OtherImage, stack => new CfnWaitConditionHandle(stack, "Later").Node.AddDependency(stack.Node.FindChild("Vm")));
        _d.Cfn.FailOn("Later");

        var updated = await _d.Cfn.UpdateStackAsync(second);

        Assert.Equal("UPDATE_ROLLBACK_COMPLETE", updated);
        Assert.Equal(2, _d.Aws.CallCount("EC2:ExportImage"));
        Assert.Equal(old.Id, _d.Cfn.Resources[id].PhysicalId);
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
    }

    [Fact]
    public async Task ReplacementOutlastingItsTimeout_ShouldCancelItAndRollBackToTheOldExportNeverTellingCloudFormationItsId()
    {
        var first = await _d.ShortVmStack();
        var id = first.Of(ResourceTypes.ExportedVmImage);
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        var held = _d.Cfn.Resources[id];
        // The replacement would take an hour: its 30-minute Timeout passes first.
        _d.Aws.VmDuration = TimeSpan.FromHours(1);

        var updated = await _d.Cfn.UpdateStackAsync(await _d.ShortVmStack(p => p.ImageId = OtherImage));

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", string.Join("\n", _d.Cfn.Exchanges));
        var replacement = Assert.Single(_d.Aws.VmTasks.Values, t => t.Id != old.Id);
        var forward = _d.Cfn.ExchangesOf(id).Single(e => e.RequestType == "Update" && !e.Rollback);
        Assert.Equal(("FAILED", old.Id), (forward.Answer!.Status, forward.Answer.PhysicalResourceId));
        Assert.Contains($"export {replacement.Id} did not finish within its Timeout of 1800 s", forward.Answer.Reason);
        // The handler cancelled the replacement before it answered; nothing of it is left.
        Assert.True(replacement.Cancelled, "the replacement runs on with no resource owning it");
        Assert.True(replacement.Status is "deleting" or "deleted", replacement.Status);
        Assert.DoesNotContain($"{replacement.Bucket}/{replacement.Key}", _d.Aws.Objects);
        var rollback = _d.Cfn.ExchangesOf(id).Single(e => e.Rollback);
        Assert.Equal(("Update", old.Id, "SUCCESS", old.Id), (rollback.RequestType, rollback.PhysicalResourceId, rollback.Answer!.Status, rollback.Answer.PhysicalResourceId));
        Assert.DoesNotContain(_d.Cfn.Exchanges, e => e.Answer?.PhysicalResourceId == replacement.Id || e.PhysicalResourceId == replacement.Id);
        // CloudFormation holds the old export with its attributes, and the old export is untouched.
        Assert.Equal(old.Id, _d.Cfn.Resources[id].PhysicalId);
        foreach (var name in new[] { "ExportImageTaskId", "S3Bucket", "S3Key", "S3Uri", "DiskImageFormat" })
            Assert.Equal(held.Attributes[name]!.ToString(), _d.Cfn.Resources[id].Attributes[name]!.ToString());
        Assert.False(old.Cancelled);
        Assert.Contains($"{old.Bucket}/{old.Key}", _d.Aws.Objects);
        Assert.Equal((2, 1), (_d.Aws.CallCount("EC2:ExportImage"), _d.Aws.CallCount("EC2:CancelExportTask")));
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task ReplacementUnderRetain_ShouldKeepTheOldFileAndNotCancelTheCompletedOldTask()
    {
        var first = await _d.ShortVmStack(p => p.Prefix = "a/");
        var id = first.Of(ResourceTypes.ExportedVmImage);
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(_d.Aws.VmTasks.Values);

        var updated = await _d.Cfn.UpdateStackAsync(await _d.ShortVmStack(p => p.Prefix = "b/"));

        Assert.Equal("UPDATE_COMPLETE", updated);
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
        var replacement = Assert.Single(_d.Aws.VmTasks.Values, t => t.Id != old.Id);
        var update = _d.Cfn.ExchangesOf(id).Single(e => e.RequestType == "Update");
        Assert.Equal(("SUCCESS", replacement.Id), (update.Answer!.Status, update.Answer.PhysicalResourceId));
        Assert.Equal(replacement.Key, _d.Cfn.Resources[id].Attributes["S3Key"]!.ToString());
        // The old export's Delete in the cleanup phase, under RETAIN: the completed task is not cancelled, its file stays.
        Assert.Equal(("Delete", old.Id, "SUCCESS"), (_d.Last(id).RequestType, _d.Last(id).PhysicalResourceId, _d.Last(id).Answer!.Status));
        Assert.Equal(("completed", false), (old.Status, old.Cancelled));
        Assert.Contains($"{old.Bucket}/{old.Key}", _d.Aws.Objects);
        Assert.Contains($"{replacement.Bucket}/{replacement.Key}", _d.Aws.Objects);
        Assert.Equal((2, 0, 0), (_d.Aws.CallCount("EC2:ExportImage"), _d.Aws.CallCount("EC2:CancelExportTask"), _d.Aws.CallCount("S3:DELETE")));
        Assert.Empty(_d.Aws.Denials);
    }

    [Theory]
    [InlineData(UnansweredUpdateRollback.RollbackUpdate)]
    [InlineData(UnansweredUpdateRollback.DeleteGeneratedId)]
    public async Task ReplacingUpdateCancelledDuringTheWait_ShouldRollBackToTheOldExportAndStopTheNewOne(UnansweredUpdateRollback variant)
    {
        _d.Cfn.UnansweredUpdateRollback = variant;
        var first = await _d.ShortVmStack();
        var id = first.Of(ResourceTypes.ExportedVmImage);
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        _d.Aws.VmPollsToFinish = 1000;
        _d.Cfn.CancelAfter = TimeSpan.FromMinutes(10);
        var second = await _d.ShortVmStack(p => p.ImageId = OtherImage);

        var updated = await _d.Cfn.UpdateStackAsync(second);

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", string.Join("\n", _d.Cfn.Exchanges));
        var replacement = Assert.Single(_d.Aws.VmTasks.Values, t => t.Id != old.Id);
        Assert.True(replacement.Cancelled, "the replacement runs on with no resource owning it\n" + string.Join("\n", _d.Cfn.Exchanges) + "\n" + string.Join("\n", _d.Cfn.Lambda.Logs.Values.SelectMany(l => l)));
        Assert.False(old.Cancelled);
        Assert.Equal(old.Id, _d.Cfn.Resources[id].PhysicalId);
        Assert.Equal(2, _d.Aws.CallCount("EC2:ExportImage"));
        Assert.Empty(_d.Aws.Denials);
    }
}

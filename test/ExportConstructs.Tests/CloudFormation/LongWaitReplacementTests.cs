using Amazon.CDK;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// Successful replacements on the long-wait path, deployed by the CloudFormation emulation: the
/// export resource answers the new export's id at once and hands the wait to the poller, the new
/// WaitCondition is signalled, the result resource reports the new attributes, and the old export's
/// Delete runs in the cleanup phase with the new template's rights.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class LongWaitReplacementTests : IAsyncLifetime
{
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AddImage(LongWaitStacks.Image);
        _d.Aws.AddImage(LongWaitStacks.OtherImage);
        _d.Aws.VmDuration = TimeSpan.FromMinutes(90);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();


    [Theory]
    [InlineData(RemovalPolicy.RETAIN)]
    [InlineData(RemovalPolicy.DESTROY)]
    public async Task AppStreamReplacement_ShouldReportTheNewAmiAndTreatTheOldAmiAsItsRemovalPolicySaysInTheCleanupPhase(RemovalPolicy removal)
    {
        // Where DESTROY deletes the old AMI's snapshots, they must carry the owner tag the right is conditioned on.
        _d.Aws.AppStreamTagsSnapshots = true;
        var first = await _d.AmiStack(p => p.RemovalPolicy = removal);
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", _d.Story());
        var old = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var oldAmi = _d.Aws.Images[old.AmiId!];
        var export = first.Of(ResourceTypes.AppStreamAmiExport);
        var next = await _d.AmiStack(p => { p.RemovalPolicy = removal; p.ImageName = LongWaitStacks.OtherAppStreamImage; });
        var exchangesBefore = _d.Cfn.ExchangesOf(export).Count();

        var updated = await _d.Cfn.UpdateStackAsync(next);

        Assert.True(updated == "UPDATE_COMPLETE", _d.Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, _d.Story());
        var replacement = Assert.Single(_d.Aws.AppStreamTasks.Values, t => t.TaskId != old.TaskId);
        Assert.Equal(("COMPLETED", old.TaskId), (replacement.State, replacement.Tags[Tagging.ReplacesTag]));
        // What CloudFormation was told: the export resource's Update answered the new id at once (the long path), the
        // old export's Delete came in the cleanup phase, and the new result resource reports the new AMI.
        var exchanges = _d.Cfn.ExchangesOf(export).Skip(exchangesBefore).ToList();
        Assert.Equal(2, exchanges.Count);
        Assert.Equal(("Update", old.TaskId, "SUCCESS", replacement.TaskId),
            (exchanges[0].RequestType, exchanges[0].PhysicalResourceId, exchanges[0].Answer!.Status, exchanges[0].Answer!.PhysicalResourceId));
        Assert.Equal(("Delete", old.TaskId, "SUCCESS"), (exchanges[1].RequestType, exchanges[1].PhysicalResourceId, exchanges[1].Answer!.Status));
        Assert.Equal(replacement.TaskId, _d.Cfn.Resources[export].PhysicalId);
        var result = _d.Cfn.Resources[next.Of(ResourceTypes.AppStreamAmiExportResult)];
        Assert.Equal((replacement.TaskId, replacement.AmiId), (result.PhysicalId, result.Attributes[AppStreamAmiExportAttributeNames.AmiId]!.ToString()));
        Assert.Equal(next.Of("AWS::CloudFormation::WaitCondition"), _d.Aws.ResourceSignals[^1].LogicalResourceId);
        Assert.Equal(replacement.TaskId, _d.Aws.ResourceSignals[^1].UniqueId);
        // What AWS holds: the new AMI with its snapshot; the old one kept (RETAIN) or gone with its snapshot (DESTROY).
        var newAmi = _d.Aws.Images[replacement.AmiId!];
        Assert.All(newAmi.Snapshots, s => Assert.Contains(s, _d.Aws.Snapshots));
        if (removal == RemovalPolicy.RETAIN)
        {
            Assert.Same(oldAmi, _d.Aws.Images[old.AmiId!]);
            Assert.All(oldAmi.Snapshots, s => Assert.Contains(s, _d.Aws.Snapshots));
            Assert.Equal((0, 0), (_d.Aws.CallCount("EC2:DeregisterImage"), _d.Aws.CallCount("EC2:DeleteSnapshot")));
        }
        else
        {
            Assert.DoesNotContain(old.AmiId!, _d.Aws.Images.Keys);
            Assert.True(!oldAmi.Snapshots.Any(_d.Aws.Snapshots.Contains), "the old AMI's snapshots stay\n" + _d.Story());
            Assert.Equal((1, oldAmi.Snapshots.Count), (_d.Aws.CallCount("EC2:DeregisterImage"), _d.Aws.CallCount("EC2:DeleteSnapshot")));
        }
        // One start and one poller per export; the old export's Delete stopped its (already ended) poller.
        Assert.Equal((2, 1), (_d.Aws.CallCount("AppStream:CreateExportImageTask"), _d.Aws.CallCount("SFN:StopExecution")));
        Assert.Equal([1, 1], new[] { old.TaskId, replacement.TaskId }.Select(id => _d.Aws.Executions.Keys.Count(n => n.StartsWith(id, StringComparison.Ordinal))));
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    [Fact]
    public async Task VmReplacementUnderDestroy_InAVersionedBucket_ShouldDeleteEveryVersionOfTheOldFileInTheCleanupPhase()
    {
        var first = await _d.VmStack(p => { p.RemovalPolicy = RemovalPolicy.DESTROY; p.Prefix = "a/"; });
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", _d.Story());
        var bucket = _d.Cfn.Resources.Values.Single(r => r.Type == "AWS::S3::Bucket").PhysicalId;
        // Versioning on, and the old file written twice since (as a copy over it would): its key has two
        // versions, and a plain DeleteObject would only add a delete marker over them. Every version must go.
        _d.Aws.VersionedBuckets.Add(bucket);
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        _d.Aws.PutObject(old.Bucket, old.Key);
        _d.Aws.PutObject(old.Bucket, old.Key);
        var export = first.Of(ResourceTypes.ExportedVmImage);
        var next = await _d.VmStack(p => { p.RemovalPolicy = RemovalPolicy.DESTROY; p.Prefix = "b/"; });
        var exchangesBefore = _d.Cfn.ExchangesOf(export).Count();

        var updated = await _d.Cfn.UpdateStackAsync(next);

        Assert.True(updated == "UPDATE_COMPLETE", _d.Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, _d.Story());
        var replacement = Assert.Single(_d.Aws.VmTasks.Values, t => t.Id != old.Id);
        var exchanges = _d.Cfn.ExchangesOf(export).Skip(exchangesBefore).ToList();
        Assert.Equal(2, exchanges.Count);
        Assert.Equal(("Update", old.Id, "SUCCESS", replacement.Id),
            (exchanges[0].RequestType, exchanges[0].PhysicalResourceId, exchanges[0].Answer!.Status, exchanges[0].Answer!.PhysicalResourceId));
        Assert.Equal(("Delete", old.Id, "SUCCESS"), (exchanges[1].RequestType, exchanges[1].PhysicalResourceId, exchanges[1].Answer!.Status));
        Assert.Equal(replacement.Id, _d.Cfn.Resources[export].PhysicalId);
        Assert.Equal(replacement.Key, _d.Cfn.Resources[next.Of(ResourceTypes.ExportedVmImageResult)].Attributes["S3Key"]!.ToString());
        // The old key has neither a current object nor any version (nor a delete marker) left; the new file stays.
        Assert.DoesNotContain($"{old.Bucket}/{old.Key}", _d.Aws.Objects);
        Assert.True(!_d.Aws.ObjectVersions.TryGetValue($"{old.Bucket}/{old.Key}", out var left) || left.Count == 0,
            "versions of the old file stay: " + string.Join(", ", left ?? []));
        Assert.Contains($"{replacement.Bucket}/{replacement.Key}", _d.Aws.Objects);
        Assert.Equal(("completed", false, false), (replacement.Status, replacement.Cancelled, old.Cancelled));
        // One delete per version of the old key, none without a version id (which would only add a delete marker).
        Assert.Equal((2, 0, 2), (_d.Aws.CallCount("EC2:ExportImage"), _d.Aws.CallCount("EC2:CancelExportTask"), _d.Aws.CallCount("S3:DELETE")));
        Assert.Equal([1, 1], new[] { old.Id, replacement.Id }.Select(id => _d.Aws.Executions.Keys.Count(n => n.StartsWith(id, StringComparison.Ordinal))));
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }
}

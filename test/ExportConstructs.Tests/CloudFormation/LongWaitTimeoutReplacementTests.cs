using Amazon.CDK;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// A replacing Update on the long-wait path whose new export outlasts its Timeout, deployed by the
/// CloudFormation emulation: the poller signals at its deadline, the result resource fails naming
/// the Timeout, and the rollback returns to the old export. The export resource had answered the
/// new id (SUCCESS, at the start), so the rollback's Delete of that id stops the replacement: an EC2
/// one is cancelled; an AppStream one cannot be, and is kept or removed as the removal policy says,
/// by that Delete or, when it outlasts that Delete's wait, as a stray of the export CloudFormation holds.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class LongWaitTimeoutReplacementTests : IAsyncLifetime
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


    [Fact]
    public async Task VmReplacementOutlastingItsTimeout_ShouldBeCancelledByTheRollbackWhichKeepsTheOldExportAndItsAttributes()
    {
        var first = await _d.VmStack();
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", _d.Story());
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        var (export, result) = (first.Of(ResourceTypes.ExportedVmImage), first.Of(ResourceTypes.ExportedVmImageResult));
        var before = _d.Cfn.Resources[result].Attributes;
        // The replacement would take 4 hours: its 3-hour Timeout passes first.
        _d.Aws.VmDuration = TimeSpan.FromHours(4);

        var updated = await _d.Cfn.UpdateStackAsync(await _d.VmStack(p => p.ImageId = LongWaitStacks.OtherImage));

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", _d.Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, _d.Story());
        var replacement = Assert.Single(_d.Aws.VmTasks.Values, t => t.Id != old.Id);
        var reported = _d.Cfn.ExchangesOf(result).Single(e => e.RequestType == "Update").Answer!;
        Assert.Equal("FAILED", reported.Status);
        Assert.Contains($"export {replacement.Id} did not finish within its Timeout of 10800 s", reported.Reason);
        // The export resource's exchanges: the Update that took the new id, then the rollback's Delete of it.
        var exchanges = _d.Cfn.ExchangesOf(export).Skip(1).ToList();
        Assert.Equal(2, exchanges.Count);
        Assert.Equal(("Update", old.Id, "SUCCESS", replacement.Id), (exchanges[0].RequestType, exchanges[0].PhysicalResourceId, exchanges[0].Answer!.Status, exchanges[0].Answer!.PhysicalResourceId));
        Assert.Equal(("Delete", replacement.Id, "SUCCESS"), (exchanges[1].RequestType, exchanges[1].PhysicalResourceId, exchanges[1].Answer!.Status));
        // CloudFormation holds the old export again, with its attributes on the result resource.
        Assert.Equal((old.Id, old.Id), (_d.Cfn.Resources[export].PhysicalId, _d.Cfn.Resources[result].PhysicalId));
        foreach (var name in new[] { "ExportImageTaskId", "S3Bucket", "S3Key", "S3Uri", "DiskImageFormat" })
            Assert.Equal(before[name]!.ToString(), _d.Cfn.Resources[result].Attributes[name]?.ToString());
        // The replacement was cancelled and wrote no file; the old export is untouched.
        Assert.True(replacement.Cancelled, "the replacement runs on with no resource owning it\n" + _d.Story());
        Assert.DoesNotContain($"{replacement.Bucket}/{replacement.Key}", _d.Aws.Objects);
        Assert.Equal(("completed", false), (old.Status, old.Cancelled));
        Assert.Contains($"{old.Bucket}/{old.Key}", _d.Aws.Objects);
        Assert.Equal((2, 1), (_d.Aws.CallCount("EC2:ExportImage"), _d.Aws.CallCount("EC2:CancelExportTask")));
        Assert.Single(_d.Aws.ResourceSignals, s => s.UniqueId == replacement.Id); // at its deadline
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    /// <summary>
    /// The replacement takes <paramref name="hours"/> against its Timeout of 2: 2.5 ends within the hour the
    /// rollback's Delete of it may wait; 4 does not, so that Delete releases it at the Provider's time limit,
    /// and the stray is the held export's to end.
    /// </summary>
    [Theory]
    [InlineData(RemovalPolicy.RETAIN, 4)]
    [InlineData(RemovalPolicy.DESTROY, 2.5)]
    [InlineData(RemovalPolicy.DESTROY, 4)]
    public async Task AppStreamReplacementOutlastingItsTimeout_ThenTheStacksDelete_ShouldKeepTheOldAttributesAndEndTheReplacementAsTheRemovalPolicySays(RemovalPolicy removal, double hours)
    {
        _d.Aws.AppStreamTagsSnapshots = true;
        var first = await _d.AmiStack(p => p.RemovalPolicy = removal);
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", _d.Story());
        var held = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var (export, result) = (first.Of(ResourceTypes.AppStreamAmiExport), first.Of(ResourceTypes.AppStreamAmiExportResult));
        var before = _d.Cfn.Resources[result].Attributes;
        _d.Aws.AppStreamDuration = TimeSpan.FromHours(hours);

        var updated = await _d.Cfn.UpdateStackAsync(await _d.AmiStack(p => { p.RemovalPolicy = removal; p.ImageName = LongWaitStacks.OtherAppStreamImage; }));

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", _d.Story());
        var stray = Assert.Single(_d.Aws.AppStreamTasks.Values, t => t.TaskId != held.TaskId);
        Assert.Equal(held.TaskId, stray.Tags[Tagging.ReplacesTag]);
        var reported = _d.Cfn.ExchangesOf(result).Single(e => e.RequestType == "Update").Answer!;
        Assert.Equal("FAILED", reported.Status);
        Assert.Contains($"export {stray.TaskId} did not finish within its Timeout of 7200 s", reported.Reason);
        var exchanges = _d.Cfn.ExchangesOf(export).Skip(1).ToList();
        Assert.Equal(("Update", held.TaskId, "SUCCESS", stray.TaskId), (exchanges[0].RequestType, exchanges[0].PhysicalResourceId, exchanges[0].Answer!.Status, exchanges[0].Answer!.PhysicalResourceId));
        Assert.All(exchanges.Skip(1), e => Assert.Equal(("Delete", stray.TaskId), (e.RequestType, e.PhysicalResourceId)));
        var strayOutlivesTheRollback = removal == RemovalPolicy.DESTROY && hours > 3;
        if (strayOutlivesTheRollback)
        {
            // The Delete waits for an export AppStream cannot stop until the Provider's time limit, then releases it
            // (no FAILED answer, no retry, no warning): the held export owns the stray from here.
            Assert.Equal(("SUCCESS", 2), (exchanges[^1].Answer!.Status, exchanges.Count));
            Assert.True(_d.Cfn.Warnings.Count == 0, _d.Story());
            Assert.Contains(_d.Cfn.Lambda.Logs.Values.SelectMany(l => l), l => l.Contains($"releasing it: it is a stray of {held.TaskId}", StringComparison.Ordinal));
            Assert.Equal("EXPORTING", stray.State);
        }
        else
        {
            // RETAIN: the Delete keeps what the export will make; DESTROY: it waited for the end and removed the AMI.
            Assert.Equal(("SUCCESS", 2), (exchanges[^1].Answer!.Status, exchanges.Count));
            Assert.True(_d.Cfn.Warnings.Count == 0, _d.Story());
            Assert.Equal(removal == RemovalPolicy.RETAIN ? "EXPORTING" : "COMPLETED", stray.State);
        }
        // CloudFormation holds the old export, with its attributes on the result resource.
        Assert.Equal((held.TaskId, held.TaskId), (_d.Cfn.Resources[export].PhysicalId, _d.Cfn.Resources[result].PhysicalId));
        foreach (var name in new[] { AppStreamAmiExportAttributeNames.TaskId, AppStreamAmiExportAttributeNames.AmiId, AppStreamAmiExportAttributeNames.AmiName, AppStreamAmiExportAttributeNames.ImageArn })
            Assert.Equal(before[name]!.ToString(), _d.Cfn.Resources[result].Attributes[name]?.ToString());
        Assert.Empty(await _d.PollersLeftAsync());

        var deleted = await _d.Cfn.DeleteStackAsync();

        if (strayOutlivesTheRollback)
        {
            // The held export's Delete waits for the stray, which runs on past the hour: it fails saying why,
            // before the framework's bare timeout, and a retry once the stray has ended removes everything.
            Assert.True(deleted == "DELETE_FAILED", _d.Story());
            var failed = _d.Cfn.ExchangesOf(export).Last();
            Assert.Equal(("Delete", held.TaskId, "FAILED"), (failed.RequestType, failed.PhysicalResourceId, failed.Answer!.Status));
            Assert.Contains("strays, which AppStream cannot stop", failed.Answer.Reason);
            await _d.Cfn.RunForAsync(TimeSpan.FromHours(1));
            deleted = await _d.Cfn.DeleteStackAsync();
        }
        Assert.True(deleted == "DELETE_COMPLETE", _d.Story());
        // Let the replacement end wherever it still ran, then look at what AWS holds.
        await _d.Cfn.RunForAsync(TimeSpan.FromHours(3));
        _d.Aws.SettleAppStreamTasks();
        Assert.Equal("COMPLETED", stray.State);
        var own = _d.Aws.Images.Values.Where(i => i.Tags.GetValueOrDefault(Tagging.StackTag) == _d.Cfn.StackId).Select(i => i.ImageId).Order().ToList();
        if (removal == RemovalPolicy.RETAIN)
        {
            // Both AMIs kept, as RETAIN promises; the replacement's is found by its replaces tag naming the held export.
            Assert.Equal(new[] { held.AmiId!, stray.AmiId! }.Order(), own);
            Assert.Equal(held.TaskId, _d.Aws.Images[stray.AmiId!].Tags[Tagging.ReplacesTag]);
            Assert.Equal((0, 0), (_d.Aws.CallCount("EC2:DeregisterImage"), _d.Aws.CallCount("EC2:DeleteSnapshot")));
        }
        else
        {
            // Nothing of this stack is left: the held export's AMI and the replacement's, with their snapshots.
            Assert.Empty(own);
            Assert.Empty(_d.Aws.Snapshots);
            Assert.Equal((2, 2), (_d.Aws.CallCount("EC2:DeregisterImage"), _d.Aws.CallCount("EC2:DeleteSnapshot")));
        }
        Assert.Equal(2, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }
}

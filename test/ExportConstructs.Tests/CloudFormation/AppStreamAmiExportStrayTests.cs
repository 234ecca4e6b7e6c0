using Amazon.CDK;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.CloudFormation.DeploymentHelpers;
using static ExportConstructs.Tests.CloudFormation.ShortPathStacks;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// AppStreamAmiExport replacements AppStream cannot stop (strays), on the short path, deployed by
/// the CloudFormation emulation through the real Provider framework code (see
/// <see cref="AppStreamAmiExportDeploymentTests"/>): what the held export's Delete ends, and what
/// another stack's AMI keeps.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class AppStreamAmiExportStrayTests : IAsyncLifetime
{
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AppStreamImages.Add(AppStreamImage);
        _d.Aws.AppStreamImages.Add(OtherAppStreamImage);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    // ------------------------------------------------------------------ 8. strays: replacements AppStream cannot stop

    /// <summary>AMIs carrying this stack's owner tag, as AWS holds them now (time-bound tasks settled first).</summary>
    private List<FakeImage> OwnAmis()
    {
        _d.Aws.SettleAppStreamTasks();
        return _d.Aws.Images.Values.Where(i => i.Tags.GetValueOrDefault(Tagging.StackTag) == _d.Cfn.StackId).ToList();
    }

    /// <summary>Another stack's AMI whose tags name the same logical id and replace the same export: never this stack's to remove.</summary>
    private FakeImage ForeignAmi(string replaces)
    {
        var foreign = new FakeImage("ami-0e0e0e0e0e0e0e0e0", "foreign-office", ["snap-0e0e0e0e0e0e0e0e0"], new Dictionary<string, string>
        {
            [Tagging.StackTag] = OtherStackId, [Tagging.LogicalIdTag] = "Ami", [Tagging.ReplacesTag] = replaces, [Tagging.RequestTag] = "0123",
        });
        _d.Aws.Images[foreign.ImageId] = foreign;
        _d.Aws.Snapshots.Add(foreign.Snapshots[0]);
        _d.Aws.SnapshotTags[foreign.Snapshots[0]] = new Dictionary<string, string>(foreign.Tags);
        return foreign;
    }

    /// <summary>The stack created with its export under this policy (its AMI's snapshots carrying the owner tags): the export's logical id and task.</summary>
    private async Task<(string Id, FakeAppStreamTask Task)> CreatedAsync(RemovalPolicy removal)
    {
        _d.Aws.AppStreamTagsSnapshots = true;
        var first = await _d.ShortAmiStack(p => p.RemovalPolicy = removal);
        var id = first.Of(ResourceTypes.AppStreamAmiExport);
        await _d.Cfn.CreateStackAsync(first);
        return (id, Assert.Single(_d.Aws.AppStreamTasks.Values));
    }

    [Theory]
    [InlineData(RemovalPolicy.DESTROY, false)]
    [InlineData(RemovalPolicy.DESTROY, true)]
    [InlineData(RemovalPolicy.RETAIN, true)]
    public async Task ReplacementOutlastingItsTimeout_ThenTheStacksDelete_ShouldEndTheStrayAsTheHeldExportsRemovalPolicySays(RemovalPolicy removal, bool strayEndsBeforeTheDelete)
    {
        var (id, held) = await CreatedAsync(removal);
        var heldAttributes = _d.Cfn.Resources[id].Attributes;
        var foreign = ForeignAmi(held.TaskId);
        // The replacement takes 80 minutes: its 50-minute Timeout passes first, and AppStream cannot stop it.
        _d.Aws.AppStreamDuration = TimeSpan.FromMinutes(80);

        var updated = await _d.Cfn.UpdateStackAsync(await _d.ShortAmiStack(p => { p.RemovalPolicy = removal; p.ImageName = OtherAppStreamImage; }));

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", _d.Story());
        var stray = Assert.Single(_d.Aws.AppStreamTasks.Values, t => t.TaskId != held.TaskId);
        Assert.Equal(("EXPORTING", held.TaskId), (stray.State, stray.Tags[Tagging.ReplacesTag]));
        var forward = _d.Cfn.ExchangesOf(id).Single(e => e.RequestType == "Update" && !e.Rollback);
        Assert.Equal(("FAILED", held.TaskId), (forward.Answer!.Status, forward.Answer.PhysicalResourceId));
        Assert.Contains("did not finish within its Timeout of 3000 s", forward.Answer.Reason);
        var rollback = _d.Cfn.ExchangesOf(id).Single(e => e.Rollback);
        Assert.Equal(("Update", held.TaskId, "SUCCESS", held.TaskId), (rollback.RequestType, rollback.PhysicalResourceId, rollback.Answer!.Status, rollback.Answer.PhysicalResourceId));
        // CloudFormation was never told the stray's id, and holds the old export with its attributes.
        Assert.DoesNotContain(_d.Cfn.Exchanges, e => e.Answer?.PhysicalResourceId == stray.TaskId || e.PhysicalResourceId == stray.TaskId);
        Assert.Equal(held.TaskId, _d.Cfn.Resources[id].PhysicalId);
        Assert.Equal(heldAttributes[AppStreamAmiExportAttributeNames.AmiId]!.ToString(), _d.Cfn.Resources[id].Attributes[AppStreamAmiExportAttributeNames.AmiId]!.ToString());
        if (strayEndsBeforeTheDelete)
        {
            await _d.Cfn.RunForAsync(TimeSpan.FromMinutes(40));
            // The stray has made its AMI, which the held export owns through its owner tags.
            Assert.Contains(OwnAmis(), i => i.Name == stray.AmiName);
        }

        var deleted = await _d.Cfn.DeleteStackAsync();

        Assert.True(deleted == "DELETE_COMPLETE", _d.Story());
        var delete = _d.Last(id);
        Assert.Equal(("Delete", held.TaskId, "SUCCESS"), (delete.RequestType, delete.PhysicalResourceId, delete.Answer!.Status));
        Assert.Equal("COMPLETED", stray.State);
        var strayAmi = stray.AmiId!;
        if (removal == RemovalPolicy.DESTROY)
        {
            // Nothing of this stack is left: the held export's AMI and the stray's, with their snapshots.
            Assert.True(OwnAmis().Count == 0, _d.Story());
            Assert.DoesNotContain(strayAmi, _d.Aws.Images.Keys);
            Assert.DoesNotContain(_d.Aws.Snapshots, s => s != foreign.Snapshots[0]);
            Assert.Equal((2, 2), (_d.Aws.CallCount("EC2:DeregisterImage"), _d.Aws.CallCount("EC2:DeleteSnapshot")));
            Assert.Single(_d.HandlerLog(), l => l.Contains("CloudFormation holds", StringComparison.Ordinal));
            Assert.Contains(_d.HandlerLog(), l => l.Contains($"AMI {strayAmi}", StringComparison.Ordinal) && l.Contains("never held", StringComparison.Ordinal));
        }
        else
        {
            // RETAIN keeps the held export's AMI and, as it cannot tell a stray from a replacement CloudFormation held
            // and deleted in a rollback (whose AMI RETAIN kept), the stray's too (see the README's Known limits).
            Assert.Equal(new[] { held.AmiId!, strayAmi }.Order(), OwnAmis().Select(i => i.ImageId).Order());
            Assert.Equal(0, _d.Aws.CallCount("EC2:DeregisterImage"));
            Assert.DoesNotContain(_d.HandlerLog(), l => l.Contains("CloudFormation holds", StringComparison.Ordinal));
        }
        Assert.Same(foreign, _d.Aws.Images[foreign.ImageId]);
        Assert.Contains(foreign.Snapshots[0], _d.Aws.Snapshots);
        Assert.Equal(2, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    [Theory]
    [InlineData(UnansweredUpdateRollback.RollbackUpdate)]
    [InlineData(UnansweredUpdateRollback.DeleteGeneratedId)]
    public async Task ReplacingUpdateCancelledDuringTheWaitUnderDestroy_ShouldLeaveNoAmiThatNoHeldResourceOwns(UnansweredUpdateRollback variant)
    {
        _d.Cfn.UnansweredUpdateRollback = variant;
        var (id, held) = await CreatedAsync(RemovalPolicy.DESTROY);
        _d.Aws.AppStreamDuration = TimeSpan.FromMinutes(40);
        _d.Cfn.CancelAfter = TimeSpan.FromMinutes(10);

        var updated = await _d.Cfn.UpdateStackAsync(await _d.ShortAmiStack(p => { p.RemovalPolicy = RemovalPolicy.DESTROY; p.ImageName = OtherAppStreamImage; }));

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", _d.Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings) + "\n" + _d.Story());
        var stray = Assert.Single(_d.Aws.AppStreamTasks.Values, t => t.TaskId != held.TaskId);
        Assert.Null(_d.Cfn.ExchangesOf(id).Single(e => e.RequestType == "Update" && !e.Rollback).Answer);
        Assert.DoesNotContain(_d.Cfn.Exchanges, e => e.Answer?.PhysicalResourceId == stray.TaskId || e.PhysicalResourceId == stray.TaskId);
        Assert.Equal(held.TaskId, _d.Cfn.Resources[id].PhysicalId);
        if (variant == UnansweredUpdateRollback.DeleteGeneratedId)
        {
            // The Delete of the made-up id found the stray by its owner tags and followed it to its end.
            var cleanup = _d.Last(id);
            Assert.Equal(("Delete", "SUCCESS"), (cleanup.RequestType, cleanup.Answer!.Status));
            Assert.NotEqual(held.TaskId, cleanup.PhysicalResourceId);
            Assert.Equal("COMPLETED", stray.State);
            Assert.DoesNotContain(OwnAmis(), i => i.Name == stray.AmiName);
        }
        else
        {
            // The rollback Update keeps the held export; the stray runs on, owned by it.
            Assert.Equal("EXPORTING", stray.State);
        }

        var deleted = await _d.Cfn.DeleteStackAsync();

        Assert.True(deleted == "DELETE_COMPLETE", _d.Story());
        Assert.Equal(("Delete", held.TaskId, "SUCCESS"), (_d.Last(id).RequestType, _d.Last(id).PhysicalResourceId, _d.Last(id).Answer!.Status));
        Assert.Equal("COMPLETED", stray.State);
        Assert.True(OwnAmis().Count == 0, _d.Story());
        Assert.Empty(_d.Aws.Snapshots);
        Assert.Equal(2, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
        Assert.Equal(2, _d.Aws.CallCount("EC2:DeregisterImage"));
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    [Theory]
    [InlineData(ReplacementRollback.DeleteNew)]
    [InlineData(ReplacementRollback.UpdateNew)]
    public async Task CompletedReplacementRolledBackUnderDestroy_ShouldReturnToTheOldExportAndRemoveTheNewAmi(ReplacementRollback variant)
    {
        _d.Cfn.ReplacementRollback = variant;
        var (id, old) = await CreatedAsync(RemovalPolicy.DESTROY);
        var held = _d.Cfn.Resources[id];
        _d.Cfn.FailOn("Later");

        var updated = await _d.Cfn.UpdateStackAsync(await _d.ShortAmiStack(p => { p.RemovalPolicy = RemovalPolicy.DESTROY; p.ImageName = OtherAppStreamImage; }, FailingLater("Ami")));

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", _d.Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
        var replacement = Assert.Single(_d.Aws.AppStreamTasks.Values, t => t.TaskId != old.TaskId);
        // The replacement completed and CloudFormation held it; the rollback returned to the old export
        // and deleted the replacement with its own Delete, which removed its AMI (DESTROY).
        Assert.Equal(("SUCCESS", replacement.TaskId), (_d.Cfn.ExchangesOf(id).Single(e => e.RequestType == "Update" && !e.Rollback).Answer!.Status,
            _d.Cfn.ExchangesOf(id).Single(e => e.RequestType == "Update" && !e.Rollback).Answer!.PhysicalResourceId));
        Assert.Equal(("Delete", replacement.TaskId, "SUCCESS"), (_d.Last(id).RequestType, _d.Last(id).PhysicalResourceId, _d.Last(id).Answer!.Status));
        Assert.Equal(old.TaskId, _d.Cfn.Resources[id].PhysicalId);
        Assert.Equal(held.Attributes[AppStreamAmiExportAttributeNames.AmiId]!.ToString(), _d.Cfn.Resources[id].Attributes[AppStreamAmiExportAttributeNames.AmiId]!.ToString());
        Assert.Equal([old.AmiId!], OwnAmis().Select(i => i.ImageId));
        Assert.Equal((2, 1), (_d.Aws.CallCount("AppStream:CreateExportImageTask"), _d.Aws.CallCount("EC2:DeregisterImage")));
        // That Delete asked which export CloudFormation holds and, not deleting it, looked for no strays.
        Assert.Single(_d.HandlerLog(), l => l.Contains("CloudFormation holds", StringComparison.Ordinal));
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    [Fact]
    public async Task StrayThenASuccessfulReplacement_ShouldLeaveTheHeldExportAloneAndEndTheStrayWithItsDelete()
    {
        var (id, old) = await CreatedAsync(RemovalPolicy.DESTROY);
        _d.Aws.AppStreamDuration = TimeSpan.FromMinutes(80);
        var second = await _d.ShortAmiStack(p => { p.RemovalPolicy = RemovalPolicy.DESTROY; p.ImageName = OtherAppStreamImage; });
        Assert.True(await _d.Cfn.UpdateStackAsync(second) == "UPDATE_ROLLBACK_COMPLETE", _d.Story());
        var stray = Assert.Single(_d.Aws.AppStreamTasks.Values, t => t.TaskId != old.TaskId);
        await _d.Cfn.RunForAsync(TimeSpan.FromMinutes(40));
        Assert.Contains(OwnAmis(), i => i.Name == stray.AmiName);
        // The same change deployed again, now within its Timeout: the new export has the stray's identity.
        _d.Aws.AppStreamDuration = TimeSpan.FromMinutes(5);

        var updated = await _d.Cfn.UpdateStackAsync(second);

        Assert.True(updated == "UPDATE_COMPLETE", _d.Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
        var replacement = Assert.Single(_d.Aws.AppStreamTasks.Values, t => t.TaskId != old.TaskId && t.TaskId != stray.TaskId);
        Assert.Equal(stray.Tags[Tagging.IdentityTag], replacement.Tags[Tagging.IdentityTag]);
        Assert.Equal(replacement.TaskId, _d.Cfn.Resources[id].PhysicalId);
        // The cleanup Delete of the replaced export removed its AMI only: the held export (which also
        // replaces it) is CloudFormation's, and the stray now belongs to the held export.
        var cleanup = _d.Last(id);
        Assert.Equal(("Delete", old.TaskId, "SUCCESS"), (cleanup.RequestType, cleanup.PhysicalResourceId, cleanup.Answer!.Status));
        Assert.Equal(new[] { replacement.AmiId!, stray.AmiId! }.Order(), OwnAmis().Select(i => i.ImageId).Order());
        Assert.Equal(1, _d.Aws.CallCount("EC2:DeregisterImage"));

        var deleted = await _d.Cfn.DeleteStackAsync();

        Assert.True(deleted == "DELETE_COMPLETE", _d.Story());
        Assert.True(OwnAmis().Count == 0, _d.Story());
        Assert.Empty(_d.Aws.Snapshots);
        Assert.Equal(3, _d.Aws.CallCount("EC2:DeregisterImage"));
        Assert.Equal(3, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }
}

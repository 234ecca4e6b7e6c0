using Amazon.CDK;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.CloudFormation.DeploymentHelpers;
using static ExportConstructs.Tests.CloudFormation.ShortPathStacks;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// AppStreamAmiExport stacks on the short path (Timeout ≤ 55 min) updated, rolled back
/// and deleted by the CloudFormation emulation through the real Provider framework code, the
/// handler with its role's deployed rights, and the loopback AWS (issue "Updates, rollbacks and
/// deletes exactly as CloudFormation runs them"). Each test asserts what CloudFormation was told,
/// what AWS holds at the end, and the AWS calls made.
/// This class: replacement and its cleanup, a failed replacing Update, tags-only and settings-only Updates.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class AppStreamAmiExportUpdateTests : IAsyncLifetime
{
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AppStreamImages.Add(AppStreamImage);
        _d.Aws.AppStreamImages.Add(OtherAppStreamImage);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    // ------------------------------------------------------------------ 2. replacement and cleanup

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReplacementUnderRetain_ShouldKeepTheOldAmiAndMoveTheIdOnlyOnSuccess(bool byAmiName)
    {
        var first = await _d.ShortAmiStack(p => { if (byAmiName) p.AmiName = "office-1"; });
        var id = first.Of(ResourceTypes.AppStreamAmiExport);
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var second = await _d.ShortAmiStack(p => { if (byAmiName) p.AmiName = "office-2"; else p.ImageName = OtherAppStreamImage; });

        var updated = await _d.Cfn.UpdateStackAsync(second);

        Assert.True(updated == "UPDATE_COMPLETE", _d.Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
        var replacement = Assert.Single(_d.Aws.AppStreamTasks.Values, t => t.TaskId != old.TaskId);
        Assert.Equal(("COMPLETED", old.TaskId), (replacement.State, replacement.Tags[Tagging.ReplacesTag]));
        var update = _d.Cfn.ExchangesOf(id).Single(e => e.RequestType == "Update");
        Assert.Equal(("SUCCESS", replacement.TaskId), (update.Answer!.Status, update.Answer.PhysicalResourceId));
        Assert.Equal(replacement.TaskId, _d.Cfn.Resources[id].PhysicalId);
        Assert.Equal(replacement.AmiId, _d.Cfn.Resources[id].Attributes[AppStreamAmiExportAttributeNames.AmiId]!.ToString());
        // The old export's Delete in the cleanup phase, under RETAIN: nothing removed.
        var cleanup = _d.Last(id);
        Assert.Equal(("Delete", old.TaskId, "SUCCESS"), (cleanup.RequestType, cleanup.PhysicalResourceId, cleanup.Answer!.Status));
        Assert.Contains(old.AmiId!, _d.Aws.Images.Keys);
        Assert.Contains(replacement.AmiId!, _d.Aws.Images.Keys);
        Assert.Equal(2, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
        Assert.Equal(0, _d.Aws.CallCount("EC2:DeregisterImage"));
        Assert.Empty(_d.Aws.Denials);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task ReplacementUnderDestroy_ShouldRemoveTheOldAmiInTheCleanupPhaseWithTheNewTemplatesRights(bool byAmiName, bool snapshotsCarryTheTags)
    {
        _d.Aws.AppStreamTagsSnapshots = snapshotsCarryTheTags;
        var first = await _d.ShortAmiStack(p => { p.RemovalPolicy = RemovalPolicy.DESTROY; if (byAmiName) p.AmiName = "office-1"; });
        var id = first.Of(ResourceTypes.AppStreamAmiExport);
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var oldAmi = _d.Aws.Images[old.AmiId!];
        var second = await _d.ShortAmiStack(p => { p.RemovalPolicy = RemovalPolicy.DESTROY; if (byAmiName) p.AmiName = "office-2"; else p.ImageName = OtherAppStreamImage; });

        var updated = await _d.Cfn.UpdateStackAsync(second);

        Assert.True(updated == "UPDATE_COMPLETE", _d.Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings) + "\n" + _d.Story());
        var replacement = Assert.Single(_d.Aws.AppStreamTasks.Values, t => t.TaskId != old.TaskId);
        Assert.Equal(replacement.TaskId, _d.Cfn.Resources[id].PhysicalId);
        Assert.Equal(("Delete", old.TaskId, "SUCCESS"), (_d.Last(id).RequestType, _d.Last(id).PhysicalResourceId, _d.Last(id).Answer!.Status));
        Assert.DoesNotContain(oldAmi.ImageId, _d.Aws.Images.Keys);
        Assert.True(!oldAmi.Snapshots.Any(_d.Aws.Snapshots.Contains), "the old AMI's snapshots stay\n" + _d.Story());
        var newAmi = _d.Aws.Images[replacement.AmiId!];
        Assert.All(newAmi.Snapshots, s => Assert.Contains(s, _d.Aws.Snapshots));
        Assert.Equal(1, _d.Aws.CallCount("EC2:DeregisterImage"));
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    // ------------------------------------------------------------------ 3. failed replacing Update

    [Fact]
    public async Task FailedReplacement_ShouldRollBackToTheOldExportWithoutStartingAnotherOrTellingCloudFormationTheNewId()
    {
        var first = await _d.ShortAmiStack();
        var id = first.Of(ResourceTypes.AppStreamAmiExport);
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var held = _d.Cfn.Resources[id];
        _d.Aws.AppStreamFailure = ("FAILED", [("IMAGE_FAILED", "boom")]);
        var second = await _d.ShortAmiStack(p => p.ImageName = OtherAppStreamImage);

        var updated = await _d.Cfn.UpdateStackAsync(second);

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", _d.Story());
        var replacement = Assert.Single(_d.Aws.AppStreamTasks.Values, t => t.TaskId != old.TaskId);
        Assert.Equal("FAILED", replacement.State);
        // One start for the create, one for the update; the rollback starts nothing.
        Assert.Equal(2, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
        var forward = _d.Cfn.ExchangesOf(id).Single(e => e.RequestType == "Update" && !e.Rollback);
        Assert.Equal(("FAILED", old.TaskId), (forward.Answer!.Status, forward.Answer.PhysicalResourceId));
        Assert.Contains("IMAGE_FAILED", forward.Answer.Reason);
        Assert.Contains("boom", forward.Answer.Reason);
        var rollback = _d.Cfn.ExchangesOf(id).Single(e => e.Rollback);
        Assert.Equal(("Update", old.TaskId, "SUCCESS", old.TaskId), (rollback.RequestType, rollback.PhysicalResourceId, rollback.Answer!.Status, rollback.Answer.PhysicalResourceId));
        Assert.DoesNotContain(_d.Cfn.Exchanges, e => e.Answer?.PhysicalResourceId == replacement.TaskId || e.PhysicalResourceId == replacement.TaskId);
        // CloudFormation still holds the old export with its attributes.
        Assert.Equal(old.TaskId, _d.Cfn.Resources[id].PhysicalId);
        foreach (var name in new[] { AppStreamAmiExportAttributeNames.TaskId, AppStreamAmiExportAttributeNames.AmiId, AppStreamAmiExportAttributeNames.AmiName, AppStreamAmiExportAttributeNames.ImageArn })
            Assert.Equal(held.Attributes[name]!.ToString(), _d.Cfn.Resources[id].Attributes[name]!.ToString());
        Assert.Contains(old.AmiId!, _d.Aws.Images.Keys);
        Assert.Empty(_d.Aws.Denials);
    }

    // ------------------------------------------------------------------ 4. tags-only Update after AWS forgot the task

    [Theory]
    [InlineData(RemovalPolicy.RETAIN)]
    [InlineData(RemovalPolicy.DESTROY)]
    public async Task TagsOnlyUpdateRolledBack_AfterAppStreamForgotTheTask_ShouldRollBackCleanlyWithoutAnAwsError(RemovalPolicy removal)
    {
        var first = await _d.ShortAmiStack(p => { p.RemovalPolicy = removal; p.Tags = new Dictionary<string, string> { ["team"] = "a" }; });
        var id = first.Of(ResourceTypes.AppStreamAmiExport);
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var held = _d.Cfn.Resources[id];
        // AppStream keeps export tasks for a while only: the task is gone, its AMI stays.
        _d.Aws.AppStreamTasks.Remove(old.TaskId);
        var second = await _d.ShortAmiStack(p => { p.RemovalPolicy = removal; p.Tags = new Dictionary<string, string> { ["team"] = "b" }; }, FailingLater("Ami"));
        _d.Cfn.FailOn("Later");

        var updated = await _d.Cfn.UpdateStackAsync(second);

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", _d.Story());
        // The stack rolled back because of Later, not because of the export.
        Assert.Contains(_d.Cfn.Events, e => e.LogicalId == "Later" && e.Status.EndsWith("_FAILED", StringComparison.Ordinal));
        var exchanges = _d.Cfn.ExchangesOf(id).Skip(1).ToList();
        Assert.Equal(2, exchanges.Count); // the tags-only Update and its rollback Update
        Assert.All(exchanges, e => Assert.True(e.Answer is { Status: "SUCCESS" } a && a.PhysicalResourceId == old.TaskId, e.ToString()));
        Assert.Equal(old.TaskId, _d.Cfn.Resources[id].PhysicalId);
        foreach (var name in new[] { AppStreamAmiExportAttributeNames.TaskId, AppStreamAmiExportAttributeNames.AmiId, AppStreamAmiExportAttributeNames.AmiName, AppStreamAmiExportAttributeNames.ImageArn })
            Assert.Equal(held.Attributes[name]!.ToString(), _d.Cfn.Resources[id].Attributes[name]?.ToString());
        Assert.Contains(old.AmiId!, _d.Aws.Images.Keys);
        Assert.Equal(1, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
        Assert.Equal(0, _d.Aws.CallCount("EC2:DeregisterImage"));
        // The AMI, found by its owner tags, was re-tagged by the Update and back by its rollback.
        Assert.Equal("a", _d.Aws.Images[old.AmiId!].Tags["team"]);
        Assert.Equal(2, _d.Aws.CallCount("EC2:CreateTags"));
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task TagsOnlyUpdate_ShouldRetagTheAmiInPlace_NotTheOwnerTags()
    {
        var first = await _d.ShortAmiStack(p => p.Tags = new Dictionary<string, string> { ["team"] = "a", ["cost-center"] = "42" });
        var id = first.Of(ResourceTypes.AppStreamAmiExport);
        await _d.Cfn.CreateStackAsync(first);
        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var ami = _d.Aws.Images[task.AmiId!];
        var owner = ami.Tags.Where(t => t.Key.StartsWith(Tagging.OwnerKeyPrefix, StringComparison.Ordinal)).ToDictionary();

        var updated = await _d.Cfn.UpdateStackAsync(await _d.ShortAmiStack(p => p.Tags = new Dictionary<string, string> { ["team"] = "b", ["owner"] = "ops" }));

        Assert.True(updated == "UPDATE_COMPLETE", _d.Story());
        Assert.Equal(("SUCCESS", task.TaskId), (_d.Last(id).Answer!.Status, _d.Last(id).Answer!.PhysicalResourceId));
        var expected = new Dictionary<string, string>(owner) { ["team"] = "b", ["owner"] = "ops" };
        Assert.Equal(expected.OrderBy(t => t.Key), ami.Tags.OrderBy(t => t.Key));
        // AppStream tags no export task after its start: the task keeps the tags it started with.
        Assert.Equal("a", task.Tags["team"]);
        Assert.Equal((1, 1, 1), (_d.Aws.CallCount("AppStream:CreateExportImageTask"), _d.Aws.CallCount("EC2:CreateTags"), _d.Aws.CallCount("EC2:DeleteTags")));
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    [Fact]
    public async Task SettingsOnlyUpdate_ShouldKeepTheExportUnderTheSameServiceToken()
    {
        var first = await _d.ShortAmiStack();
        var id = first.Of(ResourceTypes.AppStreamAmiExport);
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", _d.Story());

        var updated = await _d.Cfn.UpdateStackAsync(await _d.ShortAmiStack(p => { p.Timeout = Duration.Minutes(40); p.PollInterval = Duration.Minutes(1); p.WaitForCompletion = false; }));

        Assert.True(updated == "UPDATE_COMPLETE", _d.Story());
        Assert.Equal(("Update", "SUCCESS"), (_d.Last(id).RequestType, _d.Last(id).Answer!.Status));
        Assert.Equal(1, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
        Assert.Empty(_d.Aws.Denials);
    }
}

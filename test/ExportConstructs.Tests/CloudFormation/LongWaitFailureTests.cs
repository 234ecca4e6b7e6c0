using Amazon.CDK;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// Failures on the long-wait path, deployed by the CloudFormation emulation: a replacing Update
/// whose new AppStream export fails, the Delete of a failed export whose AMI name another stack
/// took, and a deploy-time value too long for the answer. On this path the export resource's
/// Update answers the new export's id at once (SUCCESS: the wait is the poller's), so
/// CloudFormation does hear it; what must hold is that it ends holding the old export with its
/// attributes, and that nothing of the failed one is left.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class LongWaitFailureTests : IAsyncLifetime
{
    private const string OtherStackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/Other/0a0b0c0d-0000-4000-8000-000000000000";
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AddImage(LongWaitStacks.Image);
        _d.Aws.VmDuration = TimeSpan.FromMinutes(90);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();


    private static readonly string[] AmiAttributes =
        [AppStreamAmiExportAttributeNames.TaskId, AppStreamAmiExportAttributeNames.AmiId, AppStreamAmiExportAttributeNames.AmiName, AppStreamAmiExportAttributeNames.ImageArn];

    [Theory]
    [InlineData(ReplacementRollback.DeleteNew)]
    [InlineData(ReplacementRollback.UpdateNew)]
    public async Task AppStreamFailedReplacement_ShouldRollBackToTheOldExportAndItsAttributesStartingNothing(ReplacementRollback variant)
    {
        _d.Cfn.ReplacementRollback = variant;
        var first = await _d.AmiStack();
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", _d.Story());
        var old = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var (export, result) = (first.Of(ResourceTypes.AppStreamAmiExport), first.Of(ResourceTypes.AppStreamAmiExportResult));
        var before = _d.Cfn.Resources[result].Attributes;
        var exchangesBefore = _d.Cfn.Exchanges.Count;
        _d.Aws.AppStreamFailure = ("FAILED", [("IMAGE_FAILED", "boom")]);

        var updated = await _d.Cfn.UpdateStackAsync(await _d.AmiStack(p => p.ImageName = LongWaitStacks.OtherAppStreamImage));

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", _d.Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, _d.Story());
        var failed = Assert.Single(_d.Aws.AppStreamTasks.Values, t => t.TaskId != old.TaskId);
        Assert.Equal(("FAILED", old.TaskId), (failed.State, failed.Tags[Tagging.ReplacesTag]));
        // The export resource took the new id (SUCCESS: the poller waits); the result resource failed with AWS's reason.
        var forward = _d.Cfn.ExchangesOf(export).Skip(1).First();
        Assert.Equal(("Update", old.TaskId, "SUCCESS", failed.TaskId), (forward.RequestType, forward.PhysicalResourceId, forward.Answer!.Status, forward.Answer.PhysicalResourceId));
        var reported = _d.Cfn.ExchangesOf(result).Single(e => e.RequestType == "Update" && !e.Rollback).Answer!;
        Assert.Equal("FAILED", reported.Status);
        Assert.Contains("IMAGE_FAILED: boom", reported.Reason);
        // The rollback returned to the old export (a rollback Update answering the old id, or the Delete of the new
        // one) and ended every exchange that carried the new id: no FAILED answer of the export resource names it.
        var later = _d.Cfn.Exchanges.Skip(exchangesBefore).Where(e => e.LogicalId == export).ToList();
        Assert.All(later, e => Assert.Equal("SUCCESS", e.Answer?.Status));
        Assert.Equal(("Delete", failed.TaskId), (later[^1].RequestType, later[^1].PhysicalResourceId));
        if (variant == ReplacementRollback.UpdateNew)
            Assert.Equal(("Update", true, old.TaskId), (later[1].RequestType, later[1].Rollback, later[1].Answer!.PhysicalResourceId));
        Assert.DoesNotContain(_d.Cfn.Exchanges, e => e.LogicalId == export && e.Answer is { Status: "FAILED" });
        // CloudFormation holds the old export again, and the result resource its attributes.
        Assert.Equal((old.TaskId, old.TaskId), (_d.Cfn.Resources[export].PhysicalId, _d.Cfn.Resources[result].PhysicalId));
        foreach (var name in AmiAttributes)
            Assert.Equal(before[name]!.ToString(), _d.Cfn.Resources[result].Attributes[name]?.ToString());
        // The rollback started nothing; nothing of the failed export is left: no AMI, no poller.
        Assert.Equal(2, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
        Assert.DoesNotContain(_d.Aws.Images.Values, i => i.Name == failed.AmiName);
        Assert.Contains(old.AmiId!, _d.Aws.Images.Keys);
        Assert.Single(_d.Aws.Executions.Keys, n => n.StartsWith(failed.TaskId, StringComparison.Ordinal));
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    [Fact]
    public async Task AppStreamDeleteOfAFailedExportUnderDestroy_WhoseAmiNameAnotherStacksAmiTook_ShouldLeaveThatAmiAlone()
    {
        _d.Aws.AppStreamTagsSnapshots = true;
        _d.Aws.AppStreamFailure = ("FAILED", [("AMI_NAME_TAKEN", "An AMI named office-shared already exists.")]);
        var template = await _d.AmiStack(p => { p.RemovalPolicy = RemovalPolicy.DESTROY; p.AmiName = "office-shared"; });
        var (export, result) = (template.Of(ResourceTypes.AppStreamAmiExport), template.Of(ResourceTypes.AppStreamAmiExportResult));
        // While the export runs, another stack registers an AMI of that name (so this export fails), carrying
        // owner tags of the same logical id: only the stack tag tells it apart.
        var foreign = new FakeImage("ami-0f0f0f0f0f0f0f0f0", "office-shared", ["snap-0f0f0f0f0f0f0f0f0"],
            new Dictionary<string, string> { [Tagging.StackTag] = OtherStackId, [Tagging.LogicalIdTag] = export });
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
        // The export started and handed over (SUCCESS with its id); the poller signalled; the result failed with AWS's reason.
        var exchanges = _d.Cfn.ExchangesOf(export).ToList();
        Assert.Equal(2, exchanges.Count);
        Assert.Equal(("Create", "SUCCESS", task.TaskId), (exchanges[0].RequestType, exchanges[0].Answer!.Status, exchanges[0].Answer!.PhysicalResourceId));
        Assert.Equal(("Delete", task.TaskId, "SUCCESS"), (exchanges[1].RequestType, exchanges[1].PhysicalResourceId, exchanges[1].Answer!.Status));
        var reported = _d.Cfn.ExchangesOf(result).First().Answer!;
        Assert.Equal(("FAILED", task.TaskId), (reported.Status, reported.PhysicalResourceId));
        Assert.Contains("AMI_NAME_TAKEN", reported.Reason);
        Assert.Equal(task.TaskId, Assert.Single(_d.Aws.ResourceSignals).UniqueId);
        // The other stack's AMI and snapshot are untouched, and nothing even tried to remove them.
        Assert.Same(foreign, _d.Aws.Images[foreign.ImageId]);
        Assert.Contains(foreign.Snapshots[0], _d.Aws.Snapshots);
        Assert.Equal((1, 0, 0), (_d.Aws.CallCount("AppStream:CreateExportImageTask"), _d.Aws.CallCount("EC2:DeregisterImage"), _d.Aws.CallCount("EC2:DeleteSnapshot")));
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LongInvalidDeployTimeValue_ShouldFailWithAnAnswerCloudFormationAcceptsNamingTheProp(bool appStream)
    {
        // A description given as a parameter is checked by the handler at deploy time, not at synth.
        var prop = appStream ? "AmiDescription" : "Description";
        var stack = Synthesized.NewStack("Sample");
        var text = new CfnParameter(stack, "Text", new CfnParameterProps { Type = "String" }).ValueAsString;
        if (appStream)
        {
            _d.Aws.AppStreamImages.Add(LongWaitStacks.AppStreamImage);
            new AppStreamAmiExport(stack, "As", new AppStreamAmiExportProps
            {
                ImageName = LongWaitStacks.AppStreamImage, AmiDescription = text, Timeout = Duration.Hours(2), PollInterval = Duration.Minutes(5),
            });
        }
        else
        {
            new ExportedVmImage(stack, "Vm", new ExportedVmImageProps
            {
                ImageId = LongWaitStacks.Image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Amazon.CDK.AWS.S3.Bucket(stack, "Bucket"),
                Description = text, Timeout = Duration.Hours(3), PollInterval = Duration.Minutes(5),
            });
        }
        var template = await _d.SynthesizeAsync(stack);
        var export = template.Of(appStream ? ResourceTypes.AppStreamAmiExport : ResourceTypes.ExportedVmImage);

        var created = await _d.Cfn.CreateStackAsync(template, new Dictionary<string, string> { ["Text"] = new string('x', 3000) });

        Assert.True(created == "ROLLBACK_COMPLETE", _d.Story());
        var answer = _d.Cfn.ExchangesOf(export).First().Answer!;
        Assert.Equal("FAILED", answer.Status);
        Assert.True(answer.Bytes <= CloudFormationEmulator.MaxResponseBytes, $"{answer.Bytes} bytes");
        Assert.Contains(prop, answer.Reason);
        // Refused before anything started: no export, no poller, no condition signalled, no result resource.
        Assert.Equal((0, 0), (_d.Aws.CallCount("EC2:ExportImage"), _d.Aws.CallCount("AppStream:CreateExportImageTask")));
        Assert.DoesNotContain(_d.Aws.Executions.Keys, n => n.StartsWith("export-ami-", StringComparison.Ordinal) || n.Contains("-0000-4000-8000-000000000000", StringComparison.Ordinal));
        Assert.Empty(_d.Aws.ResourceSignals);
        Assert.Empty(_d.Cfn.ExchangesOf(template.Of(appStream ? ResourceTypes.AppStreamAmiExportResult : ResourceTypes.ExportedVmImageResult)));
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }
}

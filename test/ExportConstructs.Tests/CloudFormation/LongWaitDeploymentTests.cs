using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// The long-wait path (Timeout over 55 minutes) deployed by the CloudFormation emulation: the
/// export resource through the real framework code, the poller state machine run from its
/// synthesized definition, the WaitCondition's CreationPolicy signalled through SignalResource, and
/// the result resource. Each test asserts what CloudFormation was told, what AWS holds, that no
/// poller execution is left running, and the AWS calls.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class LongWaitDeploymentTests : IAsyncLifetime
{
    private const string Image = "ami-0123456789abcdef0";
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AddImage(Image);
        _d.Aws.VmDuration = TimeSpan.FromMinutes(90);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    private async Task<StackTemplate> VmStack(Action<ExportedVmImageProps>? change = null, Action<Stack>? more = null)
    {
        var stack = Synthesized.NewStack("Sample");
        var props = new ExportedVmImageProps
        {
            ImageId = Image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Bucket(stack, "Bucket"),
            Timeout = Duration.Hours(3), PollInterval = Duration.Minutes(5),
        };
        change?.Invoke(props);
        new ExportedVmImage(stack, "Vm", props);
        more?.Invoke(stack);
        return await _d.SynthesizeAsync(stack);
    }

    /// <summary>A stack with one AppStreamAmiExport "As" on the long path (2 hours, every 5 minutes).</summary>
    private async Task<StackTemplate> AmiStack(Action<AppStreamAmiExportProps>? change = null, Action<Stack>? more = null)
    {
        _d.Aws.AppStreamImages.Add("Office");
        var stack = Synthesized.NewStack("Sample");
        var props = new AppStreamAmiExportProps { ImageName = "Office", Timeout = Duration.Hours(2), PollInterval = Duration.Minutes(5) };
        change?.Invoke(props);
        new AppStreamAmiExport(stack, "As", props);
        more?.Invoke(stack);
        return await _d.SynthesizeAsync(stack);
    }

    /// <summary>The next template holds no export at all: only the provider, which every stack with an export has.</summary>
    private async Task<StackTemplate> WithoutExport(bool bucket)
    {
        var stack = Synthesized.NewStack("Sample");
        if (bucket) new Bucket(stack, "Bucket");
        ExportProvider.Of(stack);
        return await _d.SynthesizeAsync(stack);
    }

    /// <summary>A resource after the export that fails, so the update rolls back after the export's Update.</summary>
    private static Action<Stack> FailingLater(string exportId) => stack => new CfnWaitConditionHandle(stack, "Later").Node.AddDependency(stack.Node.FindChild(exportId));

    private static string Of(StackTemplate t, string type) => Assert.Single(t.OfType(type));

    /// <summary>Poller executions still running once what was due has run (a finished poll ends its execution a step later).</summary>
    private async Task<List<string>> PollersLeftAsync()
    {
        await _d.Cfn.RunForAsync(TimeSpan.FromMinutes(1));
        return _d.Cfn.States.Running.Select(e => e.Name).ToList();
    }

    private string Story() => string.Join("\n", _d.Cfn.Exchanges) + "\n" + string.Join("\n", _d.Cfn.Events) + "\n" + string.Join("\n", _d.Aws.Denials.Select(d => d.Message));

    [Fact]
    public async Task ExportToCompletion_ShouldSignalItsConditionOnceAndTheResultShouldCarryTheFinalAttributes()
    {
        var template = await VmStack();

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", Story());
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var condition = Of(template, "AWS::CloudFormation::WaitCondition");
        Assert.Equal([new ExportConstructs.Fakes.FakeResourceSignal(_d.Cfn.StackId, condition, task.Id, "SUCCESS")], _d.Aws.ResourceSignals);
        var result = _d.Cfn.Resources[Of(template, ResourceTypes.ExportedVmImageResult)];
        Assert.Equal(task.Key, result.Attributes["S3Key"]!.ToString());
        Assert.Empty(await PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
        var lines = _d.Cfn.Lambda.Logs.Values.SelectMany(l => l).ToList();
        Assert.DoesNotContain(lines, l => l.Contains("X-Amz-Credential") || l.Contains("X-Amz-Signature") || l.Contains(CloudFormationEmulator.ResponseHost));
        // One start, the poller's describes (one every 5 minutes over 90 minutes, and at once), one by the result.
        Assert.Equal((1, 1, 1), (_d.Aws.CallCount("EC2:ExportImage"), _d.Aws.CallCount("SFN:StartExecution") - 2, _d.Aws.CallCount("CloudFormation:SignalResource")));
    }

    [Fact]
    public async Task TimeoutOnlyUpdate_ShouldKeepTheExportGiveItANewConditionAndLeaveNoSecondPoller()
    {
        await _d.Cfn.CreateStackAsync(await VmStack());
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var next = await VmStack(p => p.Timeout = Duration.Hours(4));

        var updated = await _d.Cfn.UpdateStackAsync(next);

        Assert.True(updated == "UPDATE_COMPLETE", Story());
        Assert.Single(_d.Aws.VmTasks);
        Assert.Equal(task.Id, _d.Cfn.Resources[Of(next, ResourceTypes.ExportedVmImage)].PhysicalId);
        Assert.Equal(Of(next, "AWS::CloudFormation::WaitCondition"), _d.Aws.ResourceSignals[^1].LogicalResourceId);
        Assert.Empty(await PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }

    [Theory]
    [InlineData("AccessDeniedException", 400)]
    [InlineData("ServiceUnavailable", 503)]
    public async Task PollerRefusedOnCreate_ShouldLeaveNothingRunningAfterTheRollback(string code, int status)
    {
        var template = await VmStack();
        // The handler's StartExecution is the first: the framework starts its own waiter only after onEvent
        // answered. A 5xx is retried by the SDK (6 attempts in all); a refusal is not.
        _d.Aws.FailNext("SFN:StartExecution", code, status, times: status >= 500 ? 6 : 1);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "ROLLBACK_COMPLETE", Story());
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var exchanges = _d.Cfn.ExchangesOf(Of(template, ResourceTypes.ExportedVmImage)).ToList();
        // Not the framework's CREATE_FAILED marker (whose Delete never reaches the handler): the export's own id.
        Assert.Equal(("FAILED", task.Id), (exchanges[0].Answer!.Status, exchanges[0].Answer!.PhysicalResourceId));
        Assert.Contains($"[{code}]", exchanges[0].Answer!.Reason);
        Assert.Equal(("Delete", task.Id, "SUCCESS"), (exchanges[1].RequestType, exchanges[1].PhysicalResourceId, exchanges[1].Answer!.Status));
        Assert.True(task.Cancelled, "the export runs on with no resource owning it");
        Assert.Empty(await PollersLeftAsync());
    }

    [Fact]
    public async Task ExportFailing_ShouldFailTheResultWithAwsReasonAndTheRollbackShouldStopEverything()
    {
        _d.Aws.VmFailureMessage = "ClientError: Unsupported kernel version";
        var template = await VmStack();

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "ROLLBACK_COMPLETE", Story());
        Assert.Equal("SUCCESS", Assert.Single(_d.Aws.ResourceSignals).Status); // a FAILURE signal would carry no reason
        var result = _d.Cfn.ExchangesOf(Of(template, ResourceTypes.ExportedVmImageResult)).First().Answer!;
        Assert.Equal("FAILED", result.Status);
        Assert.Contains("ClientError: Unsupported kernel version", result.Reason);
        Assert.Empty(await PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task ExportOutlastingTheTimeout_ShouldFailTheResultNamingTheTimeoutAndTheRollbackCancelTheExport()
    {
        _d.Aws.VmDuration = TimeSpan.FromHours(10);
        var template = await VmStack();

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "ROLLBACK_COMPLETE", Story());
        // Signalled one interval before the condition's timeout, so that the reason reaches CloudFormation.
        var signal = Assert.Single(_d.Aws.ResourceSignals);
        var result = _d.Cfn.ExchangesOf(Of(template, ResourceTypes.ExportedVmImageResult)).First().Answer!;
        Assert.Equal("FAILED", result.Status);
        Assert.Contains($"export {signal.UniqueId} did not finish within its Timeout of 10800 s", result.Reason);
        Assert.True(Assert.Single(_d.Aws.VmTasks.Values).Cancelled);
        Assert.Empty(await PollersLeftAsync());
    }

    [Fact]
    public async Task SignalRefusedForLongerThanThePollersRetries_ShouldStillEndInTheSignal()
    {
        var template = await VmStack();
        // Refused (as while a new IAM grant propagates) for longer than the state machine's own retries:
        // the poll fails, the execution waits an interval and polls again. Not retried by the SDK, so no real backoff.
        _d.Aws.FailNext("CloudFormation:SignalResource", "AccessDenied", 403, times: 12);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", Story());
        Assert.Single(_d.Aws.ResourceSignals);
        Assert.Equal(13, _d.Aws.CallCount("CloudFormation:SignalResource"));
        Assert.Empty(await PollersLeftAsync());
    }

    [Fact]
    public async Task DeleteMidWait_ShouldStopThePollerAndCancelTheExport()
    {
        _d.Aws.VmDuration = TimeSpan.FromHours(10);
        _d.Cfn.CancelAfter = TimeSpan.FromHours(1);
        var template = await VmStack();

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "ROLLBACK_COMPLETE", Story());
        Assert.True(Assert.Single(_d.Aws.VmTasks.Values).Cancelled);
        Assert.Empty(await PollersLeftAsync());
        Assert.Equal(1, _d.Aws.CallCount("SFN:StopExecution"));
    }

    [Fact]
    public async Task TwoExports_ShouldEachSignalExactlyTheirOwnCondition()
    {
        const string second = "ami-0fedcba9876543210";
        _d.Aws.AddImage(second);
        var stack = Synthesized.NewStack("Sample");
        var bucket = new Bucket(stack, "Bucket");
        new ExportedVmImage(stack, "VmA", new ExportedVmImageProps { ImageId = Image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = bucket, Timeout = Duration.Hours(3) });
        new ExportedVmImage(stack, "VmB", new ExportedVmImageProps { ImageId = second, DiskImageFormat = DiskImageFormat.RAW, Bucket = bucket, Timeout = Duration.Hours(2) });
        var template = await _d.SynthesizeAsync(stack);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", Story());
        foreach (var (construct, image) in new[] { ("VmA", Image), ("VmB", second) })
        {
            var task = Assert.Single(_d.Aws.VmTasks.Values, t => t.ImageId == image);
            var condition = Assert.Single(template.OfType("AWS::CloudFormation::WaitCondition"), c => c.StartsWith(construct + "Wait", StringComparison.Ordinal));
            Assert.Equal(condition, Assert.Single(_d.Aws.ResourceSignals, s => s.UniqueId == task.Id).LogicalResourceId);
        }
        Assert.Equal(2, _d.Aws.ResourceSignals.Count);
        Assert.Empty(await PollersLeftAsync());
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
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", Story());
        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);

        var updated = await _d.Cfn.UpdateStackAsync(await AmiStack(Duration.Hours(5)));

        Assert.True(updated == "UPDATE_COMPLETE", Story());
        Assert.Equal(1, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
        var result = Assert.Single(_d.Cfn.Resources.Values, r => r.Type == ResourceTypes.AppStreamAmiExportResult);
        Assert.Equal(task.AmiId, result.Attributes["AmiId"]!.ToString());
        Assert.Empty(await PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task MovesBetweenThePaths_ShouldKeepTheExportAndLeaveNoPollerRunning()
    {
        _d.Aws.VmDuration = TimeSpan.FromMinutes(20);
        Assert.True(await _d.Cfn.CreateStackAsync(await VmStack(p => { p.Timeout = Duration.Minutes(50); p.PollInterval = Duration.Minutes(2); })) == "CREATE_COMPLETE", Story());
        var task = Assert.Single(_d.Aws.VmTasks.Values);

        var toLong = await _d.Cfn.UpdateStackAsync(await VmStack(p => p.Timeout = Duration.Hours(3)));
        var longTemplate = _d.Cfn.Template!;
        var toShort = await _d.Cfn.UpdateStackAsync(await VmStack(p => { p.Timeout = Duration.Minutes(50); p.PollInterval = Duration.Minutes(2); }));

        Assert.True((toLong, toShort) == ("UPDATE_COMPLETE", "UPDATE_COMPLETE"), Story());
        Assert.Single(_d.Aws.VmTasks);
        Assert.Equal(task.Id, _d.Cfn.Resources[Of(longTemplate, ResourceTypes.ExportedVmImage)].PhysicalId);
        // On the long path the kept export signalled its new condition; back on the short path, condition and result are gone.
        Assert.Equal(Of(longTemplate, "AWS::CloudFormation::WaitCondition"), Assert.Single(_d.Aws.ResourceSignals).LogicalResourceId);
        Assert.DoesNotContain(_d.Cfn.Resources.Values, r => r.Type is "AWS::CloudFormation::WaitCondition" or ResourceTypes.ExportedVmImageResult);
        Assert.Empty(await PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task TimeoutUpdateRolledBack_ShouldLeaveNoPollerForTheOldCondition()
    {
        await _d.Cfn.CreateStackAsync(await VmStack());
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

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", Story());
        Assert.Single(_d.Aws.VmTasks);
        Assert.Empty(await PollersLeftAsync());
    }

    [Fact]
    public async Task ReplacementUnderDestroy_ShouldWaitForTheNewExportThenDeleteTheOldFileInTheCleanupPhase()
    {
        const string second = "ami-0fedcba9876543210";
        _d.Aws.AddImage(second);
        await _d.Cfn.CreateStackAsync(await VmStack(p => p.RemovalPolicy = RemovalPolicy.DESTROY));
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        var next = await VmStack(p => { p.RemovalPolicy = RemovalPolicy.DESTROY; p.ImageId = second; });

        var updated = await _d.Cfn.UpdateStackAsync(next);

        Assert.True(updated == "UPDATE_COMPLETE", Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
        var replacement = Assert.Single(_d.Aws.VmTasks.Values, t => t.Id != old.Id);
        Assert.Equal(replacement.Id, _d.Cfn.Resources[Of(next, ResourceTypes.ExportedVmImage)].PhysicalId);
        Assert.Equal(replacement.Key, _d.Cfn.Resources[Of(next, ResourceTypes.ExportedVmImageResult)].Attributes["S3Key"]!.ToString());
        Assert.DoesNotContain($"{old.Bucket}/{old.Key}", _d.Aws.Objects);
        Assert.Contains($"{replacement.Bucket}/{replacement.Key}", _d.Aws.Objects);
        Assert.Empty(await PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task RemovalUnderDestroy_ShouldDeleteTheFileAndStopThePollerWithTheNewTemplatesRights()
    {
        var first = await VmStack(p => p.RemovalPolicy = RemovalPolicy.DESTROY);
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", Story());
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var export = Of(first, ResourceTypes.ExportedVmImage);

        var updated = await _d.Cfn.UpdateStackAsync(await WithoutExport(bucket: true));

        Assert.True(updated == "UPDATE_COMPLETE", Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
        // The cleanup phase deleted the export resource (the result and condition touch nothing) with the new template's rights.
        var delete = _d.Cfn.ExchangesOf(export).Last();
        Assert.Equal(("Delete", task.Id, "SUCCESS"), (delete.RequestType, delete.PhysicalResourceId, delete.Answer!.Status));
        Assert.Equal("SUCCESS", _d.Cfn.ExchangesOf(Of(first, ResourceTypes.ExportedVmImageResult)).Last().Answer!.Status);
        Assert.DoesNotContain(_d.Cfn.Resources.Keys, k => k == export || k == Of(first, ResourceTypes.ExportedVmImageResult));
        Assert.DoesNotContain($"{task.Bucket}/{task.Key}", _d.Aws.Objects);
        Assert.False(task.Cancelled); // completed: nothing to cancel
        // Its Delete stopped its poller (already ended with its signal); none is left running.
        Assert.Equal(1, _d.Aws.CallCount("SFN:StopExecution"));
        Assert.Empty(await PollersLeftAsync());
        Assert.Equal((1, 0, 1), (_d.Aws.CallCount("EC2:ExportImage"), _d.Aws.CallCount("EC2:CancelExportTask"), _d.Aws.CallCount("S3:DELETE")));
        Assert.True(_d.Aws.Denials.Count == 0, Story());
    }

    [Fact]
    public async Task AppStreamRemovalUnderDestroy_ShouldDeregisterTheAmiAndStopThePollerWithTheNewTemplatesRights()
    {
        _d.Aws.AppStreamTagsSnapshots = true;
        var first = await AmiStack(p => p.RemovalPolicy = RemovalPolicy.DESTROY);
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", Story());
        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var ami = _d.Aws.Images[task.AmiId!];
        var export = Of(first, ResourceTypes.AppStreamAmiExport);

        var updated = await _d.Cfn.UpdateStackAsync(await WithoutExport(bucket: false));

        Assert.True(updated == "UPDATE_COMPLETE", Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
        var delete = _d.Cfn.ExchangesOf(export).Last();
        Assert.Equal(("Delete", task.TaskId, "SUCCESS"), (delete.RequestType, delete.PhysicalResourceId, delete.Answer!.Status));
        Assert.DoesNotContain(ami.ImageId, _d.Aws.Images.Keys);
        Assert.Empty(_d.Aws.Snapshots);
        Assert.Equal(1, _d.Aws.CallCount("SFN:StopExecution"));
        Assert.Empty(await PollersLeftAsync());
        Assert.Equal((1, 1, 1), (_d.Aws.CallCount("AppStream:CreateExportImageTask"), _d.Aws.CallCount("EC2:DeregisterImage"), _d.Aws.CallCount("EC2:DeleteSnapshot")));
        Assert.True(_d.Aws.Denials.Count == 0, Story());
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
        var first = await VmStack(p => p.Tags = new Dictionary<string, string> { ["team"] = "a" });
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", Story());
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var (export, result) = (Of(first, ResourceTypes.ExportedVmImage), Of(first, ResourceTypes.ExportedVmImageResult));
        var attributes = _d.Cfn.Resources[result].Attributes;
        // EC2 keeps export tasks for a while only: the task is gone, its file stays.
        _d.Aws.VmTasks.Remove(task.Id);
        var describes = _d.Aws.CallCount("EC2:DescribeExportImageTasks");
        _d.Cfn.FailOn("Later");

        var updated = await _d.Cfn.UpdateStackAsync(await VmStack(p => p.Tags = new Dictionary<string, string> { ["team"] = "b" }, FailingLater("Vm")));

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", Story());
        AssertKeptThroughTheRollback(export, result, task.Id, attributes, ["ExportImageTaskId", "S3Bucket", "S3Key", "S3Uri", "DiskImageFormat"]);
        Assert.Contains($"{task.Bucket}/{task.Key}", _d.Aws.Objects);
        // Kept without failing on the task AWS forgot: each Update looked for it once, to re-tag it, and found nothing
        // to tag. No new export or poller.
        Assert.Equal(describes + 2, _d.Aws.CallCount("EC2:DescribeExportImageTasks"));
        Assert.Equal(0, _d.Aws.CallCount("EC2:CreateTags"));
        Assert.Equal(1, _d.Aws.CallCount("EC2:ExportImage"));
        Assert.Single(_d.Aws.Executions.Keys, n => n.StartsWith(task.Id, StringComparison.Ordinal)); // the create's poller only
        Assert.Empty(await PollersLeftAsync());
        Assert.True(_d.Aws.Denials.Count == 0, Story());
    }

    [Fact]
    public async Task AppStreamTagsOnlyUpdateRolledBack_AfterAppStreamForgotTheTask_ShouldKeepTheExportAndItsAttributesWithoutAnAwsError()
    {
        var first = await AmiStack(p => p.Tags = new Dictionary<string, string> { ["team"] = "a" });
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", Story());
        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var (export, result) = (Of(first, ResourceTypes.AppStreamAmiExport), Of(first, ResourceTypes.AppStreamAmiExportResult));
        var attributes = _d.Cfn.Resources[result].Attributes;
        _d.Aws.AppStreamTasks.Remove(task.TaskId);
        _d.Cfn.FailOn("Later");

        var updated = await _d.Cfn.UpdateStackAsync(await AmiStack(p => p.Tags = new Dictionary<string, string> { ["team"] = "b" }, FailingLater("As")));

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", Story());
        // The attributes come from the AMI found by its owner tags.
        AssertKeptThroughTheRollback(export, result, task.TaskId, attributes,
            [AppStreamAmiExportAttributeNames.TaskId, AppStreamAmiExportAttributeNames.AmiId, AppStreamAmiExportAttributeNames.AmiName, AppStreamAmiExportAttributeNames.ImageArn]);
        Assert.Contains(task.AmiId!, _d.Aws.Images.Keys);
        Assert.Equal((1, 0), (_d.Aws.CallCount("AppStream:CreateExportImageTask"), _d.Aws.CallCount("EC2:DeregisterImage")));
        // The AMI, found by its owner tags, was re-tagged by the Update and back by its rollback.
        Assert.Equal(("a", 2), (_d.Aws.Images[task.AmiId!].Tags["team"], _d.Aws.CallCount("EC2:CreateTags")));
        Assert.Empty(await PollersLeftAsync());
        Assert.True(_d.Aws.Denials.Count == 0, Story());
    }

    [Fact]
    public async Task ReplacementUnderRetain_ShouldKeepTheOldFileAndNotCancelTheCompletedOldTask()
    {
        const string second = "ami-0fedcba9876543210";
        _d.Aws.AddImage(second);
        await _d.Cfn.CreateStackAsync(await VmStack());
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        var next = await VmStack(p => p.ImageId = second);

        var updated = await _d.Cfn.UpdateStackAsync(next);

        Assert.True(updated == "UPDATE_COMPLETE", Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
        var replacement = Assert.Single(_d.Aws.VmTasks.Values, t => t.Id != old.Id);
        var export = Of(next, ResourceTypes.ExportedVmImage);
        Assert.Equal(replacement.Id, _d.Cfn.Resources[export].PhysicalId);
        Assert.Equal(replacement.Key, _d.Cfn.Resources[Of(next, ResourceTypes.ExportedVmImageResult)].Attributes["S3Key"]!.ToString());
        // The old export's Delete in the cleanup phase, under RETAIN: the completed task is not cancelled, its file stays.
        var cleanup = _d.Cfn.ExchangesOf(export).Last();
        Assert.Equal(("Delete", old.Id, "SUCCESS"), (cleanup.RequestType, cleanup.PhysicalResourceId, cleanup.Answer!.Status));
        Assert.Equal(("completed", false), (old.Status, old.Cancelled));
        Assert.Contains($"{old.Bucket}/{old.Key}", _d.Aws.Objects);
        Assert.Contains($"{replacement.Bucket}/{replacement.Key}", _d.Aws.Objects);
        Assert.Equal((2, 0, 0), (_d.Aws.CallCount("EC2:ExportImage"), _d.Aws.CallCount("EC2:CancelExportTask"), _d.Aws.CallCount("S3:DELETE")));
        Assert.Empty(await PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task FailedReplacement_ShouldRollBackToTheOldExportWithoutStartingAnother()
    {
        const string second = "ami-0fedcba9876543210";
        _d.Aws.AddImage(second);
        var first = await VmStack();
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        _d.Aws.VmFailureMessage = "ClientError: Unsupported kernel version";

        var updated = await _d.Cfn.UpdateStackAsync(await VmStack(p => p.ImageId = second));

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", Story());
        Assert.Equal(2, _d.Aws.CallCount("EC2:ExportImage"));
        Assert.Equal(old.Id, _d.Cfn.Resources[Of(first, ResourceTypes.ExportedVmImage)].PhysicalId);
        Assert.Equal(old.Key, _d.Cfn.Resources[Of(first, ResourceTypes.ExportedVmImageResult)].Attributes["S3Key"]!.ToString());
        Assert.Empty(await PollersLeftAsync());
        Assert.Empty(_d.Aws.Denials);
    }
}

using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using ExportConstructs.Fakes.Iam;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// ExportedVmImage stacks deployed, updated, rolled back and deleted by the CloudFormation
/// emulation through the real Provider framework code, the handler with its role's deployed
/// rights, and the loopback AWS. Each test asserts what CloudFormation was told, what AWS holds at
/// the end, and the AWS calls made.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class VmImageDeploymentTests : IAsyncLifetime
{
    private const string Image = "ami-0123456789abcdef0";
    private const string OtherImage = "ami-0fedcba9876543210";
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AddImage(Image);
        _d.Aws.AddImage(OtherImage);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    /// <summary>A stack with one ExportedVmImage (short path unless the change says otherwise).</summary>
    private async Task<StackTemplate> VmStack(Action<ExportedVmImageProps>? change = null, Action<Stack>? more = null)
    {
        var stack = Synthesized.NewStack("Sample");
        var props = new ExportedVmImageProps
        {
            ImageId = Image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Bucket(stack, "Bucket"),
            Timeout = Duration.Minutes(30), PollInterval = Duration.Minutes(1),
        };
        change?.Invoke(props);
        new ExportedVmImage(stack, "Vm", props);
        more?.Invoke(stack);
        return await _d.SynthesizeAsync(stack);
    }

    private static string ExportId(StackTemplate template) => Assert.Single(template.OfType(ResourceTypes.ExportedVmImage));

    [Fact]
    public async Task CreateThenDelete_ThroughTheRealFramework_ShouldReportAttributesAndLeaveNothingRunning()
    {
        var template = await VmStack();
        var id = ExportId(template);

        var created = await _d.Cfn.CreateStackAsync(template);
        var deleted = await _d.Cfn.DeleteStackAsync();

        Assert.Equal(("CREATE_COMPLETE", "DELETE_COMPLETE"), (created, deleted));
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var create = _d.Cfn.ExchangesOf(id).First();
        Assert.Equal(("SUCCESS", task.Id), (create.Answer!.Status, create.Answer.PhysicalResourceId));
        Assert.Equal($"{task.Key}", create.Answer.Data["S3Key"]);
        Assert.Equal("completed", task.Status);
        Assert.Contains($"{task.Bucket}/{task.Key}", _d.Aws.Objects); // RETAIN keeps the file
        Assert.Empty(_d.Aws.Denials);
        Assert.Empty(_d.Cfn.States.Running);
    }

    private CustomResourceExchange Last(string id) => _d.Cfn.ExchangesOf(id).Last();

    [Fact]
    public async Task SettingsOnlyUpdate_ShouldKeepTheExportUnderTheSameServiceToken()
    {
        var first = await VmStack();
        var id = ExportId(first);
        await _d.Cfn.CreateStackAsync(first);
        var second = await VmStack(p => { p.Timeout = Duration.Minutes(45); p.PollInterval = Duration.Minutes(2); });

        var updated = await _d.Cfn.UpdateStackAsync(second);

        Assert.Equal("UPDATE_COMPLETE", updated);
        Assert.Equal(("Update", "SUCCESS"), (Last(id).RequestType, Last(id).Answer!.Status));
        Assert.Equal(_d.Cfn.ExchangesOf(id).First().Answer!.PhysicalResourceId, Last(id).Answer!.PhysicalResourceId);
        Assert.Equal(1, _d.Aws.CallCount("EC2:ExportImage"));
        Assert.Empty(_d.Aws.Denials);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReplacementUnderDestroy_ShouldDeleteTheOldFileInTheCleanupPhase(bool versioned)
    {
        var first = await VmStack(p => { p.RemovalPolicy = RemovalPolicy.DESTROY; p.Prefix = "a/"; });
        var id = ExportId(first);
        await _d.Cfn.CreateStackAsync(first);
        var bucket = _d.Cfn.Resources.Values.Single(r => r.Type == "AWS::S3::Bucket").PhysicalId;
        if (versioned) _d.Aws.VersionedBuckets.Add(bucket);
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        // A file of the old export written while versioning is on has a version that must go too.
        if (versioned) _d.Aws.PutObject(old.Bucket, old.Key);
        var second = await VmStack(p => { p.RemovalPolicy = RemovalPolicy.DESTROY; p.Prefix = "b/"; });

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
    public async Task RemovalUnderDestroy_ShouldCancelAndDeleteWithRightsThatOutliveTheTemplate()
    {
        var first = await VmStack(p => p.RemovalPolicy = RemovalPolicy.DESTROY);
        await _d.Cfn.CreateStackAsync(first);
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        // The next template holds no export at all: the export and its grants leave together.
        var stack = Synthesized.NewStack("Sample");
        new Bucket(stack, "Bucket");
        ExportProvider.Of(stack);
        var second = await _d.SynthesizeAsync(stack);

        var updated = await _d.Cfn.UpdateStackAsync(second);

        Assert.Equal("UPDATE_COMPLETE", updated);
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
        Assert.DoesNotContain($"{task.Bucket}/{task.Key}", _d.Aws.Objects);
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task FailedReplacement_ShouldRollBackToTheOldExportWithoutStartingAnotherOrTellingCloudFormationTheNewId()
    {
        var first = await VmStack();
        var id = ExportId(first);
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        _d.Aws.VmFailureMessage = "ClientError: Unsupported kernel version";
        var second = await VmStack(p => p.ImageId = OtherImage);

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
        var first = await VmStack();
        var id = ExportId(first);
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        // Something after the export fails, so the whole update rolls back after the export was replaced.
        var second = await VmStack(p => p.ImageId = OtherImage, stack => new CfnWaitConditionHandle(stack, "Later").Node.AddDependency(stack.Node.FindChild("Vm")));
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
        var first = await VmStack();
        var id = ExportId(first);
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        var held = _d.Cfn.Resources[id];
        // The replacement would take an hour: its 30-minute Timeout passes first.
        _d.Aws.VmDuration = TimeSpan.FromHours(1);

        var updated = await _d.Cfn.UpdateStackAsync(await VmStack(p => p.ImageId = OtherImage));

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
        var first = await VmStack(p => p.Prefix = "a/");
        var id = ExportId(first);
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(_d.Aws.VmTasks.Values);

        var updated = await _d.Cfn.UpdateStackAsync(await VmStack(p => p.Prefix = "b/"));

        Assert.Equal("UPDATE_COMPLETE", updated);
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
        var replacement = Assert.Single(_d.Aws.VmTasks.Values, t => t.Id != old.Id);
        var update = _d.Cfn.ExchangesOf(id).Single(e => e.RequestType == "Update");
        Assert.Equal(("SUCCESS", replacement.Id), (update.Answer!.Status, update.Answer.PhysicalResourceId));
        Assert.Equal(replacement.Key, _d.Cfn.Resources[id].Attributes["S3Key"]!.ToString());
        // The old export's Delete in the cleanup phase, under RETAIN: the completed task is not cancelled, its file stays.
        Assert.Equal(("Delete", old.Id, "SUCCESS"), (Last(id).RequestType, Last(id).PhysicalResourceId, Last(id).Answer!.Status));
        Assert.Equal(("completed", false), (old.Status, old.Cancelled));
        Assert.Contains($"{old.Bucket}/{old.Key}", _d.Aws.Objects);
        Assert.Contains($"{replacement.Bucket}/{replacement.Key}", _d.Aws.Objects);
        Assert.Equal((2, 0, 0), (_d.Aws.CallCount("EC2:ExportImage"), _d.Aws.CallCount("EC2:CancelExportTask"), _d.Aws.CallCount("S3:DELETE")));
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task CreateCancelledDuringTheWait_ShouldHaveTheRollbackDeleteCancelTheExport()
    {
        _d.Aws.VmPollsToFinish = 1000;
        var template = await VmStack();
        var id = ExportId(template);
        _d.Cfn.CancelAfter = TimeSpan.FromMinutes(10);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.Equal("ROLLBACK_COMPLETE", created);
        var delete = Last(id);
        Assert.Equal("Delete", delete.RequestType);
        Assert.DoesNotContain(_d.Aws.VmTasks.Values, t => t.Id == delete.PhysicalResourceId); // an id CloudFormation made up
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        Assert.True(task.Cancelled, "the export is still running with no resource owning it");
    }

    [Fact]
    public async Task LongInvalidDeployTimeValue_ShouldFailWithAnAnswerCloudFormationAcceptsNamingTheProp()
    {
        var stack = Synthesized.NewStack("Sample");
        var description = new CfnParameter(stack, "Description", new CfnParameterProps { Type = "String" });
        new ExportedVmImage(stack, "Vm", new ExportedVmImageProps
        {
            ImageId = Image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Bucket(stack, "Bucket"),
            Description = description.ValueAsString, Timeout = Duration.Minutes(30),
        });
        var template = await _d.SynthesizeAsync(stack);
        var id = ExportId(template);

        var created = await _d.Cfn.CreateStackAsync(template, new Dictionary<string, string> { ["Description"] = new string('x', 3000) });

        Assert.Equal("ROLLBACK_COMPLETE", created);
        var answer = _d.Cfn.ExchangesOf(id).First().Answer!;
        Assert.True(answer.Bytes <= CloudFormationEmulator.MaxResponseBytes, $"{answer.Bytes} bytes");
        Assert.Contains("Description", answer.Reason);
        Assert.Equal(0, _d.Aws.CallCount("EC2:ExportImage"));
    }

    [Fact]
    public async Task FailureReason_ShouldPointAtTheLogGroupTheHandlerWritesTo()
    {
        _d.Aws.AddImage(Image, exportable: false);
        var template = await VmStack();
        var id = ExportId(template);

        await _d.Cfn.CreateStackAsync(template);

        var reason = _d.Cfn.ExchangesOf(id).First().Answer!.Reason;
        var pointer = System.Text.RegularExpressions.Regex.Match(reason, @"Logs: (\S+)").Groups[1].Value;
        Assert.Contains(_d.Cfn.Lambda.Logs.Keys, group => group == pointer);
        Assert.Contains(_d.Cfn.Lambda.Logs[pointer], line => line.Contains("NotExportable"));
    }

    [Fact]
    public async Task HandlerLogs_ShouldHoldNoCredentialOfTheResponseUrl()
    {
        var template = await VmStack();

        await _d.Cfn.CreateStackAsync(template);
        await _d.Cfn.DeleteStackAsync();

        var lines = _d.Cfn.Lambda.Logs.Values.SelectMany(l => l).ToList();
        Assert.NotEmpty(lines);
        Assert.DoesNotContain(lines, l => l.Contains("X-Amz-Credential") || l.Contains("X-Amz-Signature") || l.Contains(CloudFormationEmulator.ResponseHost));
    }

    [Theory]
    [InlineData(UnansweredUpdateRollback.RollbackUpdate)]
    [InlineData(UnansweredUpdateRollback.DeleteGeneratedId)]
    public async Task ReplacingUpdateCancelledDuringTheWait_ShouldRollBackToTheOldExportAndStopTheNewOne(UnansweredUpdateRollback variant)
    {
        _d.Cfn.UnansweredUpdateRollback = variant;
        var first = await VmStack();
        var id = ExportId(first);
        await _d.Cfn.CreateStackAsync(first);
        var old = Assert.Single(_d.Aws.VmTasks.Values);
        _d.Aws.VmPollsToFinish = 1000;
        _d.Cfn.CancelAfter = TimeSpan.FromMinutes(10);
        var second = await VmStack(p => p.ImageId = OtherImage);

        var updated = await _d.Cfn.UpdateStackAsync(second);

        Assert.True(updated == "UPDATE_ROLLBACK_COMPLETE", string.Join("\n", _d.Cfn.Exchanges));
        var replacement = Assert.Single(_d.Aws.VmTasks.Values, t => t.Id != old.Id);
        Assert.True(replacement.Cancelled, "the replacement runs on with no resource owning it\n" + string.Join("\n", _d.Cfn.Exchanges) + "\n" + string.Join("\n", _d.Cfn.Lambda.Logs.Values.SelectMany(l => l)));
        Assert.False(old.Cancelled);
        Assert.Equal(old.Id, _d.Cfn.Resources[id].PhysicalId);
        Assert.Equal(2, _d.Aws.CallCount("EC2:ExportImage"));
        Assert.Empty(_d.Aws.Denials);
    }

    // ------------------------------------------------------------------ tags-only Update: re-tagged in place

    private static Dictionary<string, string> UserTags(IReadOnlyDictionary<string, string> tags) =>
        tags.Where(t => !t.Key.StartsWith(Tagging.OwnerKeyPrefix, StringComparison.Ordinal)).ToDictionary(t => t.Key, t => t.Value);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TagsOnlyUpdate_ShouldRetagTheTaskInPlace_AndItsRollbackShouldRestoreTheTags(bool rolledBack)
    {
        var before = new Dictionary<string, string> { ["team"] = "a", ["cost-center"] = "42" };
        var first = await VmStack(p => p.Tags = before);
        var id = ExportId(first);
        await _d.Cfn.CreateStackAsync(first);
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var owner = task.Tags.Where(t => t.Key.StartsWith(Tagging.OwnerKeyPrefix, StringComparison.Ordinal)).ToDictionary();
        if (rolledBack) _d.Cfn.FailOn("Later");

        var updated = await _d.Cfn.UpdateStackAsync(await VmStack(p => p.Tags = new Dictionary<string, string> { ["team"] = "b" },
            rolledBack ? stack => new CfnWaitConditionHandle(stack, "Later").Node.AddDependency(stack.Node.FindChild("Vm")) : null));

        Assert.Equal(rolledBack ? "UPDATE_ROLLBACK_COMPLETE" : "UPDATE_COMPLETE", updated);
        Assert.Equal(rolledBack ? before : new Dictionary<string, string> { ["team"] = "b" }, UserTags(task.Tags));
        // The owner tags are untouched, the export is kept, and only the changed tags were written.
        Assert.Equal(owner, task.Tags.Where(t => owner.ContainsKey(t.Key)).ToDictionary());
        Assert.All(_d.Cfn.ExchangesOf(id).Skip(1), e => Assert.Equal(("SUCCESS", task.Id), (e.Answer!.Status, e.Answer.PhysicalResourceId)));
        Assert.Equal(1, _d.Aws.CallCount("EC2:ExportImage"));
        Assert.Equal((rolledBack ? 2 : 1, 1), (_d.Aws.CallCount("EC2:CreateTags"), _d.Aws.CallCount("EC2:DeleteTags")));
        Assert.Empty(_d.Aws.Denials);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TagsOnlyUpdate_AfterEc2ForgotTheTask_ShouldKeepTheExportAndTagNothing_AlsoInItsRollback(bool rolledBack)
    {
        var first = await VmStack(p => p.Tags = new Dictionary<string, string> { ["team"] = "a" });
        var id = ExportId(first);
        await _d.Cfn.CreateStackAsync(first);
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        _d.Aws.VmTasks.Remove(task.Id);
        if (rolledBack) _d.Cfn.FailOn("Later");

        var updated = await _d.Cfn.UpdateStackAsync(await VmStack(p => p.Tags = new Dictionary<string, string> { ["team"] = "b" },
            rolledBack ? stack => new CfnWaitConditionHandle(stack, "Later").Node.AddDependency(stack.Node.FindChild("Vm")) : null));

        Assert.Equal(rolledBack ? "UPDATE_ROLLBACK_COMPLETE" : "UPDATE_COMPLETE", updated);
        var updates = _d.Cfn.ExchangesOf(id).Skip(1).ToList();
        Assert.Equal(rolledBack ? 2 : 1, updates.Count);
        Assert.All(updates, e => Assert.Equal(("Update", "SUCCESS", task.Id), (e.RequestType, e.Answer!.Status, e.Answer.PhysicalResourceId)));
        Assert.Equal(task.Key, Last(id).Answer!.Data["S3Key"]);
        Assert.Equal(task.Id, _d.Cfn.Resources[id].PhysicalId);
        Assert.Equal((1, 0, 0), (_d.Aws.CallCount("EC2:ExportImage"), _d.Aws.CallCount("EC2:CreateTags"), _d.Aws.CallCount("EC2:DeleteTags")));
        Assert.Empty(_d.Aws.Denials);
    }

    /// <summary>
    /// The deployed right to re-tag, judged by the IAM evaluator as AWS would: user keys on this stack's
    /// task only; never an owner key, never another stack's task, never a DeleteTags without keys
    /// (which deletes every tag).
    /// </summary>
    [Theory]
    [InlineData("ec2:CreateTags", "team", true, true)]
    [InlineData("ec2:DeleteTags", "team", true, true)]
    [InlineData("ec2:CreateTags", Tagging.StackTag, true, false)]
    [InlineData("ec2:DeleteTags", Tagging.IdentityTag, true, false)]
    [InlineData("ec2:DeleteTags", null, true, false)]
    [InlineData("ec2:CreateTags", "team", false, false)]
    public async Task DeployedRetagRight_ShouldAllowUserKeysOnThisStacksTasksOnly(string action, string? key, bool ownTask, bool allowed)
    {
        await _d.Cfn.CreateStackAsync(await VmStack());
        var role = Assert.Single(_d.Cfn.Resources.Values, r => r.Type == "AWS::IAM::Role" && r.LogicalId.Contains("HandlerRole", StringComparison.Ordinal));
        var context = new Dictionary<string, IReadOnlyList<string>>
        {
            ["aws:ResourceTag/" + Tagging.StackTag] = [ownTask ? _d.Cfn.StackId : $"arn:aws:cloudformation:{FakeAws.Region}:{FakeAws.Account}:stack/Other/1"],
            ["ec2:Region"] = [FakeAws.Region],
        };
        if (key is not null) context["aws:TagKeys"] = [key];
        var request = new IamRequest(action, $"arn:aws:ec2:{FakeAws.Region}:{FakeAws.Account}:export-image-task/export-ami-0123456789abcdef0", context);

        var decision = IamEvaluator.Evaluate(new DeployedPolicies(_d.Cfn).Documents(role.PhysicalId), request);

        Assert.True(decision.Allowed == allowed, decision.Explanation);
    }
}

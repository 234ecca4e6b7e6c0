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
/// ExportedVmImage tags-only Updates deployed by the CloudFormation emulation (see
/// <see cref="ExportedVmImageDeploymentTests"/>): re-tagged in place, also after EC2 forgot the
/// task, and the deployed re-tag right.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class ExportedVmImageTagsTests : IAsyncLifetime
{
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AddImage(Image);
        _d.Aws.AddImage(OtherImage);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    // ------------------------------------------------------------------ tags-only Update: re-tagged in place

    private static Dictionary<string, string> UserTags(IReadOnlyDictionary<string, string> tags) =>
        tags.Where(t => !t.Key.StartsWith(Tagging.OwnerKeyPrefix, StringComparison.Ordinal)).ToDictionary(t => t.Key, t => t.Value);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TagsOnlyUpdate_ShouldRetagTheTaskInPlace_AndItsRollbackShouldRestoreTheTags(bool rolledBack)
    {
        var before = new Dictionary<string, string> { ["team"] = "a", ["cost-center"] = "42" };
        var first = await _d.ShortVmStack(p => p.Tags = before);
        var id = first.Of(ResourceTypes.ExportedVmImage);
        await _d.Cfn.CreateStackAsync(first);
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var owner = task.Tags.Where(t => t.Key.StartsWith(Tagging.OwnerKeyPrefix, StringComparison.Ordinal)).ToDictionary();
        if (rolledBack) _d.Cfn.FailOn("Later");

        var updated = await _d.Cfn.UpdateStackAsync(await _d.ShortVmStack(p => p.Tags = new Dictionary<string, string> { ["team"] = "b" },
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
        var first = await _d.ShortVmStack(p => p.Tags = new Dictionary<string, string> { ["team"] = "a" });
        var id = first.Of(ResourceTypes.ExportedVmImage);
        await _d.Cfn.CreateStackAsync(first);
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        _d.Aws.VmTasks.Remove(task.Id);
        if (rolledBack) _d.Cfn.FailOn("Later");

        var updated = await _d.Cfn.UpdateStackAsync(await _d.ShortVmStack(p => p.Tags = new Dictionary<string, string> { ["team"] = "b" },
            rolledBack ? stack => new CfnWaitConditionHandle(stack, "Later").Node.AddDependency(stack.Node.FindChild("Vm")) : null));

        Assert.Equal(rolledBack ? "UPDATE_ROLLBACK_COMPLETE" : "UPDATE_COMPLETE", updated);
        var updates = _d.Cfn.ExchangesOf(id).Skip(1).ToList();
        Assert.Equal(rolledBack ? 2 : 1, updates.Count);
        Assert.All(updates, e => Assert.Equal(("Update", "SUCCESS", task.Id), (e.RequestType, e.Answer!.Status, e.Answer.PhysicalResourceId)));
        Assert.Equal(task.Key, _d.Last(id).Answer!.Data["S3Key"]);
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
        await _d.Cfn.CreateStackAsync(await _d.ShortVmStack());
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

using Amazon.CDK;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.Lifecycle;

/// <summary>The AppStream export's CloudFormation paths, deployed from synthesized stacks through the framework model.</summary>
[Collection(CdkCollection.Name)]
public sealed class AppStreamLifecycleTests : IAsyncLifetime
{
    private readonly HandlerHarness _h = new();

    public Task InitializeAsync()
    {
        _h.Aws.AppStreamImages.Add("Office");
        _h.Aws.AppStreamImages.Add("Office2");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Assert.Empty(_h.Aws.ProtocolProblems);
        await _h.DisposeAsync();
    }

    private static DeployedTemplate Stack(string image = "Office", RemovalPolicy? removal = null, Dictionary<string, string>? tags = null)
    {
        var stack = Synthesized.NewStack();
        new AppStreamAmiExport(stack, "As", new AppStreamAmiExportProps
        {
            ImageName = image, RemovalPolicy = removal, Tags = tags, Timeout = Duration.Minutes(50), PollInterval = Duration.Minutes(2),
        });
        return new DeployedTemplate(Synthesized.Of(stack));
    }

    private async Task<(ProviderFramework Framework, string Id, CfnResponse Created)> CreateAsync(DeployedTemplate template)
    {
        var id = template.LogicalIdOf(ResourceTypes.AppStreamAmiExport);
        var (interval, attempts) = template.ProviderSettings(id);
        var framework = new ProviderFramework(_h, interval, attempts);
        return (framework, id, await framework.SendAsync(framework.Request("Create", ResourceTypes.AppStreamAmiExport, id, template.Properties(id))));
    }

    [Fact]
    public async Task CreateTimingOut_ShouldFailAndTheRollbackDeleteShouldSucceedKeepingTheTaskUnderRetain()
    {
        _h.Aws.AppStreamPollsToFinish = 10_000;
        var template = Stack();
        var (framework, id, created) = await CreateAsync(template);
        await using var _ = framework;

        var deleted = await framework.SendAsync(framework.Request("Delete", ResourceTypes.AppStreamAmiExport, id, template.Properties(id), physicalId: created.PhysicalResourceId));

        // The handler's own deadline (the export's 50-minute Timeout) ends the wait, before the framework's.
        Assert.Equal("FAILED", created.Status);
        Assert.Contains("did not finish within its Timeout of 3000 s", created.Reason);
        Assert.Equal("SUCCESS", deleted.Status);
        Assert.Equal((1, 1), (_h.Aws.CallCount("AppStream:CreateExportImageTask"), _h.Aws.AppStreamTasks.Count));
        Assert.Equal(0, _h.Aws.CallCount("EC2:DeregisterImage"));
        // There is no cancel API: under RETAIN the task goes on, owned by nobody, and the handler says so.
        Assert.Contains(_h.Log, l => l.Contains($"RETAIN: AppStream export {created.PhysicalResourceId} is still running"));
    }

    [Fact]
    public async Task CreateRefused_ShouldFailWithTheMarkerAndTheDeleteShouldNotReachTheHandler()
    {
        var template = Stack(image: "Missing");
        var (framework, id, created) = await CreateAsync(template);
        await using var _ = framework;
        var calls = _h.Aws.Calls.Count;

        var deleted = await framework.SendAsync(framework.Request("Delete", ResourceTypes.AppStreamAmiExport, id, template.Properties(id), physicalId: created.PhysicalResourceId));

        Assert.Equal(("FAILED", ProviderFramework.CreateFailedMarker), (created.Status, created.PhysicalResourceId));
        Assert.Contains("[ResourceNotFoundException]", created.Reason);
        Assert.Equal(["AppStream:ListExportImageTasks", "AppStream:CreateExportImageTask"], _h.Aws.Calls);
        Assert.Equal("SUCCESS", deleted.Status);
        Assert.Equal(calls, _h.Aws.Calls.Count);
        Assert.Empty(_h.Aws.AppStreamTasks);
    }

    [Fact]
    public async Task ReplacementThenDeleteOfTheOldUnderDestroy_ShouldLeaveOnlyTheNewAmi()
    {
        var before = Stack(removal: RemovalPolicy.DESTROY);
        var after = Stack(image: "Office2", removal: RemovalPolicy.DESTROY);
        var (framework, id, created) = await CreateAsync(before);
        await using var _ = framework;

        var updated = await framework.SendAsync(framework.Request("Update", ResourceTypes.AppStreamAmiExport, id, after.Properties(id), before.Properties(id), created.PhysicalResourceId));
        var cleanup = await framework.SendAsync(framework.Request("Delete", ResourceTypes.AppStreamAmiExport, id, before.Properties(id), physicalId: created.PhysicalResourceId));

        Assert.Equal(("SUCCESS", "SUCCESS"), (updated.Status, cleanup.Status));
        Assert.NotEqual(created.PhysicalResourceId, updated.PhysicalResourceId);
        Assert.Equal(updated.Data["AmiId"], Assert.Single(_h.Aws.Images.Values).ImageId);
        Assert.Equal((2, 1), (_h.Aws.CallCount("AppStream:CreateExportImageTask"), _h.Aws.CallCount("EC2:DeregisterImage")));
    }

    [Fact]
    public async Task TagUpdateAndItsRollback_ShouldKeepTheExport()
    {
        var before = Stack();
        var after = Stack(tags: new() { ["team"] = "euc" });
        var (framework, id, created) = await CreateAsync(before);
        await using var _ = framework;

        var updated = await framework.SendAsync(framework.Request("Update", ResourceTypes.AppStreamAmiExport, id, after.Properties(id), before.Properties(id), created.PhysicalResourceId));
        var rolledBack = await framework.SendAsync(framework.Request("Update", ResourceTypes.AppStreamAmiExport, id, before.Properties(id), after.Properties(id), created.PhysicalResourceId));

        Assert.Equal((created.PhysicalResourceId, created.PhysicalResourceId), (updated.PhysicalResourceId, rolledBack.PhysicalResourceId));
        Assert.Equal(created.Data, rolledBack.Data);
        Assert.Single(_h.Aws.AppStreamTasks);
        Assert.Equal(1, _h.Aws.CallCount("AppStream:CreateExportImageTask"));
    }

    [Fact]
    public async Task SameCreateDeliveredTwiceWhileThrottled_ShouldYieldOneExport()
    {
        var template = Stack();
        var id = template.LogicalIdOf(ResourceTypes.AppStreamAmiExport);
        var (interval, attempts) = template.ProviderSettings(id);
        await using var framework = new ProviderFramework(_h, interval, attempts);
        var request = framework.Request("Create", ResourceTypes.AppStreamAmiExport, id, template.Properties(id));
        _h.Aws.FailNext("AppStream:CreateExportImageTask", "ThrottlingException", 400, times: 2);

        var first = await framework.SendAsync(request);
        var second = await framework.SendAsync(request);

        Assert.Equal(("SUCCESS", first.PhysicalResourceId), (second.Status, second.PhysicalResourceId));
        Assert.Single(_h.Aws.AppStreamTasks);
        Assert.Equal(3, _h.Aws.CallCount("AppStream:CreateExportImageTask"));
    }

    [Fact]
    public async Task DeleteOfAnAlreadyDeletedResource_ShouldSucceed()
    {
        var template = Stack(removal: RemovalPolicy.DESTROY);
        var (framework, id, created) = await CreateAsync(template);
        await using var _ = framework;

        var first = await framework.SendAsync(framework.Request("Delete", ResourceTypes.AppStreamAmiExport, id, template.Properties(id), physicalId: created.PhysicalResourceId));
        var again = await framework.SendAsync(framework.Request("Delete", ResourceTypes.AppStreamAmiExport, id, template.Properties(id), physicalId: created.PhysicalResourceId));

        Assert.Equal(("SUCCESS", "SUCCESS"), (first.Status, again.Status));
        Assert.DoesNotContain(_h.Aws.Images.Values, i => i.ImageId == created.Data["AmiId"]);
        Assert.Equal((2, 1), (_h.Aws.CallCount("EC2:DescribeImages"), _h.Aws.CallCount("EC2:DeregisterImage")));
    }

    [Fact]
    public async Task CreateThenDeleteUnderDestroy_ShouldLeaveNoAmiOrSnapshot()
    {
        var (framework, id, created) = await CreateAsync(Stack(removal: RemovalPolicy.DESTROY));
        await using var _ = framework;
        var exported = _h.Aws.Images.ContainsKey(created.Data["AmiId"]);

        var deleted = await framework.SendAsync(framework.Request("Delete", ResourceTypes.AppStreamAmiExport, id, Stack(removal: RemovalPolicy.DESTROY).Properties(id), physicalId: created.PhysicalResourceId));

        Assert.Equal(("SUCCESS", "SUCCESS"), (created.Status, deleted.Status));
        Assert.True(exported, "the export made its AMI");
        Assert.True(created.Bytes <= ProviderFramework.MaxResponseBytes, $"{created.Bytes} bytes");
        Assert.Equal((1, 1, 1), (_h.Aws.CallCount("EC2:DescribeImages"), _h.Aws.CallCount("EC2:DeregisterImage"), _h.Aws.CallCount("EC2:DeleteSnapshot")));
        Assert.Empty(_h.Aws.Images);
        Assert.Empty(_h.Aws.Snapshots);
        Assert.Equal(1, _h.Aws.CallCount("AppStream:CreateExportImageTask"));
    }

    [Fact]
    public async Task ExportFailing_ShouldFailWithTheErrorsAndDeleteCleanly()
    {
        _h.Aws.AppStreamFailure = ("TIMED_OUT", [("EXPORT_TIMEOUT", "The export took too long")]);
        var template = Stack(removal: RemovalPolicy.RETAIN);
        var (framework, id, created) = await CreateAsync(template);
        await using var _ = framework;

        var deleted = await framework.SendAsync(framework.Request("Delete", ResourceTypes.AppStreamAmiExport, id, template.Properties(id), physicalId: created.PhysicalResourceId));

        Assert.Equal("FAILED", created.Status);
        Assert.NotEqual(ProviderFramework.CreateFailedMarker, created.PhysicalResourceId); // onEvent succeeded: the real id
        Assert.Contains("EXPORT_TIMEOUT: The export took too long", created.Reason);
        Assert.Equal("SUCCESS", deleted.Status);
    }
}

using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.Lifecycle.LifecycleStacks;

namespace ExportConstructs.Tests.Lifecycle;

/// <summary>
/// CloudFormation paths end to end: stacks synthesized from the constructs, their custom resources
/// deployed through the Provider framework's contract to the handler and the loopback AWS, asserting
/// what CloudFormation was told, what AWS holds at the end and how many calls were made.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class LifecycleTests : IAsyncLifetime
{
    private readonly HandlerHarness _h = new();

    public Task InitializeAsync()
    {
        _h.Aws.AddImage(Image);
        _h.Aws.AppStreamImages.Add("Office");
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task VmImage_CreateToCompletionThenDelete_ShouldReportAttributesAndLeaveNothingRunning()
    {
        var template = VmStack();
        var id = template.LogicalIdOf(ResourceTypes.ExportedVmImage);
        await using var framework = _h.Framework(template, id);

        var created = await framework.SendAsync(framework.Request("Create", ResourceTypes.ExportedVmImage, id, template.Properties(id)));
        var deleted = await framework.SendAsync(framework.Request("Delete", ResourceTypes.ExportedVmImage, id, template.Properties(id), physicalId: created.PhysicalResourceId));

        Assert.Equal(("SUCCESS", "SUCCESS"), (created.Status, deleted.Status));
        var task = Assert.Single(_h.Aws.VmTasks.Values);
        Assert.Equal(task.Id, created.PhysicalResourceId);
        Assert.Equal($"exports/{task.Id}.vmdk", created.Data["S3Key"]);
        Assert.Equal(5, created.Data.Count);
        AssertSmall(created);
        Assert.Equal("completed", task.Status);
        Assert.Contains($"{task.Bucket}/{task.Key}", _h.Aws.Objects); // RETAIN keeps the file
        // Create: one start, one describe per poll, one completion event; Delete: one describe to decide whether to cancel, one to see it has ended.
        // And when CloudFormation began each of the two operations (the waits' start): 2 DescribeStackResource calls.
        Assert.Equal(1 + _h.Aws.VmPollsToFinish + 1 + 1 + 1 + 2, _h.Aws.Calls.Count);
    }

    [Fact]
    public async Task VmImage_CreateRefusedByAws_ShouldFailWithTheCodeAndDeleteWithoutCallingTheHandler()
    {
        _h.Aws.AddImage(Image, exportable: false);
        var template = VmStack();
        var id = template.LogicalIdOf(ResourceTypes.ExportedVmImage);
        await using var framework = _h.Framework(template, id);

        var created = await framework.SendAsync(framework.Request("Create", ResourceTypes.ExportedVmImage, id, template.Properties(id)));
        var (invocations, calls) = (framework.Invocations, _h.Aws.Calls.Count);
        var deleted = await framework.SendAsync(framework.Request("Delete", ResourceTypes.ExportedVmImage, id, template.Properties(id), physicalId: created.PhysicalResourceId));

        Assert.Equal(("FAILED", ProviderFramework.CreateFailedMarker), (created.Status, created.PhysicalResourceId));
        Assert.Contains("[NotExportable]", created.Reason);
        Assert.Equal(["EC2:ExportImage"], _h.Aws.Calls);
        Assert.Equal("SUCCESS", deleted.Status);
        Assert.Equal((invocations, calls), (framework.Invocations, _h.Aws.Calls.Count));
        Assert.Empty(_h.Aws.VmTasks);
    }

    [Fact]
    public async Task VmImage_CreateTimingOut_ShouldFailAndTheRollbackDeleteShouldCancelTheExport()
    {
        _h.Aws.VmPollsToFinish = 10_000;
        var template = VmStack();
        var id = template.LogicalIdOf(ResourceTypes.ExportedVmImage);
        var (interval, attempts) = template.ProviderSettings(id);
        await using var framework = _h.Framework(template, id);

        var created = await framework.SendAsync(framework.Request("Create", ResourceTypes.ExportedVmImage, id, template.Properties(id)));
        var deleted = await framework.SendAsync(framework.Request("Delete", ResourceTypes.ExportedVmImage, id, template.Properties(id), physicalId: created.PhysicalResourceId));

        // One provider for every export: the handler keeps to the export's own Timeout (30 min) and PollInterval (1 min).
        Assert.Equal((ProviderSettings.QueryIntervalSeconds, ProviderSettings.TotalTimeoutSeconds / ProviderSettings.QueryIntervalSeconds), (interval, attempts));
        Assert.Equal("FAILED", created.Status);
        Assert.Contains("did not finish within its Timeout of 1800 s", created.Reason);
        Assert.Equal("SUCCESS", deleted.Status);
        var task = Assert.Single(_h.Aws.VmTasks.Values);
        Assert.True(task.Cancelled);
        Assert.DoesNotContain(_h.Aws.VmTasks.Values, t => t.Status == "active");
        // Create: a start and a describe at once and then once a minute for 30 minutes; Delete: a describe,
        // the cancel, and a describe each for 'deleting' and 'deleted'.
        Assert.Equal((1, 1 + 30 + 3, 1), (_h.Aws.CallCount("EC2:ExportImage"), _h.Aws.CallCount("EC2:DescribeExportImageTasks"), _h.Aws.CallCount("EC2:CancelExportTask")));
    }

    [Fact]
    public async Task VmImage_BadDeployTimeParameter_ShouldFailNamingTheProp()
    {
        var template = VmStack(imageId: "ami-bad");
        var id = template.LogicalIdOf(ResourceTypes.ExportedVmImage);
        await using var framework = _h.Framework(template, id);

        var created = await framework.SendAsync(framework.Request("Create", ResourceTypes.ExportedVmImage, id, template.Properties(id)));

        Assert.Equal("FAILED", created.Status);
        Assert.StartsWith("ExportedVmImage: ImageId 'ami-bad' is not valid", created.Reason);
        Assert.Empty(_h.Aws.Calls);
    }

    [Fact]
    public async Task VmImage_ReplacementThenDeleteOfTheOld_ShouldLeaveOneFinishedExportPerVersion()
    {
        var before = VmStack();
        var after = VmStack(change: p => p.DiskImageFormat = DiskImageFormat.VHD);
        var id = before.LogicalIdOf(ResourceTypes.ExportedVmImage);
        await using var framework = _h.Framework(before, id);
        var created = await framework.SendAsync(framework.Request("Create", ResourceTypes.ExportedVmImage, id, before.Properties(id)));

        var updated = await framework.SendAsync(framework.Request("Update", ResourceTypes.ExportedVmImage, id, after.Properties(id), before.Properties(id), created.PhysicalResourceId));
        var cleanup = await framework.SendAsync(framework.Request("Delete", ResourceTypes.ExportedVmImage, id, before.Properties(id), physicalId: created.PhysicalResourceId));

        Assert.Equal(("SUCCESS", "SUCCESS"), (updated.Status, cleanup.Status));
        Assert.NotEqual(created.PhysicalResourceId, updated.PhysicalResourceId);
        Assert.EndsWith(".vhd", updated.Data["S3Key"]);
        Assert.Equal(2, _h.Aws.VmTasks.Count);
        Assert.All(_h.Aws.VmTasks.Values, t => Assert.Equal("completed", t.Status));
        Assert.Equal((2, 0), (_h.Aws.CallCount("EC2:ExportImage"), _h.Aws.CallCount("EC2:CancelExportTask")));
    }

    [Fact]
    public async Task VmImage_TagUpdateAndItsRollback_ShouldKeepTheExportAndRetagItInPlace()
    {
        var before = VmStack();
        var after = VmStack(change: p => p.Tags = new Dictionary<string, string> { ["team"] = "infra" });
        var id = before.LogicalIdOf(ResourceTypes.ExportedVmImage);
        await using var framework = _h.Framework(before, id);
        var created = await framework.SendAsync(framework.Request("Create", ResourceTypes.ExportedVmImage, id, before.Properties(id)));
        var calls = _h.Aws.Calls.Count;

        var updated = await framework.SendAsync(framework.Request("Update", ResourceTypes.ExportedVmImage, id, after.Properties(id), before.Properties(id), created.PhysicalResourceId));
        var rolledBack = await framework.SendAsync(framework.Request("Update", ResourceTypes.ExportedVmImage, id, before.Properties(id), after.Properties(id), created.PhysicalResourceId));

        Assert.Equal((created.PhysicalResourceId, created.PhysicalResourceId), (updated.PhysicalResourceId, rolledBack.PhysicalResourceId));
        Assert.Equal(created.Data, rolledBack.Data);
        // The Update set the tag on the task, its rollback removed it again; nothing else was called.
        Assert.Equal(["EC2:DescribeExportImageTasks", "EC2:CreateTags", "EC2:DescribeExportImageTasks", "EC2:DeleteTags"],
            _h.Aws.Calls.Skip(calls));
        Assert.False(_h.Aws.VmTasks[created.PhysicalResourceId].Tags.ContainsKey("team"));
    }

    [Fact]
    public async Task VmImage_CreateThrottledThenDeletedTwice_ShouldRetryAndDeleteIdempotently()
    {
        var template = VmStack();
        var id = template.LogicalIdOf(ResourceTypes.ExportedVmImage);
        await using var framework = _h.Framework(template, id);
        _h.Aws.FailNext("EC2:ExportImage", "RequestLimitExceeded", 503, times: 2);
        _h.Aws.FailNext("EC2:DescribeExportImageTasks", "RequestLimitExceeded", 503, times: 1);

        var created = await framework.SendAsync(framework.Request("Create", ResourceTypes.ExportedVmImage, id, template.Properties(id)));
        var first = await framework.SendAsync(framework.Request("Delete", ResourceTypes.ExportedVmImage, id, template.Properties(id), physicalId: created.PhysicalResourceId));
        var again = await framework.SendAsync(framework.Request("Delete", ResourceTypes.ExportedVmImage, id, template.Properties(id), physicalId: created.PhysicalResourceId));

        Assert.Equal(("SUCCESS", "SUCCESS", "SUCCESS"), (created.Status, first.Status, again.Status));
        Assert.Equal(3, _h.Aws.CallCount("EC2:ExportImage"));
        Assert.Single(_h.Aws.VmTasks);
    }

    public static TheoryData<string, string, string> BadDeployTimeValues => new()
    {
        { "vm", "ami-12345", "ExportedVmImage: ImageId 'ami-12345' is not valid" },
        { "vm", "AMI-0123456789ABCDEF0", "ExportedVmImage: ImageId 'AMI-0123456789ABCDEF0' is not valid" },
        { "appstream", "-bad", "AppStreamAmiExport: ImageName '-bad' is not valid" },
        { "appstream", "has space", "AppStreamAmiExport: ImageName 'has space' is not valid" },
    };

    [Theory]
    [MemberData(nameof(BadDeployTimeValues))]
    public async Task BadDeployTimeValue_ShouldFailTheCreateNamingThePropAndCallNothing(string kind, string value, string message)
    {
        DeployedTemplate template;
        string type;
        if (kind == "vm")
        {
            (template, type) = (VmStack(imageId: value), ResourceTypes.ExportedVmImage);
        }
        else
        {
            var stack = Synthesized.NewStack();
            var name = new CfnParameter(stack, "ImageName", new CfnParameterProps { Type = "String" });
            new AppStreamAmiExport(stack, "As", new AppStreamAmiExportProps { ImageName = name.ValueAsString, Timeout = Duration.Minutes(50), PollInterval = Duration.Minutes(2) });
            (template, type) = (new DeployedTemplate(Synthesized.Of(stack), new Dictionary<string, string> { ["ImageName"] = value }), ResourceTypes.AppStreamAmiExport);
        }
        var id = template.LogicalIdOf(type);
        await using var framework = _h.Framework(template, id);

        var created = await framework.SendAsync(framework.Request("Create", type, id, template.Properties(id)));

        Assert.Equal(("FAILED", ProviderFramework.CreateFailedMarker), (created.Status, created.PhysicalResourceId));
        Assert.Contains(message, created.Reason);
        Assert.Empty(_h.Aws.Calls);
    }

    [Fact]
    public async Task VmImage_SameCreateDeliveredTwice_ShouldYieldOneExport()
    {
        var template = VmStack();
        var id = template.LogicalIdOf(ResourceTypes.ExportedVmImage);
        await using var framework = _h.Framework(template, id);
        var request = framework.Request("Create", ResourceTypes.ExportedVmImage, id, template.Properties(id));

        var first = await framework.SendAsync(request);
        var second = await framework.SendAsync(request);

        Assert.Equal(first.PhysicalResourceId, second.PhysicalResourceId);
        Assert.Single(_h.Aws.VmTasks);
        Assert.Equal(2, _h.Aws.CallCount("EC2:ExportImage")); // the second call returns the first task (same ClientToken)
    }
}

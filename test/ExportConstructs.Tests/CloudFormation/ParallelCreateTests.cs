using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using static ExportConstructs.Tests.CloudFormation.DeploymentHelpers;
using static ExportConstructs.Tests.CloudFormation.ShortPathStacks;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// How the CloudFormation emulation schedules a stack's creation, as CloudFormation does: a resource
/// starts as soon as every resource it depends on (Ref, Fn::GetAtt, Fn::Sub, DependsOn) is
/// CREATE_COMPLETE, so independent exports run at once; a dependent one waits for its dependency; and
/// the first failure cancels whatever is still in progress ("Resource creation cancelled") before the
/// rollback deletes everything created or in progress. Each test reads the exchanges' times on the
/// virtual clock and what the fake AWS holds at the end.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class ParallelCreateTests : IAsyncLifetime
{
    private const string AppStreamImage = "Linux-Apps";
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AddImage(Image);
        _d.Aws.AddImage(OtherImage);
        _d.Aws.VmDuration = TimeSpan.FromMinutes(10);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    /// <summary>Two short-path exports "VmA" and "VmB" of these AMIs into one bucket; the logical ids of their export resources.</summary>
    private async Task<(StackTemplate Template, string A, string B)> TwoExports(string imageA, string imageB)
    {
        var stack = Synthesized.NewStack("Sample");
        var bucket = new Bucket(stack, "Bucket");
        ExportedVmImage Export(string id, string image) => new(stack, id, new ExportedVmImageProps
        {
            ImageId = image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = bucket,
            Timeout = Duration.Minutes(30), PollInterval = Duration.Minutes(1),
        });
        var (a, b) = (Export("VmA", imageA), Export("VmB", imageB));
        var template = await _d.SynthesizeAsync(stack);
        return (template, LogicalId(stack, a.Resource), LogicalId(stack, b.Resource));
    }

    private static string LogicalId(Stack stack, CustomResource resource) => (string)stack.Resolve(stack.GetLogicalId((CfnElement)resource.Node.DefaultChild!));

    private CustomResourceExchange Create(string logicalId) => _d.Cfn.ExchangesOf(logicalId).First(e => e.RequestType == "Create");

    private StackEvent EventOf(string logicalId, string status) => _d.Cfn.Events.First(e => e.LogicalId == logicalId && e.Status == status);

    [Fact]
    public async Task IndependentExports_ShouldBothBeSentBeforeEitherIsAnswered_AndRunAtOnce()
    {
        var (template, a, b) = await TwoExports(Image, OtherImage);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", _d.Story());
        var (createA, createB) = (Create(a), Create(b));
        // Both requests went out at the same moment, each before the other's answer came.
        Assert.Equal(createA.Sent, createB.Sent);
        Assert.True(createA.Sent < createB.AnsweredAt && createB.Sent < createA.AnsweredAt, _d.Story());
        // So both exports ran at once in EC2: each started before either could have finished.
        var tasks = _d.Aws.VmTasks.Values.ToList();
        Assert.Equal(2, tasks.Count);
        Assert.All(tasks, t => Assert.True(t.Created < tasks.Min(x => x.Created) + _d.Aws.VmDuration, _d.Story()));
        Assert.All(tasks, t => Assert.Equal("completed", t.Status));
        // Neither waited for the other: both were answered within one poll interval of the export's duration.
        Assert.All(new[] { createA, createB }, e => Assert.True(e.AnsweredAt - e.Sent < TimeSpan.FromMinutes(12), _d.Story()));
        Assert.Empty(_d.Aws.Denials);
        Assert.Empty(await _d.PollersLeftAsync());
    }

    [Fact]
    public async Task SevenIndependentExports_ShouldAllTryToStartAtOnce_AgainstALimitOfFive()
    {
        _d.Aws.Ec2ConcurrentExportLimit = 5;
        var images = Enumerable.Range(1, 7).Select(i => $"ami-0000000000000000{i}").ToList();
        foreach (var image in images) _d.Aws.AddImage(image);
        var stack = Synthesized.NewStack("Sample");
        var bucket = new Bucket(stack, "Bucket");
        var exports = images.Select((image, i) => new ExportedVmImage(stack, $"Vm{i}", new ExportedVmImageProps
        {
            ImageId = image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = bucket,
            Timeout = Duration.Minutes(30), PollInterval = Duration.Minutes(1),
        })).ToList();
        var template = await _d.SynthesizeAsync(stack);
        var ids = exports.Select(e => LogicalId(stack, e.Resource)).ToList();

        await _d.Cfn.CreateStackAsync(template);

        // All seven Creates went out at one moment, and each handler tried its start then: five ran, two were refused.
        // (What the stack does with the refusals is the handler's business, not pinned here.)
        var creates = ids.Select(Create).ToList();
        Assert.Single(creates.Select(c => c.Sent).Distinct());
        var first = _d.Aws.StartAttempts.Where(a => a.At == creates[0].Sent).ToList();
        Assert.Equal(7, first.Select(a => a.Key).Distinct().Count());
        Assert.Equal((5, 2), (first.Count(a => !a.Refused), first.Count(a => a.Refused)));
        Assert.All(first.Where(a => a.Refused), a => Assert.Equal("ResourceLimitExceeded", a.Code));
        Assert.Equal(5, _d.Aws.VmTasks.Values.Count(t => t.Created == creates[0].Sent));
    }

    [Fact]
    public async Task ExportsOfOneImage_ShouldStartTheSecondOnlyOnceTheFirstIsComplete()
    {
        // The constructs make the later export of one AMI depend on the earlier one (DependsOn): EC2 runs one export per AMI.
        var (template, a, b) = await TwoExports(Image, Image);
        Assert.Contains(a, template.Dependencies(b));

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", _d.Story());
        var (createA, createB) = (Create(a), Create(b));
        Assert.True(createB.Sent >= createA.AnsweredAt, _d.Story());
        Assert.True(_d.Cfn.Events.IndexOf(EventOf(b, "CREATE_IN_PROGRESS")) > _d.Cfn.Events.IndexOf(EventOf(a, "CREATE_COMPLETE")), _d.Story());
        // Never refused: the second start came after the first export had ended.
        Assert.Equal(2, _d.Aws.CallCount("EC2:ExportImage"));
        Assert.Equal(2, _d.Aws.VmTasks.Count);
    }

    [Fact]
    public async Task ChainedExport_ShouldBeSentOnlyOnceTheExportWhoseAmiItReadsIsComplete()
    {
        _d.Aws.AppStreamImages.Add(AppStreamImage);
        _d.Aws.AppStreamDuration = TimeSpan.FromMinutes(20);
        var stack = Synthesized.NewStack("Chain");
        var ami = new AppStreamAmiExport(stack, "Ami", new AppStreamAmiExportProps
        {
            ImageName = AppStreamImage, Timeout = Duration.Minutes(50), PollInterval = Duration.Minutes(2),
        });
        var vm = new ExportedVmImage(stack, "Vm", new ExportedVmImageProps
        {
            ImageId = ami.AmiId, DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Bucket(stack, "Bucket"),
            Timeout = Duration.Minutes(30), PollInterval = Duration.Minutes(1),
        });
        var template = await _d.SynthesizeAsync(stack);
        var (amiExport, vmExport) = (LogicalId(stack, ami.Resource), LogicalId(stack, vm.Resource));
        Assert.Contains(amiExport, template.Dependencies(vmExport)); // Fn::GetAtt of the AMI id

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", _d.Story());
        var (first, second) = (Create(amiExport), Create(vmExport));
        Assert.True(first.AnsweredAt - first.Sent >= TimeSpan.FromMinutes(20), _d.Story());
        Assert.True(second.Sent >= first.AnsweredAt, _d.Story());
        Assert.Equal(first.Answer!.Data[AppStreamAmiExportAttributeNames.AmiId], second.ResourceProperties["ImageId"]!.GetValue<string>());
    }

    [Fact]
    public async Task ExportFailingWhileAnotherRuns_ShouldCancelTheOtherAndRollBackLeavingNothingRunning()
    {
        _d.Aws.AddImage(OtherImage, exportable: false);
        var (template, a, b) = await TwoExports(Image, OtherImage);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "ROLLBACK_COMPLETE", _d.Story());
        // B's refusal came while A's export ran: A was cancelled without an answer, so CloudFormation made up its id.
        Assert.Contains("NotExportable", Create(b).Answer!.Reason);
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        Assert.Equal(Image, task.ImageId);
        Assert.Equal("Resource creation cancelled", Create(a).NoAnswer);
        Assert.Equal("Resource creation cancelled", EventOf(a, "CREATE_FAILED").Reason);
        var failedAt = EventOf(b, "CREATE_FAILED").Time;
        Assert.True(failedAt < task.Created + _d.Aws.VmDuration, _d.Story());
        // The rollback deleted both, the running one by the id CloudFormation made up; the handler found its export by its tags.
        var delete = Assert.Single(_d.Cfn.ExchangesOf(a), e => e.RequestType == "Delete");
        Assert.NotEqual(task.Id, delete.PhysicalResourceId);
        Assert.Equal("SUCCESS", delete.Answer!.Status);
        Assert.True(task.Cancelled, $"the export runs on with no resource owning it\n{_d.Story()}");
        Assert.Single(_d.Cfn.ExchangesOf(b), e => e.RequestType == "Delete");
        // Nothing runs on in EC2. (The framework's waiter of the cancelled Create is still scheduled: its functions are gone with the stack.)
        Assert.DoesNotContain(_d.Aws.VmTasks.Values, t => t.Status == "active");
        Assert.Empty(_d.Aws.Denials);
        // The Creates went out while the stack was CREATE_IN_PROGRESS, the Deletes once it was ROLLBACK_IN_PROGRESS (what DescribeStacks tells the handler).
        Assert.All(_d.Cfn.Exchanges, e => Assert.Equal(e.RequestType == "Create" ? "CREATE_IN_PROGRESS" : "ROLLBACK_IN_PROGRESS", e.StackStatus));
    }

    [Fact]
    public async Task FailureWhileAWaitConditionWaits_ShouldCancelTheWaitAndRollBackTheExport()
    {
        _d.Aws.VmDuration = TimeSpan.FromMinutes(90);
        // Long path: the export resource answers at once, then its WaitCondition waits for the poller's signal.
        // "Later" depends on the export resource only, so it is created while the WaitCondition waits.
        var template = await _d.VmStack(more: stack =>
            new CfnWaitConditionHandle(stack, "Later").Node.AddDependency(((ExportedVmImage)stack.Node.FindChild("Vm")).Resource));
        _d.Cfn.FailOn("Later");
        var (export, condition, result) = (template.Of(ResourceTypes.ExportedVmImage), template.Of("AWS::CloudFormation::WaitCondition"), template.Of(ResourceTypes.ExportedVmImageResult));

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "ROLLBACK_COMPLETE", _d.Story());
        var waiting = EventOf(condition, "CREATE_IN_PROGRESS");
        var failed = EventOf("Later", "CREATE_FAILED");
        Assert.True(waiting.Time <= failed.Time && failed.Time < waiting.Time + TimeSpan.FromMinutes(5), _d.Story());
        Assert.Equal(("Resource creation cancelled", failed.Time), (EventOf(condition, "CREATE_FAILED").Reason, EventOf(condition, "CREATE_FAILED").Time));
        Assert.Empty(_d.Cfn.ExchangesOf(result)); // never started: it depends on the WaitCondition
        Assert.Equal(("Delete", "SUCCESS"), (_d.Last(export).RequestType, _d.Last(export).Answer!.Status));
        Assert.True(Assert.Single(_d.Aws.VmTasks.Values).Cancelled, _d.Story());
        Assert.Empty(await _d.PollersLeftAsync());
        Assert.Empty(_d.Aws.ResourceSignals);
    }
}

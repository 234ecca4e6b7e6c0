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
/// ExportedVmImage stacks deployed, updated, rolled back and deleted by the CloudFormation
/// emulation through the real Provider framework code, the handler with its role's deployed
/// rights, and the loopback AWS. Each test asserts what CloudFormation was told, what AWS holds at
/// the end, and the AWS calls made.
/// This class: create and delete, a settings-only Update, removal, a create cancelled during its
/// wait, and what a failure tells and the logs hold.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class ExportedVmImageDeploymentTests : IAsyncLifetime
{
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AddImage(Image);
        _d.Aws.AddImage(OtherImage);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    [Fact]
    public async Task CreateThenDelete_ThroughTheRealFramework_ShouldReportAttributesAndLeaveNothingRunning()
    {
        var template = await _d.ShortVmStack();
        var id = template.Of(ResourceTypes.ExportedVmImage);

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

    [Fact]
    public async Task SettingsOnlyUpdate_ShouldKeepTheExportUnderTheSameServiceToken()
    {
        var first = await _d.ShortVmStack();
        var id = first.Of(ResourceTypes.ExportedVmImage);
        await _d.Cfn.CreateStackAsync(first);
        var second = await _d.ShortVmStack(p => { p.Timeout = Duration.Minutes(45); p.PollInterval = Duration.Minutes(2); });

        var updated = await _d.Cfn.UpdateStackAsync(second);

        Assert.Equal("UPDATE_COMPLETE", updated);
        Assert.Equal(("Update", "SUCCESS"), (_d.Last(id).RequestType, _d.Last(id).Answer!.Status));
        Assert.Equal(_d.Cfn.ExchangesOf(id).First().Answer!.PhysicalResourceId, _d.Last(id).Answer!.PhysicalResourceId);
        Assert.Equal(1, _d.Aws.CallCount("EC2:ExportImage"));
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task RemovalUnderDestroy_ShouldCancelAndDeleteWithRightsThatOutliveTheTemplate()
    {
        var first = await _d.ShortVmStack(p => p.RemovalPolicy = RemovalPolicy.DESTROY);
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
    public async Task CreateCancelledDuringTheWait_ShouldHaveTheRollbackDeleteCancelTheExport()
    {
        _d.Aws.VmPollsToFinish = 1000;
        var template = await _d.ShortVmStack();
        var id = template.Of(ResourceTypes.ExportedVmImage);
        _d.Cfn.CancelAfter = TimeSpan.FromMinutes(10);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.Equal("ROLLBACK_COMPLETE", created);
        var delete = _d.Last(id);
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
        var id = template.Of(ResourceTypes.ExportedVmImage);

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
        var template = await _d.ShortVmStack();
        var id = template.Of(ResourceTypes.ExportedVmImage);

        await _d.Cfn.CreateStackAsync(template);

        var reason = _d.Cfn.ExchangesOf(id).First().Answer!.Reason;
        var pointer = System.Text.RegularExpressions.Regex.Match(reason, @"Logs: (\S+)").Groups[1].Value;
        Assert.Contains(_d.Cfn.Lambda.Logs.Keys, group => group == pointer);
        Assert.Contains(_d.Cfn.Lambda.Logs[pointer], line => line.Contains("NotExportable"));
    }

    [Fact]
    public async Task HandlerLogs_ShouldHoldNoCredentialOfTheResponseUrl()
    {
        var template = await _d.ShortVmStack();

        await _d.Cfn.CreateStackAsync(template);
        await _d.Cfn.DeleteStackAsync();

        var lines = _d.Cfn.Lambda.Logs.Values.SelectMany(l => l).ToList();
        Assert.NotEmpty(lines);
        Assert.DoesNotContain(lines, l => l.Contains("X-Amz-Credential") || l.Contains("X-Amz-Signature") || l.Contains(CloudFormationEmulator.ResponseHost));
    }
}

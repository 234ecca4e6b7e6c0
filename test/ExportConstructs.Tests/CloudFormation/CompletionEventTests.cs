using Amazon.CDK;
using ExportConstructs.Contract;
using ExportConstructs.Fakes;
using ExportConstructs.Fakes.Iam;
using ExportConstructs.Tests.Constructs;
using static ExportConstructs.Tests.CloudFormation.DeploymentHelpers;
using static ExportConstructs.Tests.CloudFormation.LongWaitStacks;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// Issue 19's completion events, as far as wired: one event on the default bus per export that
/// reaches a final state while its stack waits, from the export resource (short path) or the result
/// resource (long path), through the real framework code, the deployed rights and a loopback
/// EventBridge. A refused publish changes nothing CloudFormation hears.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class CompletionEventTests : DeploymentTest
{
    [Fact]
    public async Task ShortPath_CompletedExport_ShouldPutOneCompletedEventWithItsAttributes()
    {
        var template = await _d.VmStack(p => p.Timeout = Duration.Minutes(30));
        var id = template.Of(ResourceTypes.ExportedVmImage);

        Assert.True(await _d.Cfn.CreateStackAsync(template) == "CREATE_COMPLETE", _d.Story());

        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var e = Assert.Single(_d.Aws.Events);
        Assert.Equal((ExportEvents.Source, ExportEvents.DetailTypes.Completed), (e.Source, e.DetailType));
        Assert.EndsWith(":event-bus/default", e.EventBusArn);
        var detail = Detail(e);
        Assert.Equal((task.Id, "COMPLETED", id, _d.Cfn.StackId), ((string)detail["taskId"]!, (string)detail["state"]!, (string)detail["logicalId"]!, (string)detail["stackId"]!));
        Assert.Equal(task.Key, (string)detail["attributes"]!["S3Key"]!);
        Assert.Equal(ExportEvents.EventIdOf(_d.Cfn.StackId, id, task.Id, "COMPLETED"), (string)detail["eventId"]!);
        Assert.NotNull(detail["durationSeconds"]);
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task LongPath_CompletedAppStreamExport_ShouldPutOneEventFromTheResultNotTheExportResource()
    {
        _d.Aws.AppStreamDuration = TimeSpan.FromMinutes(90);
        var template = await _d.AmiStack();

        Assert.True(await _d.Cfn.CreateStackAsync(template) == "CREATE_COMPLETE", _d.Story());

        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var e = Assert.Single(_d.Aws.Events);
        var detail = Detail(e);
        Assert.Equal((task.TaskId, "AppStreamAmiExport", template.Of(ResourceTypes.AppStreamAmiExport)), ((string)detail["taskId"]!, (string)detail["kind"]!, (string)detail["logicalId"]!));
        Assert.Equal(task.AmiId, (string)detail["attributes"]!["AmiId"]!);
        Assert.Null(detail["attributes"]![WaitProperties.DeadlineAttribute]);
        Assert.Empty(_d.Aws.Denials);
    }

    [Fact]
    public async Task FailedExport_ShouldPutOneFailedEventWithTheReason()
    {
        _d.Aws.VmFailureMessage = "ClientError: Disk validation failed";
        var template = await _d.VmStack(p => p.Timeout = Duration.Minutes(30));

        Assert.Equal("ROLLBACK_COMPLETE", await _d.Cfn.CreateStackAsync(template));

        var e = Assert.Single(_d.Aws.Events);
        Assert.Equal(ExportEvents.DetailTypes.Failed, e.DetailType);
        Assert.Contains("Disk validation failed", (string)Detail(e)["reason"]!);
    }

    [Fact]
    public async Task RefusedPublish_ShouldLeaveWhatCloudFormationHearsUnchanged()
    {
        _d.Aws.FailNextEntry("InternalFailure", "Injected", times: 3);
        var template = await _d.VmStack(p => p.Timeout = Duration.Minutes(30));

        Assert.True(await _d.Cfn.CreateStackAsync(template) == "CREATE_COMPLETE", _d.Story());

        Assert.Empty(_d.Aws.Events);
        Assert.Contains(_d.HandlerLog(), l => l.Contains("Could not publish the COMPLETED event") && l.Contains("InternalFailure"));
    }

    [Theory]
    [InlineData("default", new[] { ExportEvents.Source }, true)]
    [InlineData("default", new[] { "aws.ec2" }, false)]
    [InlineData("default", new[] { ExportEvents.Source, "other" }, false)]
    [InlineData("default", new string[0], false)]
    [InlineData("team-bus", new[] { ExportEvents.Source }, false)]
    public async Task DeployedPublishRight_ShouldAllowOnlyTheDefaultBusAndThisLibrarysSource(string bus, string[] sources, bool allowed)
    {
        await _d.Cfn.CreateStackAsync(await _d.VmStack(p => p.Timeout = Duration.Minutes(30)));
        var role = Assert.Single(_d.Cfn.Resources.Values, r => r.Type == "AWS::IAM::Role" && r.LogicalId.Contains("HandlerRole", StringComparison.Ordinal));
        var context = new Dictionary<string, IReadOnlyList<string>>();
        if (sources.Length > 0) context["events:source"] = sources;
        var request = new IamRequest("events:PutEvents", $"arn:aws:events:{FakeAws.Region}:{FakeAws.Account}:event-bus/{bus}", context);

        var decision = IamEvaluator.Evaluate(new DeployedPolicies(_d.Cfn).Documents(role.PhysicalId), request);

        Assert.True(decision.Allowed == allowed, decision.Explanation);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TimedOutVmExport_ShouldBeStoppedBeforeTheAnswerAndReportedTimedOutOnly(bool longPath)
    {
        _d.Aws.VmDuration = TimeSpan.FromHours(5);
        var template = await _d.VmStack(p => p.Timeout = longPath ? Duration.Hours(2) : Duration.Minutes(30));

        Assert.Equal("ROLLBACK_COMPLETE", await _d.Cfn.CreateStackAsync(template));

        // Cancelled when the wait ran out, so the rollback's Delete finds nothing running to report cancelled.
        Assert.Equal([ExportEvents.DetailTypes.TimedOut], _d.Aws.Events.Select(e => e.DetailType));
        Assert.NotEqual("active", Assert.Single(_d.Aws.VmTasks.Values).Status);
        Assert.Contains(_d.HandlerLog(), l => l.Contains("Cancelled EC2 export", StringComparison.Ordinal));
    }
}

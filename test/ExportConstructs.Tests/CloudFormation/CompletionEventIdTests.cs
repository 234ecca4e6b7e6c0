using System.Text.Json.Nodes;
using ExportConstructs.Contract;
using ExportConstructs.Handler.Telemetry;
using ExportConstructs.Tests.Constructs;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// The same event id whenever a publish is repeated. The SDK's own retry of a refused PutEvents
/// puts one event; an isComplete retried after a Lambda failure that came after the publish puts
/// the event again (PutEvents has no idempotency key), and both carry the same
/// <c>detail.eventId</c> (<see cref="ExportEvents.EventIdOf"/>) for a consumer to drop the second.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class CompletionEventIdTests : CompletionEventTestBase
{
    public static TheoryData<ExportKind, WaitPath, string, int> EachKindAndPathRetried()
    {
        var data = new TheoryData<ExportKind, WaitPath, string, int>();
        foreach (var (kind, path) in KindsAndPaths) data.Add(kind, path, "InternalException", 500);
        data.Add(ExportKind.VmImage, WaitPath.Short, "ThrottlingException", 400);
        data.Add(ExportKind.AppStream, WaitPath.Long, "ThrottlingException", 400);
        return data;
    }

    [Theory]
    [MemberData(nameof(EachKindAndPathRetried))]
    public async Task PublishRetriedBySdk_ShouldPutOneEventWithTheExportsEventId(ExportKind kind, WaitPath path, string code, int status)
    {
        D.Aws.FailNext("EventBridge:PutEvents", code, status);

        var outcome = await DeployAsync(D, kind, path);

        Assert.True(outcome == await BaselineAsync(kind, path), $"{outcome}\n{D.Story()}");
        Assert.Equal(2, D.Aws.CallCount("EventBridge:PutEvents"));
        var detail = Assert.Single(Details());
        Assert.Equal(EventIdOf(kind, ExportEvents.States.Completed), (string?)detail["eventId"]);
        Assert.DoesNotContain(D.HandlerLog(), l => l.StartsWith("Could not publish", StringComparison.Ordinal));
        Assert.Empty(MetricLines(EmbeddedMetrics.Names.EventPublishFailures));
    }

    [Theory]
    [MemberData(nameof(EachKindAndPath))]
    public async Task IsCompleteRetriedAfterThePublish_ShouldPutTheEventAgainWithTheSameEventId(ExportKind kind, WaitPath path)
    {
        // The framework's isComplete of the publishing resource answers CloudFormation, then its invocation
        // fails: the waiter's Retry runs it, and the handler's isComplete, again.
        D.Cfn.Lambda.FailAfterRun = (f, payload, result) => f.Handler == "framework.isComplete" && result.FunctionError is null
            && (string?)JsonNode.Parse(payload)?["LogicalResourceId"] == ReporterOf(D.Cfn.Template!, kind, path) && D.Cfn.Lambda.FailedAfterRun.Count == 0;

        var outcome = await DeployAsync(D, kind, path);

        Assert.True(outcome == await BaselineAsync(kind, path), $"{outcome}\n{D.Story()}");
        Assert.Single(D.Cfn.Lambda.FailedAfterRun);
        Assert.Single(D.Cfn.ExchangesOf(ReporterOf(D.Cfn.Template!, kind, path)).Single(e => e.RequestType == "Create").Late); // the retry answered again, too late to count
        var details = Details();
        Assert.Equal(2, details.Count);
        Assert.Equal(D.Aws.Events[0].DetailType, D.Aws.Events[1].DetailType);
        var id = EventIdOf(kind, ExportEvents.States.Completed);
        Assert.All(details, d => Assert.Equal(id, (string?)d["eventId"]));
    }
}

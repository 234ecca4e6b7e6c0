using System.Text.Json.Nodes;
using ExportConstructs.Tests.Constructs;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// No completion event extra: what runs twice around an export (a Create delivered twice, a poll
/// retried after its work, a second poller execution) leaves exactly one event on the bus and
/// CloudFormation's answer as it is without the repeat. Each repeat is played by the emulation:
/// a Lambda invocation that fails after it ran (<see cref="LambdaService.FailAfterRun"/>), retried by
/// Lambda (CloudFormation's asynchronous request) or by the state machine's Retry (the poll).
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class CompletionEventDeliveryTests : CompletionEventTestBase
{
    private static JsonObject? Json(string payload) => JsonNode.Parse(payload) as JsonObject;

    private static bool IsFramework(DeployedFunction f, string entry) => f.Handler == "framework." + entry;

    /// <summary>The poll that found the export finished signals the WaitCondition, then its invocation fails: the poller's Retry polls again.</summary>
    private void FailTheSignallingPollOnce() => D.Cfn.Lambda.FailAfterRun = (f, payload, result) => !f.Handler.StartsWith("framework.", StringComparison.Ordinal)
        && Json(payload)?["RequestType"] is null && result.FunctionError is null
        && Json(result.Payload)?["Done"]?.GetValue<bool>() == true && D.Cfn.Lambda.FailedAfterRun.Count == 0;

    [Theory]
    [InlineData(ExportKind.VmImage, WaitPath.Short)]
    [InlineData(ExportKind.AppStream, WaitPath.Short)]
    [InlineData(ExportKind.VmImage, WaitPath.Long)]
    [InlineData(ExportKind.AppStream, WaitPath.Long)]
    public async Task CreateDeliveredTwice_ShouldPutOneEvent(ExportKind kind, WaitPath path)
    {
        // The framework's onEvent starts the wait, then its invocation fails: Lambda delivers the Create again.
        var delivered = new HashSet<string>();
        D.Cfn.Lambda.FailAfterRun = (f, payload, _) => IsFramework(f, "onEvent") && Json(payload) is { } request
            && (string?)request["RequestType"] == "Create" && delivered.Add((string)request["LogicalResourceId"]!);

        var outcome = await DeployAsync(D, kind, path);

        Assert.True(outcome == await BaselineAsync(kind, path), $"{outcome}\n{D.Story()}");
        Assert.Equal(path == WaitPath.Long ? 2 : 1, D.Cfn.Lambda.FailedAfterRun.Count); // the export and, on the long path, the result
        var creates = D.Cfn.Lambda.Invocations.Where(i => i.Function.Contains("onEvent", StringComparison.Ordinal)).Select(i => Json(i.Payload)!)
            .Where(r => (string?)r["RequestType"] == "Create").GroupBy(r => (string)r["LogicalResourceId"]!).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(delivered, id => Assert.Equal(2, creates[id]));
        Assert.Single(D.Aws.Events);
    }

    [Theory]
    [MemberData(nameof(EachKind))]
    public async Task PollRetriedAfterItSignalled_ShouldPutOneEvent(ExportKind kind)
    {
        FailTheSignallingPollOnce();

        var outcome = await DeployAsync(D, kind, WaitPath.Long);

        Assert.True(outcome == await BaselineAsync(kind, WaitPath.Long), $"{outcome}\n{D.Story()}");
        Assert.Single(D.Cfn.Lambda.FailedAfterRun);
        Assert.True(D.Aws.CallCount("CloudFormation:SignalResource") > 1, D.Story()); // the retried poll ran and signalled again
        Assert.Single(D.Aws.Events);
    }

    [Theory]
    [MemberData(nameof(EachKind))]
    public async Task PollRetriedAfterItSignalled_ShouldEndItsPoller(ExportKind kind)
    {
        // As PollRetriedAfterItSignalled_ShouldPutOneEvent; what is pinned here is that nothing keeps polling.
        FailTheSignallingPollOnce();

        Assert.Equal("CREATE_COMPLETE", (await DeployAsync(D, kind, WaitPath.Long)).Stack);

        Assert.True((await D.PollersLeftAsync()).Count == 0, D.Story());
    }

    [Theory]
    [MemberData(nameof(EachKind))]
    public async Task SecondPollerExecutionForTheSameExport_ShouldPutOneEvent(ExportKind kind)
    {
        // A minute in, a second execution of the poller runs for the same export, with the same input.
        D.Scheduler.After(TimeSpan.FromMinutes(1), () =>
        {
            var (name, first) = Assert.Single(D.Aws.Executions, e => e.Value.Arn.Contains("PollerStateMachine", StringComparison.Ordinal));
            D.Aws.Executions[name + "-2"] = (first.Arn + "-2", first.Input, "RUNNING");
            return Task.CompletedTask;
        });

        var outcome = await DeployAsync(D, kind, WaitPath.Long);

        Assert.True(outcome == await BaselineAsync(kind, WaitPath.Long), $"{outcome}\n{D.Story()}");
        Assert.Equal(2, D.Cfn.States.Executions.Values.Count(e => e.Arn.Contains("PollerStateMachine", StringComparison.Ordinal)));
        Assert.Single(D.Aws.Events);
    }
}

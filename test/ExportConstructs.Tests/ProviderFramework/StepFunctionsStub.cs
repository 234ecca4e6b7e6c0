using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.ProviderFramework;

/// <summary>One StartExecution the framework made.</summary>
internal sealed record StartedExecution(string StateMachineArn, string Name, string Input);

/// <summary>
/// Step Functions' JSON 1.0 API on loopback, StartExecution only: what onEvent calls to start the
/// waiter. Checks the protocol the SDK speaks (target, content type, signing scope).
/// </summary>
internal sealed class StepFunctionsStub : IAsyncDisposable
{
    private readonly LoopbackServer _server;
    private readonly ConcurrentQueue<StartedExecution> _started = new();

    public StepFunctionsStub() => _server = new LoopbackServer(Answer);

    public Uri Url => _server.Url;

    public IReadOnlyCollection<StartedExecution> Started => _started;

    private Reply Answer(RecordedRequest request)
    {
        if (request.Header("X-Amz-Target") != "AWSStepFunctions.StartExecution"
            || request.Header("Content-Type") != "application/x-amz-json-1.0"
            || request.Header("Authorization")?.Contains("/states/aws4_request", StringComparison.Ordinal) != true)
            return new Reply(400, $"{{\"__type\":\"UnknownOperationException\",\"message\":\"{request.Header("X-Amz-Target")} {request.Header("Content-Type")}\"}}", "application/x-amz-json-1.0");
        using var body = JsonDocument.Parse(request.Body);
        var started = new StartedExecution(
            body.RootElement.GetProperty("stateMachineArn").GetString()!,
            body.RootElement.GetProperty("name").GetString()!,
            body.RootElement.GetProperty("input").GetString()!);
        _started.Enqueue(started);
        var executionArn = started.StateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + started.Name;
        return new Reply(200, new JsonObject { ["executionArn"] = executionArn, ["startDate"] = 1_796_000_000.123 }.ToJsonString(), "application/x-amz-json-1.0");
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

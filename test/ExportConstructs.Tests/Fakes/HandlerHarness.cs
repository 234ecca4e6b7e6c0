using ExportConstructs.Fakes;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using ExportConstructs.Contract;
using ExportConstructs.Handler.Aws;
using ExportConstructs.Handler.CustomResources;
using ExportConstructs.Handler.Exports;
using ExportConstructs.Handler.Waiting;

namespace ExportConstructs.Tests.Fakes;

/// <summary>What the framework would tell CloudFormation after onEvent and the isComplete polls.</summary>
internal sealed record Outcome(string PhysicalResourceId, Dictionary<string, string>? Data, int Polls);

/// <summary>
/// The handler in-process, with real AWSSDK clients (and the AppStream client) talking to
/// <see cref="FakeAws"/>, and the Provider framework's onEvent-then-isComplete loop.
/// </summary>
internal sealed class HandlerHarness : IAsyncDisposable
{
    public const string StackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/Sample/5b6c7d8e-0000-4000-8000-000000000000";

    public FakeAws Aws { get; } = new();
    public List<string> Log { get; } = [];
    public ExportLifecycle Lifecycle { get; }
    public WaitPoller Poller { get; }
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));

    public HandlerHarness()
    {
        var aws = LoopbackClients.For(Aws);
        void Write(string message) { lock (Log) Log.Add(message); }
        Lifecycle = AwsClients.Lifecycle(aws, Clock, Write);
        Poller = new WaitPoller(Lifecycle, aws.CloudFormation, Clock, Write);
    }

    public static JsonElement Json(ExportedVmImageProperties p) =>
        JsonSerializer.SerializeToElement(p, ContractJsonContext.Default.ExportedVmImageProperties);

    public static JsonElement Json(AppStreamAmiExportProperties p) =>
        JsonSerializer.SerializeToElement(p, ContractJsonContext.Default.AppStreamAmiExportProperties);

    /// <summary>A request as CloudFormation builds it.</summary>
    public static CustomResourceRequest Request(string resourceType, string requestType, JsonElement properties,
        JsonElement? oldProperties = null, string? physicalId = null, string? requestId = null, string logicalId = "Export") => new()
    {
        RequestType = requestType,
        RequestId = requestId ?? Guid.NewGuid().ToString(),
        StackId = StackId,
        LogicalResourceId = logicalId,
        PhysicalResourceId = physicalId,
        ResourceType = resourceType,
        ResponseUrl = "http://127.0.0.1:9/response",
        ResourceProperties = properties,
        OldResourceProperties = oldProperties,
    };

    /// <summary>onEvent, then isComplete until done (at most <paramref name="maxPolls"/> times), merging as the framework does.</summary>
    public async Task<Outcome> RunAsync(CustomResourceRequest request, int maxPolls = 20)
    {
        var started = await Lifecycle.OnEventAsync(request, CancellationToken.None);
        var merged = Merge(request, started);
        for (var poll = 1; poll <= maxPolls; poll++)
        {
            var answer = await Lifecycle.IsCompleteAsync(merged, CancellationToken.None);
            // isComplete may move the physical id (a replacement that completed), and only then.
            if (answer.IsComplete) return new Outcome(answer.PhysicalResourceId ?? started.PhysicalResourceId, answer.Data, poll);
            Assert.Null(answer.Data); // The framework rejects Data on an incomplete answer.
        }
        throw new TimeoutException($"isComplete did not finish within {maxPolls} polls");
    }

    /// <summary>The isComplete input: the request with onEvent's answer laid over it.</summary>
    public static CustomResourceRequest Merge(CustomResourceRequest request, OnEventResponse answer)
    {
        var merged = JsonSerializer.Deserialize(JsonSerializer.Serialize(request, FrameworkJsonContext.Default.CustomResourceRequest), FrameworkJsonContext.Default.CustomResourceRequest)!;
        merged.PhysicalResourceId = answer.PhysicalResourceId;
        merged.Action = answer.Action;
        merged.WaitStartedAt = answer.WaitStartedAt;
        merged.NewTaskId = answer.NewTaskId;
        merged.Failure = answer.Failure;
        merged.WaitDeadline = answer.WaitDeadline;
        merged.EndStrays = answer.EndStrays;
        merged.StrayOf = answer.StrayOf;
        return merged;
    }

    public ValueTask DisposeAsync()
    {
        return Aws.DisposeAsync();
    }
}

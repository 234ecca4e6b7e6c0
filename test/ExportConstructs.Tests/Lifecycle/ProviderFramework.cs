using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Handler.CustomResources;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.Lifecycle;

/// <summary>What the framework PUT to CloudFormation's ResponseURL.</summary>
internal sealed record CfnResponse(string Status, string Reason, string PhysicalResourceId, Dictionary<string, string> Data, int Bytes);

/// <summary>
/// Plays the CDK Provider framework between CloudFormation and the handler, as its runtime
/// (framework.js, cfn-response.js) does: onEvent, then isComplete at once and every interval up to
/// the attempts allowed, Data merged over onEvent's, the CREATE_FAILED physical id when onEvent
/// fails on Create and the Delete that follows answered without calling the handler, and the final
/// response PUT to the request's ResponseURL (here a loopback server, where it is read back).
/// </summary>
internal sealed class ProviderFramework(HandlerHarness harness, int intervalSeconds, int maxAttempts, IHandlerInvoker? invoker = null) : IAsyncDisposable
{
    private readonly IHandlerInvoker _handler = invoker ?? new InProcessInvoker(harness);

    public const string CreateFailedMarker = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED";
    /// <summary>CloudFormation refuses a response body over 4096 bytes.</summary>
    public const int MaxResponseBytes = 4096;

    private readonly LoopbackServer _cloudFormation = new(_ => new Reply(200, ""));
    private readonly HttpClient _http = new();
    private int _requests;

    /// <summary>How many times the handler was invoked (onEvent and isComplete).</summary>
    public int Invocations { get; private set; }

    /// <summary>A request as CloudFormation sends it.</summary>
    public CustomResourceRequest Request(string requestType, string resourceType, string logicalId, JsonElement properties, JsonElement? old = null, string? physicalId = null) => new()
    {
        RequestType = requestType,
        RequestId = $"req-{++_requests}",
        StackId = HandlerHarness.StackId,
        LogicalResourceId = logicalId,
        PhysicalResourceId = physicalId,
        ResourceType = resourceType,
        ResponseUrl = $"{_cloudFormation.Url}cloudformation-response/{_requests}?X-Amz-Signature=fake",
        ResourceProperties = properties,
        OldResourceProperties = old,
    };

    /// <summary>Runs one request to its end and returns what CloudFormation was told.</summary>
    public async Task<CfnResponse> SendAsync(CustomResourceRequest request)
    {
        if (request.RequestType == "Delete" && request.PhysicalResourceId == CreateFailedMarker)
            return await RespondAsync(request, "SUCCESS", "", CreateFailedMarker, []);
        OnEventResponse started;
        try
        {
            Invocations++;
            started = await _handler.OnEventAsync(request);
        }
        catch (Exception e)
        {
            return await RespondAsync(request, "FAILED", e.Message, request.RequestType == "Create" ? CreateFailedMarker : request.PhysicalResourceId!, []);
        }
        var merged = HandlerHarness.Merge(request, started);
        for (var attempt = 0; attempt <= maxAttempts; attempt++)
        {
            if (attempt > 0) harness.Clock.Advance(TimeSpan.FromSeconds(intervalSeconds));
            IsCompleteResponse answer;
            try
            {
                Invocations++;
                answer = await _handler.IsCompleteAsync(merged);
            }
            catch (Exception e)
            {
                return await RespondAsync(request, "FAILED", e.Message, started.PhysicalResourceId, []);
            }
            if (answer.IsComplete) return await RespondAsync(request, "SUCCESS", "", answer.PhysicalResourceId ?? started.PhysicalResourceId, answer.Data ?? []);
            Assert.Null(answer.Data);
        }
        return await RespondAsync(request, "FAILED", "Operation timed out", started.PhysicalResourceId, []);
    }

    private async Task<CfnResponse> RespondAsync(CustomResourceRequest request, string status, string reason, string physicalId, Dictionary<string, string> data)
    {
        var body = new JsonObject
        {
            ["Status"] = status,
            ["Reason"] = reason,
            ["PhysicalResourceId"] = physicalId,
            ["StackId"] = request.StackId,
            ["RequestId"] = request.RequestId,
            ["LogicalResourceId"] = request.LogicalResourceId,
            ["NoEcho"] = false,
            ["Data"] = new JsonObject(data.Select(d => KeyValuePair.Create(d.Key, (JsonNode?)d.Value))),
        }.ToJsonString();
        using var content = new StringContent(body);
        content.Headers.ContentType = null; // the ResponseURL is presigned without a content type
        using var put = await _http.PutAsync(request.ResponseUrl, content);
        put.EnsureSuccessStatusCode();
        var received = _cloudFormation.Requests.Last(r => r.PathAndQuery.StartsWith(new Uri(request.ResponseUrl!).AbsolutePath, StringComparison.Ordinal));
        var parsed = JsonNode.Parse(received.Body)!;
        return new CfnResponse(
            parsed["Status"]!.GetValue<string>(),
            parsed["Reason"]!.GetValue<string>(),
            parsed["PhysicalResourceId"]!.GetValue<string>(),
            parsed["Data"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>()),
            System.Text.Encoding.UTF8.GetByteCount(received.Body));
    }

    public async ValueTask DisposeAsync()
    {
        await _handler.DisposeAsync();
        _http.Dispose();
        await _cloudFormation.DisposeAsync();
    }
}

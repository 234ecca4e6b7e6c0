using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.CloudFormation;

// The emulation's custom resource exchanges: the request sent through the ServiceToken, and the response PUT it hears.
internal sealed partial class CloudFormationEmulator
{
    // ------------------------------------------------------------------ custom resources

    /// <summary>Sends one request and waits (running the virtual clock) until it has settled: the serial deletes and rollback Updates.</summary>
    private async Task<CustomResourceExchange> SendAsync(string logicalId, string requestType, JsonObject properties, JsonObject? old, string? physicalId, bool rollback = false, string? resourceType = null)
    {
        var exchange = Send(logicalId, requestType, properties, old, physicalId, rollback, resourceType);
        await RunUntilAsync(() =>
        {
            if (_cancelled && !exchange.Settled) exchange.NoAnswer = "Resource update cancelled";
            return exchange.Settled;
        });
        if (!exchange.Settled) exchange.NoAnswer = "Nothing was left to run and no answer came (the emulation stalled).";
        return exchange;
    }

    /// <summary>
    /// Sends one request through the resource's ServiceToken (the invocation runs when the scheduler gets to it) and
    /// arms its ServiceTimeout; the exchange settles when its answer comes or the timeout passes. Whoever drives the
    /// clock waits for it: <see cref="SendAsync"/>, or the stack operation's loop with other exchanges in flight.
    /// </summary>
    private CustomResourceExchange Send(string logicalId, string requestType, JsonObject properties, JsonObject? old, string? physicalId, bool rollback = false, string? resourceType = null)
    {
        var requestId = $"{++_counter:x8}-cfn0-4000-8000-{logicalId.Length:x4}00000000";
        var path = $"/{Uri.EscapeDataString(StackId)}%7C{logicalId}%7C{requestId}";
        var exchange = new CustomResourceExchange
        {
            LogicalId = logicalId,
            RequestType = requestType,
            RequestId = requestId,
            // Presigned like CloudFormation's: the credential in it must never reach a log of ours.
            ResponseUrl = $"https://{ResponseHost}{path}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261129T120000Z&X-Amz-SignedHeaders=host&X-Amz-Expires=7200&X-Amz-Credential=AKIACFNRESPONSEKEY01%2F20261129%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=0123456789abcdef",
            PhysicalResourceId = physicalId,
            ResourceProperties = properties,
            OldResourceProperties = old,
            Sent = _scheduler.Now,
            StackStatus = Status,
            Rollback = rollback,
        };
        Exchanges.Add(exchange);
        lock (_byPath) _byPath[path] = exchange;
        var request = new JsonObject
        {
            ["RequestType"] = requestType,
            ["ServiceToken"] = properties["ServiceToken"]?.DeepClone(),
            ["ResponseURL"] = exchange.ResponseUrl,
            ["StackId"] = StackId,
            ["RequestId"] = requestId,
            ["LogicalResourceId"] = logicalId,
            // A rollback's Delete of a resource the failed template added: neither template nor state holds it any more.
            ["ResourceType"] = resourceType ?? Template?[logicalId]?.Type ?? _deployed[logicalId].Type,
            ["ResourceProperties"] = properties.DeepClone(),
        };
        if (physicalId is not null) request["PhysicalResourceId"] = physicalId;
        if (old is not null) request["OldResourceProperties"] = old.DeepClone();
        var token = properties["ServiceToken"]?.GetValue<string>() ?? throw new InvalidOperationException($"{logicalId} has no ServiceToken");
        // CloudFormation invokes the function asynchronously; Lambda retries a failed async invocation twice.
        _scheduler.After(TimeSpan.Zero, () => InvokeAsync(token, request.ToJsonString(), retriesLeft: 2));
        var timeout = properties["ServiceTimeout"] is { } t ? TimeSpan.FromSeconds(int.Parse(t.ToString())) : DefaultServiceTimeout;
        _scheduler.After(timeout, () =>
        {
            if (!exchange.Settled) exchange.NoAnswer = $"CloudFormation did not receive a response from your Custom Resource within {timeout.TotalSeconds} s (failed to stabilize).";
            return Task.CompletedTask;
        });
        return exchange;
    }

    private async Task InvokeAsync(string function, string payload, int retriesLeft)
    {
        var outcome = await Lambda.InvokeAsync(function, payload);
        if (outcome.FunctionError is not null && retriesLeft > 0)
            _scheduler.After(TimeSpan.FromMinutes(3 - retriesLeft), () => InvokeAsync(function, payload, retriesLeft - 1));
    }

    /// <summary>
    /// A response PUT to a ResponseURL (from the framework host's interception of https.request).
    /// CloudFormation reads the object: a body over 4096 bytes is refused, an answer after it stopped listening is ignored.
    /// </summary>
    public void ReceiveResponse(string path, string body)
    {
        CustomResourceExchange? exchange;
        lock (_byPath) _byPath.TryGetValue(path.Split('?')[0], out exchange);
        if (exchange is null) throw new InvalidOperationException($"A response for an unknown request: {path}");
        var bytes = Encoding.UTF8.GetByteCount(body);
        CustomResourceAnswer answer;
        if (bytes > MaxResponseBytes)
            answer = new CustomResourceAnswer("FAILED", "Response object is too long.", exchange.PhysicalResourceId, [], bytes);
        else
        {
            var json = JsonNode.Parse(body)!.AsObject();
            var data = json["Data"] is JsonObject d ? d.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "") : [];
            answer = new CustomResourceAnswer(json["Status"]!.GetValue<string>(), json["Reason"]?.GetValue<string>() ?? "",
                json["PhysicalResourceId"]?.GetValue<string>(), data, bytes);
        }
        if (exchange.Settled) exchange.Late.Add(answer);
        else
        {
            exchange.AnsweredAt = _scheduler.Now;
            exchange.Answer = answer;
        }
    }
}

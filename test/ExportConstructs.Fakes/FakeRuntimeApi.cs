using System.Collections.Concurrent;
using System.Globalization;

namespace ExportConstructs.Fakes;

/// <summary>One event the fake Runtime API hands out.</summary>
internal sealed record FakeInvocation(string RequestId, string Payload, DateTimeOffset Deadline, string? TraceId = "Root=1-5759e988-bd862e3fe1be46a994272793");

/// <summary>
/// The Lambda Runtime API on loopback: <c>invocation/next</c> hands out queued events (and
/// waits while there are none), and every response or error posted is recorded.
/// </summary>
internal sealed class FakeRuntimeApi : IAsyncDisposable
{
    public const string FunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:ExportHandler";
    private readonly BlockingCollection<FakeInvocation> _events = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly LoopbackServer _server;

    public FakeRuntimeApi() => _server = new LoopbackServer(Answer);

    /// <summary>host:port, as AWS_LAMBDA_RUNTIME_API holds it.</summary>
    public string Address => $"{_server.Url.Host}:{_server.Url.Port}";

    /// <summary>Posts to response, error and init/error, as (path, request).</summary>
    public BlockingCollection<(string Path, RecordedRequest Request)> Posts { get; } = new();

    public void Enqueue(FakeInvocation invocation) => _events.Add(invocation);

    private Reply Answer(RecordedRequest request)
    {
        var path = request.PathAndQuery;
        const string prefix = "/2018-06-01/runtime/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal)) return new Reply(404, "not the runtime API", "text/plain");
        path = path[prefix.Length..];
        if (request.Method == "GET" && path == "invocation/next")
        {
            FakeInvocation next;
            try { next = _events.Take(_stop.Token); }
            catch (OperationCanceledException) { return new Reply(500, "shutting down", "text/plain"); }
            var headers = new Dictionary<string, string>
            {
                ["Lambda-Runtime-Aws-Request-Id"] = next.RequestId,
                ["Lambda-Runtime-Deadline-Ms"] = next.Deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                ["Lambda-Runtime-Invoked-Function-Arn"] = FunctionArn,
            };
            if (next.TraceId is not null) headers["Lambda-Runtime-Trace-Id"] = next.TraceId;
            return new Reply(200, next.Payload, "application/json", headers);
        }
        if (request.Method == "POST")
        {
            Posts.Add((path, request));
            return new Reply(202, "{\"status\":\"OK\"}", "application/json");
        }
        return new Reply(405, "unexpected " + request.Method, "text/plain");
    }

    /// <summary>The next post, or a failure naming what was awaited (bounded, never a timing sleep).</summary>
    public (string Path, RecordedRequest Request) NextPost(string what, TimeSpan? within = null)
    {
        if (Posts.TryTake(out var post, within ?? TimeSpan.FromSeconds(60))) return post;
        throw new TimeoutException($"The Runtime API received no post ({what}).");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _server.DisposeAsync();
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace ExportConstructs.Fakes;

/// <summary>One HTTP request as a fake server received it.</summary>
internal sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>A header's value, or null (names are case-insensitive).</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
}

/// <summary>What a fake answers.</summary>
internal sealed record Reply(int Status, string Body, string ContentType = "text/xml", IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// An HTTP server on 127.0.0.1 with a free port, answering each request through a function and
/// recording everything it received. Each request is answered on its own thread-pool task, so a
/// slow answer does not hold up the others.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<RecordedRequest, Task<Reply>> _answer;
    private readonly Task _loop;

    private readonly TaskCompletionSource<long> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The Stopwatch timestamp at which the first request arrived (for start-up measurements).</summary>
    public Task<long> FirstRequest => _first.Task;

    /// <summary>Every request, in arrival order.</summary>
    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Base URL, e.g. http://127.0.0.1:40123/.</summary>
    public Uri Url { get; }

    /// <summary>Starts serving at once.</summary>
    public LoopbackServer(Func<RecordedRequest, Reply> answer) : this(request => Task.FromResult(answer(request))) { }

    /// <summary>
    /// Starts serving at once, answering through an asynchronous function: for fakes whose answer
    /// waits on something else (a stub Lambda function a test awaits), without blocking a thread.
    /// </summary>
    public LoopbackServer(Func<RecordedRequest, Task<Reply>> answer)
    {
        _answer = answer;
        Url = new Uri($"http://127.0.0.1:{FreePort()}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    private volatile bool _stopping;

    private async Task ServeAsync()
    {
        while (!_stopping)
        {
            HttpListenerContext context;
            // Once stopping, GetContextAsync fails with one of these; either way the loop is over.
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (_stopping || e is HttpListenerException or ObjectDisposedException) { return; }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        _first.TrySetResult(System.Diagnostics.Stopwatch.GetTimestamp());
        using var reader = new StreamReader(context.Request.InputStream);
        var headers = context.Request.Headers.AllKeys.Where(k => k is not null)
            .ToDictionary(k => k!, k => context.Request.Headers[k] ?? "", StringComparer.OrdinalIgnoreCase);
        var request = new RecordedRequest(context.Request.HttpMethod, context.Request.Url!.PathAndQuery, headers, reader.ReadToEnd());
        Requests.Enqueue(request);
        Reply reply;
        try { reply = await _answer(request); }
        catch (Exception e) { reply = new Reply(500, "fake server failed: " + e, "text/plain"); }
        var bytes = System.Text.Encoding.UTF8.GetBytes(reply.Body);
        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = reply.ContentType;
        foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>()) context.Response.Headers[name] = value;
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        try
        {
            // Close alone (it stops too): after a Stop, Close removes the prefixes again, and on Linux that
            // binds the port anew to look its endpoint up, which fails when another process took the port meanwhile.
            _listener.Close();
        }
        catch (HttpListenerException)
        {
            // The listener is gone either way; a test's teardown must not fail over it.
        }
        await _loop;
    }
}

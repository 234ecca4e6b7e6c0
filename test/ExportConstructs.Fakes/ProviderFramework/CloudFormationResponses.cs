using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace ExportConstructs.Fakes.ProviderFramework;

/// <summary>
/// Stands in for CloudFormation's response bucket: receives the response PUTs that the
/// framework sends to each request's ResponseURL (redirected here by the <see cref="FrameworkHost"/>,
/// which passes the original host and path in headers), records them by the ResponseURL's path and
/// lets a caller await the one for a ResponseURL or be called back on each.
/// </summary>
/// <remarks>
/// Every PUT is answered 200, as S3 answers a valid presigned PUT: judging a response (its size,
/// a second one for the same request) is the caller's business, and answering an error would only
/// make the framework retry with its own random sleeps.
/// </remarks>
internal sealed class CloudFormationResponses : IAsyncDisposable
{
    /// <summary>Header carrying the ResponseURL's host (the redirected request goes to loopback).</summary>
    public const string OriginalHostHeader = "x-original-host";
    /// <summary>Header carrying the ResponseURL's path and query exactly as the framework wrote them.</summary>
    public const string OriginalPathHeader = "x-original-path";

    private readonly LoopbackServer _server;
    private readonly Action<CloudFormationResponse>? _onReceived;
    private readonly ConcurrentQueue<CloudFormationResponse> _received = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<CloudFormationResponse>> _first = new();

    /// <summary>Starts serving at once.</summary>
    /// <param name="onReceived">Called with each response as it arrives, on a thread-pool thread, before the PUT is answered.</param>
    public CloudFormationResponses(Action<CloudFormationResponse>? onReceived = null)
    {
        _onReceived = onReceived;
        _server = new LoopbackServer(Answer);
    }

    /// <summary>Base URL, for <see cref="FrameworkHostOptions.ResponseEndpoint"/>.</summary>
    public Uri Url => _server.Url;

    /// <summary>Every response received, in arrival order.</summary>
    public IReadOnlyCollection<CloudFormationResponse> Received => _received;

    /// <summary>
    /// The path of a ResponseURL, raw as written (no decoding or normalising): what responses are
    /// keyed by. ResponseURLs are given percent-encoded, as CloudFormation's are.
    /// </summary>
    public static string KeyOf(string responseUrl)
    {
        var afterScheme = responseUrl.IndexOf("://", StringComparison.Ordinal) is var s and >= 0 ? responseUrl[(s + 3)..] : responseUrl;
        var slash = afterScheme.IndexOf('/');
        var path = slash < 0 ? "/" : afterScheme[slash..];
        return path.Split('?', 2)[0];
    }

    /// <summary>The first response for this ResponseURL, as soon as it has arrived (at once if it already has).</summary>
    public Task<CloudFormationResponse> WaitForAsync(string responseUrl, CancellationToken cancellationToken = default) =>
        First(KeyOf(responseUrl)).Task.WaitAsync(cancellationToken);

    /// <summary>Every response for this ResponseURL so far (more than one means the framework answered twice).</summary>
    public IReadOnlyList<CloudFormationResponse> For(string responseUrl) =>
        _received.Where(r => r.Path == KeyOf(responseUrl)).ToList();

    private TaskCompletionSource<CloudFormationResponse> First(string key) =>
        _first.GetOrAdd(key, _ => new TaskCompletionSource<CloudFormationResponse>(TaskCreationOptions.RunContinuationsAsynchronously));

    private Reply Answer(RecordedRequest request)
    {
        if (request.Method != "PUT") return new Reply(405, $"a ResponseURL takes PUT, got {request.Method}", "text/plain");
        var original = (request.Header(OriginalPathHeader) ?? request.PathAndQuery).Split('?', 2);
        var response = Parse(request.Header(OriginalHostHeader) ?? "", original[0], original.Length > 1 ? original[1] : "", request.Body);
        _received.Enqueue(response);
        _onReceived?.Invoke(response);
        First(response.Path).TrySetResult(response);
        return new Reply(200, "", "text/plain");
    }

    private static CloudFormationResponse Parse(string host, string path, string query, string body)
    {
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        string? Text(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        bool? noEcho = root.TryGetProperty("NoEcho", out var n) && n.ValueKind is JsonValueKind.True or JsonValueKind.False ? n.GetBoolean() : null;
        var data = root.TryGetProperty("Data", out var d) && d.ValueKind == JsonValueKind.Object
            ? d.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone())
            : null;
        return new CloudFormationResponse(
            host, path, query,
            Text("Status") ?? throw new InvalidOperationException("response without Status: " + body),
            Text("Reason"), Text("PhysicalResourceId"), Text("StackId"), Text("RequestId"), Text("LogicalResourceId"),
            noEcho, data, body, Encoding.UTF8.GetByteCount(body));
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace ExportConstructs.Fakes.ProviderFramework;

/// <summary>
/// Lambda's REST API on loopback, as far as the Provider framework uses it through the AWS SDK v3
/// (outbound.js): <c>Invoke</c> (<c>POST /2015-03-31/functions/{FunctionName}/invocations</c>,
/// FunctionName URL-encoded, often a full ARN) dispatched to a stub function, and
/// <c>GetFunction</c>, answering Active, which outbound.js polls (<c>waitUntilFunctionActiveV2</c>)
/// before it retries a failed Invoke once.
/// </summary>
/// <remarks>
/// A function error is answered as Lambda answers it: 200, <c>X-Amz-Function-Error</c> and the
/// runtime's error document as the payload; framework.js reads <c>FunctionError</c>, then
/// <c>errorMessage</c> and <c>trace</c> from it. A stub that throws is a failure of the Lambda
/// service (500 <c>ServiceException</c>): the SDK retries it, then outbound.js waits for the
/// function and invokes once more, and the error reaches the framework's FAILED reason.
/// </remarks>
internal sealed class LambdaInvokeEndpoint : IAsyncDisposable
{
    private const string FunctionsPrefix = "/2015-03-31/functions/";
    private const string InvocationsSuffix = "/invocations";
    private readonly Func<string, string, Task<LambdaInvokeResult>> _invoke;
    private readonly LoopbackServer _server;
    private readonly ConcurrentQueue<LambdaInvocation> _invocations = new();

    /// <summary>Starts serving at once.</summary>
    /// <param name="invoke">The stub: (function name or ARN as invoked, payload) → its answer.</param>
    public LambdaInvokeEndpoint(Func<string, string, Task<LambdaInvokeResult>> invoke)
    {
        _invoke = invoke;
        _server = new LoopbackServer(AnswerAsync);
    }

    /// <summary>Base URL, for AWS_ENDPOINT_URL_LAMBDA.</summary>
    public Uri Url => _server.Url;

    /// <summary>Every Invoke received, in arrival order.</summary>
    public IReadOnlyCollection<LambdaInvocation> Invocations => _invocations;

    /// <summary>Every HTTP request received, Invoke or not.</summary>
    public IReadOnlyCollection<RecordedRequest> Requests => _server.Requests;

    private async Task<Reply> AnswerAsync(RecordedRequest request)
    {
        if (request.Header("Authorization") is not { } authorization || !authorization.Contains("/lambda/aws4_request", StringComparison.Ordinal))
            return Error(403, "InvalidSignatureException", "expected a SigV4 signature scoped to the lambda service, got: " + request.Header("Authorization"));
        var path = request.PathAndQuery.Split('?', 2);
        var query = path.Length > 1 ? path[1] : "";
        if (!path[0].StartsWith(FunctionsPrefix, StringComparison.Ordinal))
            return Error(400, "InvalidRequestContentException", "not a Lambda function path: " + request.PathAndQuery);
        var rest = path[0][FunctionsPrefix.Length..];

        if (request.Method == "GET" && !rest.Contains('/'))
        {
            var name = Uri.UnescapeDataString(rest);
            return Json(200, new JsonObject
            {
                ["Configuration"] = new JsonObject { ["FunctionName"] = name, ["State"] = "Active", ["LastUpdateStatus"] = "Successful" },
            }.ToJsonString());
        }
        if (request.Method != "POST" || !rest.EndsWith(InvocationsSuffix, StringComparison.Ordinal))
            return Error(400, "InvalidRequestContentException", $"unexpected {request.Method} {request.PathAndQuery}");

        var functionName = Uri.UnescapeDataString(rest[..^InvocationsSuffix.Length]);
        var qualifier = query.Split('&').Select(p => p.Split('=', 2)).Where(p => p[0] == "Qualifier").Select(p => Uri.UnescapeDataString(p[1])).FirstOrDefault();
        _invocations.Enqueue(new LambdaInvocation(functionName, request.Body, request.Header("X-Amz-Invocation-Type") ?? "RequestResponse", qualifier));

        LambdaInvokeResult result;
        try { result = await _invoke(functionName, request.Body); }
        catch (Exception e) { return Error(500, "ServiceException", $"stub function {functionName} failed: {e.Message}"); }

        var headers = new Dictionary<string, string> { ["X-Amz-Executed-Version"] = "$LATEST" };
        if (result.FunctionError is { } functionError) headers["X-Amz-Function-Error"] = functionError;
        return new Reply(200, result.Payload, "application/json", headers);
    }

    private static Reply Json(int status, string body) => new(status, body, "application/json");

    /// <summary>An error as Lambda's REST API sends it: the type in <c>x-amzn-ErrorType</c> and the body.</summary>
    private static Reply Error(int status, string type, string message) =>
        new(status, new JsonObject { ["Type"] = "User", ["message"] = message }.ToJsonString(), "application/json",
            new Dictionary<string, string> { ["x-amzn-ErrorType"] = type });

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

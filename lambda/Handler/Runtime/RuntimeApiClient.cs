using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ExportConstructs.Handler.Runtime;

/// <summary>HTTP client for the Lambda Runtime API at <c>http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/</c>.</summary>
internal sealed class RuntimeApiClient : IRuntimeApiClient
{
    private const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";
    private readonly HttpClient _http;
    private readonly Uri _base;

    /// <param name="http">
    /// Its timeout must be infinite: <c>invocation/next</c> blocks until an event arrives, and the
    /// Lambda sandbox freezes the process in between, so any finite timeout fires spuriously.
    /// </param>
    /// <param name="runtimeApiAddress">The value of <c>AWS_LAMBDA_RUNTIME_API</c> (host:port).</param>
    public RuntimeApiClient(HttpClient http, string runtimeApiAddress)
    {
        _http = http;
        _base = new Uri($"http://{runtimeApiAddress}/2018-06-01/runtime/");
    }

    /// <inheritdoc />
    public async Task<Invocation> NextAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(_base, "invocation/next"), cancellationToken);
        response.EnsureSuccessStatusCode();
        var headers = response.Headers;
        var requestId = Header(headers, "Lambda-Runtime-Aws-Request-Id")
            ?? throw new InvalidOperationException("The Runtime API sent an event without Lambda-Runtime-Aws-Request-Id.");
        var deadlineMs = Header(headers, "Lambda-Runtime-Deadline-Ms");
        var deadline = long.TryParse(deadlineMs, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : throw new InvalidOperationException($"The Runtime API sent Lambda-Runtime-Deadline-Ms '{deadlineMs}', not a number of milliseconds.");
        return new Invocation(
            requestId,
            deadline,
            Header(headers, "Lambda-Runtime-Invoked-Function-Arn") ?? "",
            Header(headers, "Lambda-Runtime-Trace-Id"),
            await response.Content.ReadAsByteArrayAsync(cancellationToken));
    }

    /// <inheritdoc />
    public async Task RespondAsync(string requestId, byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        await PostAsync($"invocation/{requestId}/response", content, cancellationToken);
    }

    /// <inheritdoc />
    public Task ReportErrorAsync(string requestId, ErrorReport error, CancellationToken cancellationToken) =>
        PostErrorAsync($"invocation/{requestId}/error", error, cancellationToken);

    /// <inheritdoc />
    public Task ReportInitErrorAsync(ErrorReport error, CancellationToken cancellationToken) =>
        PostErrorAsync("init/error", error, cancellationToken);

    private async Task PostErrorAsync(string path, ErrorReport error, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(error, RuntimeJsonContext.Default.ErrorReport));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.Add(ErrorTypeHeader, error.ErrorType);
        await PostAsync(path, content, cancellationToken);
    }

    private async Task PostAsync(string path, HttpContent content, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsync(new Uri(_base, path), content, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"The Runtime API answered POST {path} with {(int)response.StatusCode}: {body}");
        }
    }

    private static string? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}

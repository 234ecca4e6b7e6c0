using System.Text;
using System.Text.Json;
using ExportConstructs.Handler.Runtime;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.Handler.Runtime;

/// <summary>The hand-written Runtime API client against a loopback Runtime API.</summary>
public sealed class RuntimeApiClientTests : IAsyncLifetime
{
    private readonly FakeRuntimeApi _api = new();
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private RuntimeApiClient Client => new(_http, _api.Address);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _api.DisposeAsync();
    }

    [Fact]
    public async Task Next_ShouldReadRequestIdDeadlineArnTraceAndPayload()
    {
        var deadline = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_123_456);
        _api.Enqueue(new FakeInvocation("req-1", """{"RequestType":"Create"}""", deadline));

        var invocation = await Client.NextAsync(default);

        Assert.Equal("req-1", invocation.RequestId);
        Assert.Equal(deadline, invocation.Deadline);
        Assert.Equal(FakeRuntimeApi.FunctionArn, invocation.InvokedFunctionArn);
        Assert.Equal("Root=1-5759e988-bd862e3fe1be46a994272793", invocation.TraceId);
        Assert.Equal("""{"RequestType":"Create"}""", Encoding.UTF8.GetString(invocation.Payload));
    }

    [Fact]
    public async Task Respond_ShouldPostTheBodyToTheInvocationsResponsePath()
    {
        await Client.RespondAsync("req-2", """{"IsComplete":true}"""u8.ToArray(), default);

        var (path, request) = _api.NextPost("response");
        Assert.Equal("invocation/req-2/response", path);
        Assert.Equal("""{"IsComplete":true}""", request.Body);
        Assert.StartsWith("application/json", request.Header("Content-Type"));
    }

    [Fact]
    public async Task ReportError_ShouldPostMessageTypeAndStackWithTheErrorTypeHeader()
    {
        await Client.ReportErrorAsync("req-3", new ErrorReport("EC2 said no", "ExportException", ["at A", "at B"]), default);

        var (path, request) = _api.NextPost("error");
        Assert.Equal("invocation/req-3/error", path);
        Assert.Equal("ExportException", request.Header("Lambda-Runtime-Function-Error-Type"));
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("EC2 said no", body.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal("ExportException", body.RootElement.GetProperty("errorType").GetString());
        Assert.Equal(2, body.RootElement.GetProperty("stackTrace").GetArrayLength());
    }

    [Fact]
    public async Task ReportInitError_ShouldPostToInitError()
    {
        await Client.ReportInitErrorAsync(new ErrorReport("no handler", "ExportException", []), default);

        var (path, request) = _api.NextPost("init error");
        Assert.Equal("init/error", path);
        Assert.Contains("no handler", request.Body);
    }
}

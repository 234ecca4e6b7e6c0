using ExportConstructs.Handler.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace ExportConstructs.Tests.Handler.Runtime;

/// <summary>The invocation loop's outcomes, with a recording Runtime API and a fake clock.</summary>
public sealed class LambdaBootstrapTests
{
    private sealed class RecordingClient : IRuntimeApiClient
    {
        public List<(string RequestId, byte[] Body)> Responses { get; } = [];
        public List<(string RequestId, ErrorReport Error)> Errors { get; } = [];
        public Task<Invocation> NextAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
        public Task RespondAsync(string requestId, byte[] body, CancellationToken cancellationToken) { Responses.Add((requestId, body)); return Task.CompletedTask; }
        public Task ReportErrorAsync(string requestId, ErrorReport error, CancellationToken cancellationToken) { Errors.Add((requestId, error)); return Task.CompletedTask; }
        public Task ReportInitErrorAsync(ErrorReport error, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private readonly RecordingClient _client = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));

    private Invocation Event(TimeSpan timeLeft) => new("req", _clock.GetUtcNow() + timeLeft, "arn", "Root=1-abc", "{}"u8.ToArray());

    [Fact]
    public async Task Invoke_WhenHandlerReturns_ShouldSendItsBody()
    {
        var bootstrap = new LambdaBootstrap(_client, (_, _) => Task.FromResult("ok"u8.ToArray()), _clock);

        await bootstrap.InvokeOnceAsync(Event(TimeSpan.FromMinutes(1)), default);

        Assert.Equal("ok"u8.ToArray(), Assert.Single(_client.Responses).Body);
        Assert.Empty(_client.Errors);
        Assert.Equal("Root=1-abc", Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID"));
    }

    [Fact]
    public async Task Invoke_WhenHandlerThrows_ShouldReportTheMessageAndType()
    {
        var bootstrap = new LambdaBootstrap(_client, (_, _) => throw new InvalidOperationException("EC2 said no"), _clock);

        await bootstrap.InvokeOnceAsync(Event(TimeSpan.FromMinutes(1)), default);

        var (id, error) = Assert.Single(_client.Errors);
        Assert.Equal(("req", "EC2 said no", "InvalidOperationException"), (id, error.ErrorMessage, error.ErrorType));
        Assert.Empty(_client.Responses);
    }

    [Fact]
    public async Task Invoke_WhenDeadlineNears_ShouldCancelTheHandlerAndReportDeadlineExceeded()
    {
        var started = new TaskCompletionSource();
        var bootstrap = new LambdaBootstrap(_client, async (_, token) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, token);
            return [];
        }, _clock);

        var run = bootstrap.InvokeOnceAsync(Event(TimeSpan.FromSeconds(10)), default);
        await started.Task;
        _clock.Advance(TimeSpan.FromSeconds(10) - LambdaBootstrap.DeadlineMargin);
        await run;

        var (_, error) = Assert.Single(_client.Errors);
        Assert.Equal("DeadlineExceeded", error.ErrorType);
        Assert.Contains("did not finish before the invocation's deadline", error.ErrorMessage);
    }

    [Fact]
    public async Task Invoke_BeforeTheDeadlineMargin_ShouldNotCancel()
    {
        var release = new TaskCompletionSource();
        var bootstrap = new LambdaBootstrap(_client, async (_, token) =>
        {
            await release.Task.WaitAsync(token);
            return "done"u8.ToArray();
        }, _clock);

        var run = bootstrap.InvokeOnceAsync(Event(TimeSpan.FromSeconds(10)), default);
        _clock.Advance(TimeSpan.FromSeconds(9));
        release.SetResult();
        await run;

        Assert.Single(_client.Responses);
        Assert.Empty(_client.Errors);
    }
}

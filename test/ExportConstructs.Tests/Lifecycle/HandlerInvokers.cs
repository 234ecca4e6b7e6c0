using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using ExportConstructs.Handler.CustomResources;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.Lifecycle;

/// <summary>How the framework model reaches the handler: in-process, or the shipped bootstrap as Lambda runs it.</summary>
internal interface IHandlerInvoker : IAsyncDisposable
{
    Task<OnEventResponse> OnEventAsync(CustomResourceRequest request);
    Task<IsCompleteResponse> IsCompleteAsync(CustomResourceRequest request);
}

/// <summary>The fast layer: the handler's lifecycle called directly.</summary>
internal sealed class InProcessInvoker(HandlerHarness harness) : IHandlerInvoker
{
    public Task<OnEventResponse> OnEventAsync(CustomResourceRequest request) => harness.Lifecycle.OnEventAsync(request, default);
    public Task<IsCompleteResponse> IsCompleteAsync(CustomResourceRequest request) => harness.Lifecycle.IsCompleteAsync(request, default);
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// The real layer: the AOT bootstrap from handler.zip, two processes (handler strings onEvent and
/// isComplete) each behind its own loopback Runtime API, with every AWS endpoint on the fakes.
/// An error the bootstrap posts is thrown, as the framework sees a failed invocation.
/// </summary>
internal sealed class BootstrapInvoker : IHandlerInvoker
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lifecycle-bootstrap-").FullName;
    private readonly (FakeRuntimeApi Api, Process Process) _onEvent, _isComplete;
    private int _invocations;

    /// <param name="aws">Where every AWS endpoint points.</param>
    /// <param name="handlers">The handler strings of the two functions, as the template gives them.</param>
    public BootstrapInvoker(FakeAws aws, (string OnEvent, string IsComplete) handlers)
    {
        ZipFile.ExtractToDirectory(Path.Combine(AppContext.BaseDirectory, "exportconstructs-handler", "handler.zip"), _dir);
        _onEvent = Start(aws, handlers.OnEvent);
        _isComplete = Start(aws, handlers.IsComplete);
    }

    private (FakeRuntimeApi, Process) Start(FakeAws aws, string handler)
    {
        var api = new FakeRuntimeApi();
        var start = new ProcessStartInfo(Path.Combine(_dir, "bootstrap")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in LoopbackClients.BootstrapEnvironment(api, aws, handler)) start.Environment[name] = value;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (api, process);
    }

    public Task<OnEventResponse> OnEventAsync(CustomResourceRequest request) =>
        Task.FromResult(Invoke(_onEvent.Api, request, FrameworkJsonContext.Default.OnEventResponse));

    public Task<IsCompleteResponse> IsCompleteAsync(CustomResourceRequest request) =>
        Task.FromResult(Invoke(_isComplete.Api, request, FrameworkJsonContext.Default.IsCompleteResponse));

    private T Invoke<T>(FakeRuntimeApi api, CustomResourceRequest request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> answer)
    {
        var id = $"lambda-{Interlocked.Increment(ref _invocations)}";
        api.Enqueue(new FakeInvocation(id, JsonSerializer.Serialize(request, FrameworkJsonContext.Default.CustomResourceRequest), DateTimeOffset.UtcNow.AddMinutes(2)));
        var (path, post) = api.NextPost("invocation " + id);
        if (path == $"invocation/{id}/error")
            throw new InvalidOperationException(JsonDocument.Parse(post.Body).RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal($"invocation/{id}/response", path);
        return JsonSerializer.Deserialize(post.Body, answer)!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (api, process) in new[] { _onEvent, _isComplete })
        {
            if (!process.HasExited) process.Kill();
            await process.WaitForExitAsync();
            process.Dispose();
            await api.DisposeAsync();
        }
        Directory.Delete(_dir, true);
    }
}

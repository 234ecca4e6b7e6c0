using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ExportConstructs.Fakes.ProviderFramework;

/// <summary>
/// The CDK Provider framework's real runtime code (framework.js and its siblings, as the cloud
/// assembly ships them) running in one Node.js process, called like Lambda calls its handlers.
/// The framework's AWS SDK v3 clients talk to loopback endpoints, its response PUTs to
/// CloudFormation are redirected to a loopback server, and everything it logs is kept in
/// <see cref="Logs"/>, so a test sees exactly what the deployed framework would do and say.
/// </summary>
internal sealed class FrameworkHost : IAsyncDisposable
{
    /// <summary>The fake access key id the framework's SDK clients sign with; tests look for it in logs.</summary>
    public const string AccessKeyId = "AKIAFRAMEWORKHOST0001";
    /// <summary>The fake secret access key; tests look for it in logs.</summary>
    public const string SecretAccessKey = "framework-host-secret-access-key-not-real";
    /// <summary>The fake session token (Lambda gives every function one); tests look for it in logs.</summary>
    public const string SessionToken = "framework-host-session-token-not-real";
    /// <summary>The region the framework's clients use, as Lambda's AWS_REGION gives it.</summary>
    public const string Region = "us-east-1";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _logs = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly Task _readingLogs;
    private readonly Task _readingAnswers;
    private long _lastId;
    private int _disposed;
    private volatile FrameworkHostException? _ended;

    private FrameworkHost(Process process)
    {
        _process = process;
        _readingLogs = Task.Run(ReadLogsAsync);
        _readingAnswers = Task.Run(ReadAnswersAsync);
    }

    /// <summary>Every line the process wrote to stderr, in order: the framework's console.log output and Node's warnings.</summary>
    public IReadOnlyCollection<string> Logs => _logs;

    /// <summary>The host script, copied next to this assembly by its build.</summary>
    public static string ScriptPath { get; } =
        Path.Combine(Path.GetDirectoryName(typeof(FrameworkHost).Assembly.Location)!, "ProviderFramework", "framework-host.js");

    /// <summary>Starts the process and returns once framework.js (and with it the AWS SDK) is loaded.</summary>
    /// <exception cref="FrameworkHostException">The process could not start or load the framework.</exception>
    public static async Task<FrameworkHost> StartAsync(FrameworkHostOptions options, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path.Combine(options.FrameworkDirectory, "framework.js")))
            throw new FrameworkHostException($"no framework.js in '{options.FrameworkDirectory}'; give the cloud assembly's framework asset directory (FrameworkAssets.Directory)");
        if (!Directory.Exists(Path.Combine(options.NodeModulesDirectory, "@aws-sdk", "client-lambda")))
            throw new FrameworkHostException($"no @aws-sdk/client-lambda under '{options.NodeModulesDirectory}'; run 'npm ci' in the repository root (the test project's build does)");

        var start = new ProcessStartInfo(options.NodeExecutable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(ScriptPath);
        start.ArgumentList.Add(options.FrameworkDirectory);
        foreach (var (name, value) in Environment(options)) start.Environment[name] = value;

        Process process;
        try { process = Process.Start(start) ?? throw new FrameworkHostException($"'{options.NodeExecutable}' did not start"); }
        catch (System.ComponentModel.Win32Exception e) { throw new FrameworkHostException($"cannot run '{options.NodeExecutable}' (Node.js 18 or later is needed): {e.Message}"); }

        var host = new FrameworkHost(process);
        try
        {
            await host._ready.Task.WaitAsync(cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The process environment: the machine's own AWS settings removed (a profile, region or
    /// endpoint of the developer's must not reach the framework), fake credentials and a region as
    /// Lambda gives them, endpoints pointing the SDK at loopback, no config files and no instance
    /// metadata to look for.
    /// </summary>
    private static IEnumerable<(string Name, string? Value)> Environment(FrameworkHostOptions options)
    {
        foreach (var name in System.Environment.GetEnvironmentVariables().Keys.Cast<string>())
            if (name.StartsWith("AWS_", StringComparison.OrdinalIgnoreCase)) yield return (name, null);
        var nowhere = Path.Combine(Path.GetTempPath(), "framework-host-has-no-aws-config-" + Guid.NewGuid().ToString("N"));
        yield return ("NODE_PATH", options.NodeModulesDirectory);
        yield return ("AWS_REGION", Region);
        yield return ("AWS_DEFAULT_REGION", Region);
        yield return ("AWS_ACCESS_KEY_ID", AccessKeyId);
        yield return ("AWS_SECRET_ACCESS_KEY", SecretAccessKey);
        yield return ("AWS_SESSION_TOKEN", SessionToken);
        yield return ("AWS_CONFIG_FILE", nowhere);
        yield return ("AWS_SHARED_CREDENTIALS_FILE", nowhere);
        yield return ("AWS_EC2_METADATA_DISABLED", "true");
        yield return ("AWS_ENDPOINT_URL_LAMBDA", options.LambdaEndpoint.ToString().TrimEnd('/'));
        yield return ("AWS_ENDPOINT_URL_SFN", options.StepFunctionsEndpoint.ToString().TrimEnd('/'));
        yield return ("FRAMEWORK_HOST_RESPONSE_ENDPOINT", options.ResponseEndpoint.ToString());
    }

    /// <summary>
    /// Calls one of framework.js's exports (<c>onEvent</c>, <c>isComplete</c>, <c>onTimeout</c>)
    /// with an event, <paramref name="env"/> set for that call as the framework function's
    /// environment variables (<c>USER_ON_EVENT_FUNCTION_ARN</c>, <c>USER_IS_COMPLETE_FUNCTION_ARN</c>,
    /// <c>WAITER_STATE_MACHINE_ARN</c>). Calls may overlap: each reads its own env.
    /// </summary>
    /// <returns>What Lambda would report: the returned value, or the error thrown.</returns>
    /// <exception cref="FrameworkHostException">The process has ended, or has no such export.</exception>
    public async Task<FrameworkResult> InvokeAsync(string entry, IReadOnlyDictionary<string, string> env, string eventJson, CancellationToken cancellationToken = default)
    {
        var id = Interlocked.Increment(ref _lastId);
        var answer = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        try
        {
            if (_ended is { } ended) throw ended;
            var call = new JsonObject
            {
                ["id"] = id,
                ["entry"] = entry,
                ["env"] = new JsonObject(env.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value))),
                ["event"] = JsonNode.Parse(eventJson),
            };
            await _writing.WaitAsync(cancellationToken);
            try
            {
                await _process.StandardInput.WriteAsync(call.ToJsonString() + "\n");
                await _process.StandardInput.FlushAsync(cancellationToken);
            }
            catch (IOException e) { throw _ended ?? new FrameworkHostException("the framework host process no longer reads its input: " + e.Message); }
            finally { _writing.Release(); }
            return Parse(await answer.Task.WaitAsync(cancellationToken));
        }
        finally { _pending.TryRemove(id, out _); }
    }

    private static FrameworkResult Parse(JsonObject answer)
    {
        if (answer["hostError"] is { } hostError) throw new FrameworkHostException(hostError.GetValue<string>());
        if (answer["ok"]!.GetValue<bool>()) return FrameworkResult.Returned(answer["result"]?.ToJsonString() ?? "null");
        return FrameworkResult.Threw(
            answer["errorType"]!.GetValue<string>(),
            answer["errorMessage"]!.GetValue<string>(),
            answer["trace"]!.AsArray().Select(line => line!.GetValue<string>()).ToList());
    }

    private async Task ReadLogsAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line) _logs.Enqueue(line);
    }

    private async Task ReadAnswersAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            JsonObject message;
            try { message = JsonNode.Parse(line)!.AsObject(); }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                _logs.Enqueue("framework-host: not an answer on stdout: " + line);
                continue;
            }
            if (message["ready"] is not null) _ready.TrySetResult();
            else if (message["id"] is JsonValue id && _pending.TryGetValue(id.GetValue<long>(), out var pending)) pending.TrySetResult(message);
            else _logs.Enqueue("framework-host: answer to no call: " + line);
        }
        // stdout closed: the process has ended. Fail whatever still waits, with its last words.
        await _process.WaitForExitAsync();
        await _readingLogs;
        var lastWords = string.Join("\n", _logs.TakeLast(20));
        var ended = new FrameworkHostException($"the framework host process ended (exit code {_process.ExitCode}); its last output:\n{lastWords}");
        _ended = ended;
        _ready.TrySetException(ended);
        foreach (var waiting in _pending.Values) waiting.TrySetException(ended);
    }

    /// <summary>Kills the process (calls still under way fail) and waits for it to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try { _process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { } // already ended
        await _process.WaitForExitAsync();
        await _readingAnswers;
        _process.Dispose();
        _writing.Dispose();
    }
}

using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using ExportConstructs.Handler.Aws;
using ExportConstructs.Handler.CustomResources;
using ExportConstructs.Handler.Runtime;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using ExportConstructs.Fakes.ProviderFramework;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>A Lambda function as deployed: how to run it, as whom, and where it logs.</summary>
internal sealed record DeployedFunction(string Name, string Arn, string Runtime, string Handler, string RoleName, IReadOnlyDictionary<string, string> Environment, string LogGroup);

/// <summary>Runs the Provider framework's own entry points (framework.onEvent, ...): the real framework.js under Node.js.</summary>
internal interface IFrameworkRuntime
{
    Task<LambdaInvokeResult> InvokeAsync(string entry, IReadOnlyDictionary<string, string> environment, string payload);
}

/// <summary>
/// Lambda as the emulation deploys it: the framework's Node.js functions run the real framework
/// code; our functions run the handler in-process with the credentials of their role (so the fake
/// AWS can decide each call by that role's deployed policies), on the shared fake clock.
/// </summary>
internal sealed class LambdaService(FakeAws aws, IFrameworkRuntime framework, TimeProvider clock)
{
    private readonly Dictionary<string, DeployedFunction> _functions = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Handler, string Role), CustomResourceFunction> _handlers = [];
    private int _invocations;

    /// <summary>Log lines our handler wrote, by log group.</summary>
    public Dictionary<string, List<string>> Logs { get; } = new(StringComparer.Ordinal);

    /// <summary>Every invocation, as (function name, payload).</summary>
    public List<(string Function, string Payload)> Invocations { get; } = [];

    /// <summary>
    /// Decides, once a function has run, whether its invocation fails all the same: the function did
    /// its work (its AWS calls made, its answer sent), then timed out or its runtime died, and its
    /// caller gets a function error. Lambda retries such an asynchronous invocation (CloudFormation's
    /// request to the framework), a state machine's task its Retry (the framework's waiter, the
    /// poller). Given the function, the payload and what it returned. Null: nothing fails.
    /// </summary>
    public Func<DeployedFunction, string, LambdaInvokeResult, bool>? FailAfterRun { get; set; }

    /// <summary>Invocations that <see cref="FailAfterRun"/> turned into a function error, as (function name, payload).</summary>
    public List<(string Function, string Payload)> FailedAfterRun { get; } = [];

    /// <summary>The access key id a role's sessions sign with: the fake AWS maps it back to the role.</summary>
    public static string AccessKeyOf(string roleName) => AccessKeyPrefix + roleName;

    /// <summary>What every role's access key starts with.</summary>
    public const string AccessKeyPrefix = "ASIAROLE";

    public void Deploy(DeployedFunction function)
    {
        _functions[function.Name] = function;
        foreach (var key in _handlers.Keys.Where(k => k.Role == function.RoleName).ToList()) _handlers.Remove(key);
    }

    public void Remove(string name) => _functions.Remove(name);

    public DeployedFunction? Find(string nameOrArn) =>
        _functions.GetValueOrDefault(nameOrArn.Split(':')[^1]) ?? _functions.Values.FirstOrDefault(f => f.Arn == nameOrArn);

    /// <summary>Invokes a function, as Lambda's Invoke does: a function error comes back as a payload, not an exception.</summary>
    public async Task<LambdaInvokeResult> InvokeAsync(string nameOrArn, string payload)
    {
        var function = Find(nameOrArn) ?? throw new InvalidOperationException($"Function not found: {nameOrArn}");
        lock (Invocations) Invocations.Add((function.Name, payload));
        var result = function.Handler.StartsWith("framework.", StringComparison.Ordinal)
            ? await framework.InvokeAsync(function.Handler["framework.".Length..], function.Environment, payload)
            : await RunAsync(function, payload);
        if (FailAfterRun?.Invoke(function, payload, result) != true) return result;
        lock (FailedAfterRun) FailedAfterRun.Add((function.Name, payload));
        // What Lambda answers for a function that outlived its timeout.
        return new LambdaInvokeResult("""{"errorType":"Sandbox.Timedout","errorMessage":"Task timed out after 900.00 seconds"}""", "Unhandled");
    }

    private async Task<LambdaInvokeResult> RunAsync(DeployedFunction function, string payload)
    {
        try
        {
            var result = await Handler(function).InvokeAsync(
                new Invocation($"lambda-{Interlocked.Increment(ref _invocations)}", clock.GetUtcNow().AddMinutes(2), function.Arn, null, Encoding.UTF8.GetBytes(payload)),
                CancellationToken.None);
            return new LambdaInvokeResult(Encoding.UTF8.GetString(result));
        }
        catch (Exception e)
        {
            // What the bootstrap posts to invocation/{id}/error, and Lambda hands the caller.
            Log(function.LogGroup, $"ERROR {e.GetType().Name}: {e.Message}");
            return new LambdaInvokeResult(JsonSerializer.Serialize(ErrorReport.From(e), RuntimeJsonContext.Default.ErrorReport), "Unhandled");
        }
    }

    private CustomResourceFunction Handler(DeployedFunction function)
    {
        var key = (function.Handler, function.RoleName);
        if (!_handlers.TryGetValue(key, out var handler))
        {
            var credentials = new BasicAWSCredentials(AccessKeyOf(function.RoleName), "fake-secret-of-" + function.RoleName);
            var services = LoopbackClients.For(aws, credentials);
            _handlers[key] = handler = AwsClients.Function(services, clock, line => Log(function.LogGroup, line), function.Handler);
        }
        return handler;
    }

    private void Log(string group, string line)
    {
        lock (Logs)
        {
            if (!Logs.TryGetValue(group, out var lines)) Logs[group] = lines = [];
            lines.Add(line);
        }
    }
}

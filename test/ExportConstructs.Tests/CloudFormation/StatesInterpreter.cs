using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Fakes.ProviderFramework;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// Runs Step Functions executions (the Provider framework's waiter, our poller) from the state
/// machine definition in the deployed template: Task (a Lambda function ARN), Wait, Choice, Pass,
/// Succeed, Fail, with Retry, Catch, ResultPath and the execution's TimeoutSeconds, each step on
/// the <see cref="Scheduler"/>'s virtual clock. Only what our templates use; anything else throws.
/// </summary>
internal sealed class StatesInterpreter(Scheduler scheduler, Func<string, string, Task<LambdaInvokeResult>> invoke)
{
    /// <summary>One execution and where it stands.</summary>
    public sealed class Execution
    {
        public required string Arn { get; init; }
        public required string Name { get; init; }
        public required JsonObject Definition { get; init; }
        public required DateTimeOffset Started { get; init; }
        public string Status { get; set; } = "RUNNING";
        public string? Error { get; set; }
        public List<string> History { get; } = [];
        /// <summary>Attempts made so far by each retrier of the current state.</summary>
        internal Dictionary<int, int> Attempts { get; } = [];
    }

    private readonly Dictionary<string, Execution> _executions = new(StringComparer.Ordinal);

    /// <summary>Every execution started, by ARN.</summary>
    public IReadOnlyDictionary<string, Execution> Executions => _executions;

    /// <summary>Executions still running.</summary>
    public IEnumerable<Execution> Running => _executions.Values.Where(e => e.Status == "RUNNING");

    /// <summary>Starts an execution; its first state runs as soon as the scheduler gets to it.</summary>
    public Execution Start(string arn, string name, string definition, string input)
    {
        var execution = new Execution { Arn = arn, Name = name, Definition = JsonNode.Parse(definition)!.AsObject(), Started = scheduler.Now };
        _executions[arn] = execution;
        var first = execution.Definition["StartAt"]!.GetValue<string>();
        scheduler.After(TimeSpan.Zero, () => RunAsync(execution, first, JsonNode.Parse(input)));
        return execution;
    }

    /// <summary>Stops an execution, as StopExecution does: no further state runs.</summary>
    public void Stop(string arn)
    {
        if (_executions.TryGetValue(arn, out var e) && e.Status == "RUNNING") e.Status = "ABORTED";
    }

    private async Task RunAsync(Execution execution, string stateName, JsonNode? input)
    {
        if (execution.Status != "RUNNING") return;
        if (execution.Definition["TimeoutSeconds"] is { } limit && scheduler.Now - execution.Started >= TimeSpan.FromSeconds(limit.GetValue<int>()))
        {
            End(execution, "TIMED_OUT", "States.Timeout");
            return;
        }
        var state = execution.Definition["States"]![stateName]!.AsObject();
        execution.History.Add(stateName);
        switch (state["Type"]!.GetValue<string>())
        {
            case "Task":
                var resource = state["Resource"]!.GetValue<string>();
                var outcome = await invoke(resource, input?.ToJsonString() ?? "{}");
                if (execution.Status != "RUNNING") return;
                if (outcome.FunctionError is null)
                {
                    execution.Attempts.Clear();
                    var result = string.IsNullOrEmpty(outcome.Payload) ? null : JsonNode.Parse(outcome.Payload);
                    Next(execution, state, Place(input, result, state, "ResultPath"));
                    return;
                }
                var error = JsonNode.Parse(outcome.Payload)?["errorType"]?.GetValue<string>() ?? outcome.FunctionError;
                Fail(execution, stateName, state, input, error, outcome.Payload);
                return;
            case "Wait":
                var seconds = state["Seconds"]?.GetValue<int>() ?? Read(input, state["SecondsPath"]!.GetValue<string>())!.GetValue<int>();
                scheduler.After(TimeSpan.FromSeconds(seconds), () => RunAsync(execution, state["Next"]!.GetValue<string>(), input));
                return;
            case "Choice":
                foreach (var choice in state["Choices"]!.AsArray())
                {
                    if (!Matches(choice!.AsObject(), input)) continue;
                    scheduler.After(TimeSpan.Zero, () => RunAsync(execution, choice["Next"]!.GetValue<string>(), input));
                    return;
                }
                var fallback = state["Default"]?.GetValue<string>() ?? throw new InvalidOperationException($"Choice {stateName} matched nothing and has no Default");
                scheduler.After(TimeSpan.Zero, () => RunAsync(execution, fallback, input));
                return;
            case "Pass":
                Next(execution, state, input);
                return;
            case "Succeed":
                End(execution, "SUCCEEDED", null);
                return;
            case "Fail":
                End(execution, "FAILED", state["Error"]?.GetValue<string>());
                return;
            default:
                throw new NotSupportedException($"State type {state["Type"]} is not emulated.");
        }
    }

    private void Next(Execution execution, JsonObject state, JsonNode? output)
    {
        if (state["End"]?.GetValue<bool>() == true) End(execution, "SUCCEEDED", null);
        else scheduler.After(TimeSpan.Zero, () => RunAsync(execution, state["Next"]!.GetValue<string>(), output));
    }

    private void Fail(Execution execution, string stateName, JsonObject state, JsonNode? input, string error, string cause)
    {
        var retriers = state["Retry"]?.AsArray() ?? [];
        for (var i = 0; i < retriers.Count; i++)
        {
            var retrier = retriers[i]!.AsObject();
            if (!Catches(retrier, error)) continue;
            var made = execution.Attempts.GetValueOrDefault(i);
            var max = retrier["MaxAttempts"]?.GetValue<int>() ?? 3;
            if (made >= max) break;
            execution.Attempts[i] = made + 1;
            var delay = (retrier["IntervalSeconds"]?.GetValue<double>() ?? 1) * Math.Pow(retrier["BackoffRate"]?.GetValue<double>() ?? 2, made);
            scheduler.After(TimeSpan.FromSeconds(delay), () => RunAsync(execution, stateName, input));
            return;
        }
        execution.Attempts.Clear();
        foreach (var catcher in state["Catch"]?.AsArray() ?? [])
        {
            if (!Catches(catcher!.AsObject(), error)) continue;
            var output = Place(input, new JsonObject { ["Error"] = error, ["Cause"] = cause }, catcher!.AsObject(), "ResultPath");
            scheduler.After(TimeSpan.Zero, () => RunAsync(execution, catcher["Next"]!.GetValue<string>(), output));
            return;
        }
        End(execution, "FAILED", error);
    }

    private static void End(Execution execution, string status, string? error)
    {
        execution.Status = status;
        execution.Error = error;
    }

    private static bool Catches(JsonObject rule, string error) => rule["ErrorEquals"]!.AsArray().Select(e => e!.GetValue<string>())
        .Any(e => e == "States.ALL" || e == error || (e == "States.TaskFailed" && error != "States.Timeout"));

    private static bool Matches(JsonObject choice, JsonNode? input)
    {
        var value = Read(input, choice["Variable"]!.GetValue<string>());
        if (choice["BooleanEquals"] is { } b) return value is JsonValue v && v.TryGetValue<bool>(out var x) && x == b.GetValue<bool>();
        if (choice["StringEquals"] is { } s) return value is JsonValue v2 && v2.TryGetValue<string>(out var y) && y == s.GetValue<string>();
        if (choice["IsPresent"] is { } p) return (value is not null) == p.GetValue<bool>();
        throw new NotSupportedException("Choice rule not emulated: " + choice.ToJsonString());
    }

    /// <summary>Reads a simple path such as <c>$.Poll.Done</c>.</summary>
    private static JsonNode? Read(JsonNode? node, string path)
    {
        foreach (var part in path.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries)) node = node?[part];
        return node;
    }

    /// <summary>Places a result in the input at ResultPath (absent: the result replaces the input; null: the input is kept).</summary>
    private static JsonNode? Place(JsonNode? input, JsonNode? result, JsonObject state, string field)
    {
        if (!state.TryGetPropertyValue(field, out var resultPath)) return result;
        if (resultPath is null) return input;
        var path = resultPath.GetValue<string>();
        if (path == "$") return result;
        var copy = input?.DeepClone() ?? new JsonObject();
        var parts = path.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries);
        var target = copy;
        foreach (var part in parts[..^1]) target = target[part] ??= new JsonObject();
        target[parts[^1]] = result?.DeepClone();
        return copy;
    }
}

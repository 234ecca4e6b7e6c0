using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// CloudFormation as it really runs a stack's operations, rule by rule from aws-facts §6, on the
/// <see cref="Scheduler"/>'s virtual clock:
/// <list type="bullet">
/// <item>resources are created and updated in dependency order; Ref, GetAtt, Join and Sub resolve from what is deployed;</item>
/// <item>a custom resource's ServiceToken cannot change;</item>
/// <item>custom resources are invoked through their ServiceToken (the real framework.js) and heard only
///   through the response PUT; an answer over 4096 bytes is refused; no answer within ServiceTimeout
///   (or a cancelled operation) leaves CloudFormation with an id it generates itself;</item>
/// <item>the physical id of a FAILED answer is recorded, and a new id on Update means replacement;</item>
/// <item>a failed Update rolls back: updated resources get an Update with the properties swapped,
///   new ones a Delete; undocumented variants are chosen by <see cref="ReplacementRollback"/> and
///   <see cref="UnansweredUpdateRollback"/>;</item>
/// <item>after a successful Update, replaced and removed resources are deleted last, in the old
///   template's reverse dependency order, with whatever IAM policies exist at that moment; a failed
///   cleanup Delete is dropped with a warning;</item>
/// <item>a WaitCondition waits for its signals up to its Timeout.</item>
/// </list>
/// IAM policies and Lambda functions are "deployed" into the emulation's state, so the fake AWS
/// decides every call by the policies that exist at the moment of the call.
/// </summary>
internal sealed class CloudFormationEmulator
{
    /// <summary>CloudFormation refuses a custom resource response body over this size.</summary>
    public const int MaxResponseBytes = 4096;
    /// <summary>A custom resource's default ServiceTimeout.</summary>
    public static readonly TimeSpan DefaultServiceTimeout = TimeSpan.FromHours(1);
    /// <summary>The host of CloudFormation's presigned response URLs (S3, us-east-1).</summary>
    public const string ResponseHost = "cloudformation-custom-resource-response-useast1.s3.amazonaws.com";

    private readonly Scheduler _scheduler;
    private readonly FakeAws _aws;
    private readonly Dictionary<string, DeployedResource> _deployed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CustomResourceExchange> _byPath = new(StringComparer.Ordinal);
    private readonly HashSet<string> _failOn = new(StringComparer.Ordinal);
    private readonly HashSet<string> _knownExecutions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _awaitingSignals = new(StringComparer.Ordinal);
    private Dictionary<string, string> _parameters = [];
    private int _counter;
    private int _operation;
    private bool _cancelled;

    public CloudFormationEmulator(FakeAws aws, Scheduler scheduler, IFrameworkRuntime framework, string stackName = "Sample")
    {
        _aws = aws;
        _scheduler = scheduler;
        StackName = stackName;
        StackId = $"arn:aws:cloudformation:{ResourceModels.Region}:{ResourceModels.Account}:stack/{stackName}/5b6c7d8e-0000-4000-8000-000000000000";
        Lambda = new LambdaService(aws, framework, scheduler.Clock);
        aws.SignalTarget = SignalRefusal;
        aws.StackStatus = _ => Status;
        aws.StackResource = (stack, logicalId) => stack == StackId || stack == StackName ? _deployed.GetValueOrDefault(logicalId)?.PhysicalId : null;
        States = new StatesInterpreter(scheduler, Lambda.InvokeAsync);
    }

    public string StackName { get; }
    public string StackId { get; }
    public LambdaService Lambda { get; }
    public StatesInterpreter States { get; }
    public StackTemplate? Template { get; private set; }
    public string Status { get; private set; } = "NONE";

    /// <summary>What CloudFormation holds, by logical id.</summary>
    public IReadOnlyDictionary<string, DeployedResource> Resources => _deployed;

    /// <summary>The stack's events, in order.</summary>
    public List<StackEvent> Events { get; } = [];

    /// <summary>Every request CloudFormation sent a custom resource, in order, with what came back.</summary>
    public List<CustomResourceExchange> Exchanges { get; } = [];

    /// <summary>Warnings such as "One or more resources could not be deleted".</summary>
    public List<string> Warnings { get; } = [];

    public ReplacementRollback ReplacementRollback { get; set; } = ReplacementRollback.DeleteNew;
    public UnansweredUpdateRollback UnansweredUpdateRollback { get; set; } = UnansweredUpdateRollback.RollbackUpdate;

    /// <summary>The stack operation is cancelled this long after it started (a user's cancel-update-stack, or a pipeline's timeout).</summary>
    public TimeSpan? CancelAfter { get; set; }

    /// <summary>Creating or updating this resource fails (something else in the stack breaks), so the operation rolls back.</summary>
    public void FailOn(string logicalId) => _failOn.Add(logicalId);

    /// <summary>The exchanges of one resource.</summary>
    public IEnumerable<CustomResourceExchange> ExchangesOf(string logicalId) => Exchanges.Where(e => e.LogicalId == logicalId);

    // ------------------------------------------------------------------ stack operations

    public async Task<string> CreateStackAsync(StackTemplate template, IReadOnlyDictionary<string, string>? parameters = null)
    {
        Begin(template, parameters, "CREATE_IN_PROGRESS");
        var done = new List<string>();
        foreach (var id in template.Order)
        {
            var failure = await CreateAsync(template[id]!);
            if (failure is not null)
            {
                Event(id, "CREATE_FAILED", failure);
                Status = "ROLLBACK_IN_PROGRESS";
                _cancelled = false;
                var clean = true;
                foreach (var created in Enumerable.Reverse(done.Append(id).ToList()))
                    clean &= await DeleteAsync(created) is null;
                return Status = clean ? "ROLLBACK_COMPLETE" : "ROLLBACK_FAILED";
            }
            done.Add(id);
        }
        return Status = "CREATE_COMPLETE";
    }

    public async Task<string> UpdateStackAsync(StackTemplate template, IReadOnlyDictionary<string, string>? parameters = null)
    {
        var previous = Template ?? throw new InvalidOperationException("No stack to update.");
        var previousParameters = _parameters;
        Begin(template, parameters, "UPDATE_IN_PROGRESS");
        var changes = new List<Change>();
        string? failure = null;
        foreach (var id in template.Order)
        {
            var resource = template[id]!;
            if (!_deployed.TryGetValue(id, out var current) || current.Type != resource.Type)
            {
                if (current is not null) changes.Add(new Change(id, ChangeKind.Replaced, current));
                changes.Add(new Change(id, ChangeKind.Created, null));
                failure = await CreateAsync(resource);
            }
            else
            {
                var properties = Resolve(resource.Properties);
                if (JsonNode.DeepEquals(properties, current.Properties) && !_failOn.Contains(id)) continue;
                failure = await UpdateAsync(current, properties, changes);
            }
            if (failure is null) continue;
            Event(id, "UPDATE_FAILED", failure);
            Template = previous;
            _parameters = previousParameters;
            return Status = await RollBackAsync(changes) ? "UPDATE_ROLLBACK_COMPLETE" : "UPDATE_ROLLBACK_FAILED";
        }
        Status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS";
        // Replaced and removed resources go last, in the old template's reverse dependency order.
        foreach (var id in previous.Order.Reverse())
        {
            foreach (var replaced in changes.Where(c => c.LogicalId == id && c.Kind == ChangeKind.Replaced))
                await CleanUpAsync(replaced.Before!);
            if (template[id] is null && _deployed.TryGetValue(id, out var removed))
                await CleanUpAsync(removed);
        }
        return Status = "UPDATE_COMPLETE";
    }

    public async Task<string> DeleteStackAsync()
    {
        var template = Template ?? throw new InvalidOperationException("No stack to delete.");
        _cancelled = false;
        Status = "DELETE_IN_PROGRESS";
        _operation++;
        foreach (var id in template.Order.Reverse().Where(_deployed.ContainsKey).ToList())
        {
            var failure = await DeleteAsync(id);
            if (failure is not null) return Status = "DELETE_FAILED";
        }
        return Status = "DELETE_COMPLETE";
    }

    /// <summary>Runs the virtual clock on (pollers, waiters) until <paramref name="done"/> holds or nothing is left to run.</summary>
    public Task<bool> RunUntilAsync(Func<bool> done) => _scheduler.RunUntilAsync(() => { Reconcile(); return done(); });

    /// <summary>Runs the virtual clock on until <paramref name="until"/>, then reconciles.</summary>
    public async Task RunForAsync(TimeSpan span)
    {
        var until = _scheduler.Now + span;
        do
        {
            await _scheduler.RunToAsync(until);
            Reconcile();
        } while (_scheduler.Now < until);
    }

    private void Begin(StackTemplate template, IReadOnlyDictionary<string, string>? parameters, string status)
    {
        Template = template;
        _parameters = template.ParameterDefaults();
        foreach (var (k, v) in parameters ?? new Dictionary<string, string>()) _parameters[k] = v;
        _cancelled = false;
        Status = status;
        var operation = ++_operation;
        if (CancelAfter is { } after)
            _scheduler.After(after, () => { _cancelled |= operation == _operation && Status == status; return Task.CompletedTask; });
    }

    // ------------------------------------------------------------------ one resource

    private enum ChangeKind { Created, Updated, Replaced }

    /// <summary>What an operation did to a resource, to undo on rollback. <see cref="Before"/> is what CloudFormation held before.</summary>
    private sealed record Change(string LogicalId, ChangeKind Kind, DeployedResource? Before, bool Answered = true, JsonObject? Attempted = null);

    private async Task<string?> CreateAsync(TemplateResource resource)
    {
        var id = resource.LogicalId;
        Event(id, "CREATE_IN_PROGRESS");
        if (_failOn.Contains(id)) return "Injected failure (the emulation was told to fail this resource).";
        JsonObject properties;
        try { properties = Resolve(resource.Properties); }
        catch (AttributeMissingException e) { return e.Message; }
        if (_cancelled) return "Resource creation cancelled";
        if (!resource.Type.StartsWith("Custom::", StringComparison.Ordinal) && resource.Type != "AWS::CloudFormation::CustomResource")
            return await CreatePlainAsync(resource, properties);

        var exchange = await SendAsync(id, "Create", properties, null, null);
        if (exchange.Answer is not { } answer)
        {
            // No answer, no id: CloudFormation makes one up, and the rollback Delete carries it.
            Hold(id, resource.Type, Generated(id), properties, []);
            return exchange.NoAnswer;
        }
        if (answer.PhysicalResourceId is not { Length: > 0 } physical)
        {
            Hold(id, resource.Type, Generated(id), properties, []);
            return "Invalid PhysicalResourceId";
        }
        Hold(id, resource.Type, physical, properties, answer.Data.ToDictionary(d => d.Key, d => (JsonNode?)d.Value));
        if (answer.Status != "SUCCESS") return answer.Reason;
        Event(id, "CREATE_COMPLETE", null, physical);
        return null;
    }

    private async Task<string?> UpdateAsync(DeployedResource current, JsonObject properties, List<Change> changes)
    {
        var id = current.LogicalId;
        Event(id, "UPDATE_IN_PROGRESS");
        if (_failOn.Contains(id)) return "Injected failure (the emulation was told to fail this resource).";
        if (!current.IsCustom)
        {
            changes.Add(new Change(id, ChangeKind.Updated, current));
            ApplyPlain(current with { Properties = properties });
            Event(id, "UPDATE_COMPLETE", null, current.PhysicalId);
            return null;
        }
        if (current.Properties["ServiceToken"]?.ToJsonString() != properties["ServiceToken"]?.ToJsonString())
            return "Modifying service token is not allowed.";
        var exchange = await SendAsync(id, "Update", properties, current.Properties, current.PhysicalId);
        if (exchange.Answer is not { } answer)
        {
            // CloudFormation tried these properties: its rollback Update names them as the old ones.
            changes.Add(new Change(id, ChangeKind.Updated, current, Answered: false, Attempted: properties));
            return exchange.NoAnswer;
        }
        var physical = answer.PhysicalResourceId is { Length: > 0 } p ? p : current.PhysicalId;
        var replaced = physical != current.PhysicalId;
        changes.Add(new Change(id, replaced ? ChangeKind.Replaced : ChangeKind.Updated, current));
        // The id of a FAILED answer is recorded too (aws-facts §6): CloudFormation holds it from now on.
        Hold(id, current.Type, physical, properties, answer.Data.ToDictionary(d => d.Key, d => (JsonNode?)d.Value));
        if (answer.Status != "SUCCESS") return answer.Reason;
        Event(id, "UPDATE_COMPLETE", null, physical);
        return null;
    }

    /// <summary>Deletes what CloudFormation holds under a logical id; null when it went, else the reason.</summary>
    private async Task<string?> DeleteAsync(string logicalId)
    {
        if (!_deployed.TryGetValue(logicalId, out var resource)) return null;
        var failure = await DeleteResourceAsync(resource);
        if (failure is null) _deployed.Remove(logicalId);
        return failure;
    }

    private async Task<string?> DeleteResourceAsync(DeployedResource resource)
    {
        var id = resource.LogicalId;
        Event(id, "DELETE_IN_PROGRESS", null, resource.PhysicalId);
        if (!resource.IsCustom)
        {
            RemovePlain(resource);
            Event(id, "DELETE_COMPLETE", null, resource.PhysicalId);
            return null;
        }
        var exchange = await SendAsync(id, "Delete", resource.Properties, null, resource.PhysicalId);
        var failure = exchange.Answer switch
        {
            null => exchange.NoAnswer,
            { Status: "SUCCESS" } => null,
            { } a => a.Reason,
        };
        Event(id, failure is null ? "DELETE_COMPLETE" : "DELETE_FAILED", failure, resource.PhysicalId);
        return failure;
    }

    /// <summary>A cleanup-phase Delete: a failure is retried once, then dropped with a warning, and the stack still succeeds.</summary>
    private async Task CleanUpAsync(DeployedResource resource)
    {
        var failure = await DeleteResourceAsync(resource);
        if (failure is not null) failure = await DeleteResourceAsync(resource);
        if (failure is not null) Warnings.Add($"Update successful. One or more resources could not be deleted: {resource.LogicalId} ({resource.PhysicalId}): {failure}");
        if (_deployed.TryGetValue(resource.LogicalId, out var held) && held.PhysicalId == resource.PhysicalId && Template?[resource.LogicalId] is null)
            _deployed.Remove(resource.LogicalId);
    }

    private async Task<bool> RollBackAsync(List<Change> changes)
    {
        Status = "UPDATE_ROLLBACK_IN_PROGRESS";
        _cancelled = false;
        var cleanup = new List<DeployedResource>();
        foreach (var change in Enumerable.Reverse(changes).ToList())
        {
            var held = _deployed.GetValueOrDefault(change.LogicalId);
            switch (change.Kind)
            {
                case ChangeKind.Created:
                    if (held is not null) cleanup.Add(held);
                    _deployed.Remove(change.LogicalId);
                    break;
                case ChangeKind.Replaced when change.Before is { } before && held is not null && held.PhysicalId != before.PhysicalId:
                    if (ReplacementRollback == ReplacementRollback.DeleteNew || !held.IsCustom)
                    {
                        cleanup.Add(held);
                        _deployed[change.LogicalId] = before;
                        if (!before.IsCustom) ApplyPlain(before);
                    }
                    else if (!await RollBackUpdateAsync(held, before, cleanup)) return false;
                    break;
                case ChangeKind.Replaced when change.Before is { } before:
                    // The type changed: the new resource was created (and is deleted above); the old one stays.
                    _deployed[change.LogicalId] = before;
                    break;
                case ChangeKind.Updated when change.Before is { } before:
                    if (!before.IsCustom)
                    {
                        ApplyPlain(before);
                        break;
                    }
                    if (!change.Answered && UnansweredUpdateRollback == UnansweredUpdateRollback.DeleteGeneratedId)
                    {
                        cleanup.Add(before with { PhysicalId = Generated(change.LogicalId) });
                        _deployed[change.LogicalId] = before;
                        break;
                    }
                    if (!await RollBackUpdateAsync(held ?? before, before, cleanup, change.Attempted)) return false;
                    break;
            }
        }
        Status = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS";
        foreach (var resource in cleanup) await CleanUpAsync(resource);
        return true;
    }

    /// <summary>The Update CloudFormation sends to undo one: the properties before as the new ones, the failed ones as old.</summary>
    private async Task<bool> RollBackUpdateAsync(DeployedResource held, DeployedResource before, List<DeployedResource> cleanup, JsonObject? attempted = null)
    {
        var id = held.LogicalId;
        Event(id, "UPDATE_IN_PROGRESS", "rollback");
        var exchange = await SendAsync(id, "Update", before.Properties, attempted ?? held.Properties, held.PhysicalId, rollback: true);
        if (exchange.Answer is not { Status: "SUCCESS" } answer)
        {
            Event(id, "UPDATE_FAILED", exchange.Answer?.Reason ?? exchange.NoAnswer, held.PhysicalId);
            return false;
        }
        var physical = answer.PhysicalResourceId ?? held.PhysicalId;
        if (physical != held.PhysicalId) cleanup.Add(held);
        Hold(id, held.Type, physical, before.Properties, answer.Data.ToDictionary(d => d.Key, d => (JsonNode?)d.Value));
        Event(id, "UPDATE_COMPLETE", "rollback", physical);
        return true;
    }

    // ------------------------------------------------------------------ custom resources

    private async Task<CustomResourceExchange> SendAsync(string logicalId, string requestType, JsonObject properties, JsonObject? old, string? physicalId, bool rollback = false)
    {
        var requestId = $"{++_counter:x8}-cfn0-4000-8000-{logicalId.Length:x4}00000000";
        var path = $"/{Uri.EscapeDataString(StackId)}%7C{logicalId}%7C{requestId}";
        var exchange = new CustomResourceExchange
        {
            LogicalId = logicalId,
            RequestType = requestType,
            RequestId = requestId,
            // Presigned like CloudFormation's: the credential in it must never reach a log of ours.
            ResponseUrl = $"https://{ResponseHost}{path}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261129T120000Z&X-Amz-SignedHeaders=host&X-Amz-Expires=7200&X-Amz-Credential=AKIACFNRESPONSEKEY01%2F20261129%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=0123456789abcdef",
            PhysicalResourceId = physicalId,
            ResourceProperties = properties,
            OldResourceProperties = old,
            Sent = _scheduler.Now,
            Rollback = rollback,
        };
        Exchanges.Add(exchange);
        lock (_byPath) _byPath[path] = exchange;
        var request = new JsonObject
        {
            ["RequestType"] = requestType,
            ["ServiceToken"] = properties["ServiceToken"]?.DeepClone(),
            ["ResponseURL"] = exchange.ResponseUrl,
            ["StackId"] = StackId,
            ["RequestId"] = requestId,
            ["LogicalResourceId"] = logicalId,
            ["ResourceType"] = Template?[logicalId]?.Type ?? _deployed[logicalId].Type,
            ["ResourceProperties"] = properties.DeepClone(),
        };
        if (physicalId is not null) request["PhysicalResourceId"] = physicalId;
        if (old is not null) request["OldResourceProperties"] = old.DeepClone();
        var token = properties["ServiceToken"]?.GetValue<string>() ?? throw new InvalidOperationException($"{logicalId} has no ServiceToken");
        // CloudFormation invokes the function asynchronously; Lambda retries a failed async invocation twice.
        _scheduler.After(TimeSpan.Zero, () => InvokeAsync(token, request.ToJsonString(), retriesLeft: 2));
        var timeout = properties["ServiceTimeout"] is { } t ? TimeSpan.FromSeconds(int.Parse(t.ToString())) : DefaultServiceTimeout;
        _scheduler.After(timeout, () =>
        {
            if (!exchange.Settled) exchange.NoAnswer = $"CloudFormation did not receive a response from your Custom Resource within {timeout.TotalSeconds} s (failed to stabilize).";
            return Task.CompletedTask;
        });
        await RunUntilAsync(() =>
        {
            if (_cancelled && !exchange.Settled) exchange.NoAnswer = "Resource update cancelled";
            return exchange.Settled;
        });
        if (!exchange.Settled) exchange.NoAnswer = "Nothing was left to run and no answer came (the emulation stalled).";
        return exchange;
    }

    private async Task InvokeAsync(string function, string payload, int retriesLeft)
    {
        var outcome = await Lambda.InvokeAsync(function, payload);
        if (outcome.FunctionError is not null && retriesLeft > 0)
            _scheduler.After(TimeSpan.FromMinutes(3 - retriesLeft), () => InvokeAsync(function, payload, retriesLeft - 1));
    }

    /// <summary>
    /// A response PUT to a ResponseURL (from the framework host's interception of https.request).
    /// CloudFormation reads the object: a body over 4096 bytes is refused, an answer after it stopped listening is ignored.
    /// </summary>
    public void ReceiveResponse(string path, string body)
    {
        CustomResourceExchange? exchange;
        lock (_byPath) _byPath.TryGetValue(path.Split('?')[0], out exchange);
        if (exchange is null) throw new InvalidOperationException($"A response for an unknown request: {path}");
        var bytes = Encoding.UTF8.GetByteCount(body);
        CustomResourceAnswer answer;
        if (bytes > MaxResponseBytes)
            answer = new CustomResourceAnswer("FAILED", "Response object is too long.", exchange.PhysicalResourceId, [], bytes);
        else
        {
            var json = JsonNode.Parse(body)!.AsObject();
            var data = json["Data"] is JsonObject d ? d.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? "") : [];
            answer = new CustomResourceAnswer(json["Status"]!.GetValue<string>(), json["Reason"]?.GetValue<string>() ?? "",
                json["PhysicalResourceId"]?.GetValue<string>(), data, bytes);
        }
        if (exchange.Settled) exchange.Late.Add(answer);
        else exchange.Answer = answer;
    }

    // ------------------------------------------------------------------ everything else

    private async Task<string?> CreatePlainAsync(TemplateResource resource, JsonObject properties)
    {
        var (physical, attributes) = ResourceModels.Provision(StackName, resource.LogicalId, resource.Type, properties, Suffix());
        var deployed = new DeployedResource(resource.LogicalId, resource.Type, physical, properties, attributes);
        _deployed[resource.LogicalId] = deployed;
        ApplyPlain(deployed);
        if (resource.Type == "AWS::CloudFormation::WaitConditionHandle" || resource.Type == "AWS::CloudFormation::WaitCondition" && resource.CreationPolicy is null)
            return "This emulation models WaitConditions with a CreationPolicy only (signals through SignalResource).";
        if (resource.CreationPolicy is { } policy && await WaitForSignalsAsync(resource.LogicalId, policy.GetProperty("ResourceSignal")) is { } failure)
            return failure;
        Event(resource.LogicalId, "CREATE_COMPLETE", null, physical);
        return null;
    }

    /// <summary>Side effects of a deployed resource: functions that can run, state machines that can start.</summary>
    private void ApplyPlain(DeployedResource resource)
    {
        _deployed[resource.LogicalId] = resource;
        if (resource.Type != "AWS::Lambda::Function") return;
        var p = resource.Properties;
        var environment = (p["Environment"]?["Variables"] as JsonObject)?.ToDictionary(v => v.Key, v => v.Value!.ToString()) ?? [];
        var role = p["Role"]!.GetValue<string>().Split('/')[^1];
        var logGroup = p["LoggingConfig"]?["LogGroup"]?.GetValue<string>() ?? "/aws/lambda/" + resource.PhysicalId;
        Lambda.Deploy(new DeployedFunction(resource.PhysicalId, resource.Attributes["Arn"]!.GetValue<string>(), p["Runtime"]!.GetValue<string>(),
            p["Handler"]!.GetValue<string>(), role, environment, logGroup));
    }

    private void RemovePlain(DeployedResource resource)
    {
        if (resource.Type == "AWS::Lambda::Function") Lambda.Remove(resource.PhysicalId);
    }

    /// <summary>
    /// A resource with a CreationPolicy: created, then waiting for <c>Count</c> SUCCESS signals
    /// through SignalResource up to its <c>Timeout</c>. Signals count only while it waits (the fake
    /// refuses others, as CloudFormation does); a FAILURE signal fails it at once, with no reason.
    /// </summary>
    private async Task<string?> WaitForSignalsAsync(string logicalId, JsonElement policy)
    {
        var count = policy.TryGetProperty("Count", out var c) ? int.Parse(c.ToString()) : 1;
        var timeout = policy.TryGetProperty("Timeout", out var t) ? System.Xml.XmlConvert.ToTimeSpan(t.GetString()!) : TimeSpan.FromMinutes(5);
        var timedOut = false;
        var from = _aws.ResourceSignals.Count;
        _awaitingSignals.Add(logicalId);
        _scheduler.After(timeout, () => { timedOut = true; return Task.CompletedTask; });
        List<FakeResourceSignal> Signals() => _aws.ResourceSignals.Skip(from).Where(r => r.LogicalResourceId == logicalId).ToList();
        await RunUntilAsync(() => timedOut || _cancelled || Signals().Count(x => x.Status == "SUCCESS") >= count || Signals().Any(x => x.Status == "FAILURE"));
        _awaitingSignals.Remove(logicalId);
        var signals = Signals();
        if (signals.FirstOrDefault(x => x.Status == "FAILURE") is { } failed)
            return $"Received FAILURE signal with UniqueId {failed.UniqueId}";
        if (signals.Count(x => x.Status == "SUCCESS") >= count) return null;
        return _cancelled ? "Resource creation cancelled" : $"Failed to receive {count} resource signal(s) within the specified duration";
    }

    /// <summary>What CloudFormation answers a SignalResource call: null to take it, else the ValidationError's message.</summary>
    private string? SignalRefusal(string stack, string logicalId)
    {
        if (stack != StackId && stack != StackName) return $"Stack with id {stack} does not exist";
        if (!Status.EndsWith("IN_PROGRESS", StringComparison.Ordinal)) return $"Stack {StackName} is in {Status} state and can not be signaled";
        return _awaitingSignals.Contains(logicalId) ? null : $"Resource {logicalId} is in a state that cannot be signaled";
    }

    /// <summary>Starts the executions the fake AWS accepted and stops those it was told to stop.</summary>
    private void Reconcile()
    {
        foreach (var (name, execution) in _aws.Executions.ToList())
        {
            if (_knownExecutions.Add(execution.Arn))
            {
                // arn:…:execution:<machine name>:<execution name> belongs to arn:…:stateMachine:<machine name>.
                var machineArn = execution.Arn[..execution.Arn.LastIndexOf(':')].Replace(":execution:", ":stateMachine:");
                var machine = _deployed.Values.FirstOrDefault(r => r.Type == "AWS::StepFunctions::StateMachine" && r.PhysicalId == machineArn)
                    ?? throw new InvalidOperationException($"Execution {name} of a state machine that is not deployed: {machineArn}");
                States.Start(execution.Arn, name, machine.Properties["DefinitionString"]!.GetValue<string>(), execution.Input);
            }
            if (execution.Status == "ABORTED") States.Stop(execution.Arn);
        }
    }

    // ------------------------------------------------------------------ resolution

    private JsonObject Resolve(JsonElement properties) =>
        (new Intrinsics(Ref, GetAtt, Template?.Json.TryGetProperty("Mappings", out var m) == true ? m : null).Resolve(properties) as JsonObject) ?? [];

    private string Ref(string name) => name switch
    {
        "AWS::Partition" => "aws",
        "AWS::Region" => ResourceModels.Region,
        "AWS::AccountId" => ResourceModels.Account,
        "AWS::StackName" => StackName,
        "AWS::StackId" => StackId,
        "AWS::URLSuffix" => "amazonaws.com",
        "AWS::NoValue" => throw new NotSupportedException("AWS::NoValue"),
        _ when _parameters.TryGetValue(name, out var value) => value,
        _ when _deployed.TryGetValue(name, out var resource) => resource.PhysicalId,
        _ => throw new AttributeMissingException($"Template error: instance of Ref {name} is not deployed."),
    };

    private JsonNode? GetAtt(string logicalId, string attribute)
    {
        if (!_deployed.TryGetValue(logicalId, out var resource))
            throw new AttributeMissingException($"Template error: resource {logicalId} is not deployed.");
        if (resource.Attributes.TryGetValue(attribute, out var value)) return value;
        throw new AttributeMissingException(resource.IsCustom
            ? $"CustomResource attribute error: Vendor response doesn't contain {attribute} key in object {resource.PhysicalId}"
            : $"Template error: resource {logicalId} ({resource.Type}) has no attribute {attribute} in this emulation.");
    }

    private sealed class AttributeMissingException(string message) : Exception(message);

    private void Hold(string logicalId, string type, string physical, JsonObject properties, Dictionary<string, JsonNode?> attributes) =>
        _deployed[logicalId] = new DeployedResource(logicalId, type, physical, properties, attributes);

    private string Suffix() => (++_counter).ToString("X8").PadLeft(12, 'Q');

    /// <summary>A physical id CloudFormation makes up when it never heard one.</summary>
    private string Generated(string logicalId) => $"{StackName}-{logicalId}-{Suffix()}";

    private void Event(string logicalId, string status, string? reason = null, string? physical = null) =>
        Events.Add(new StackEvent(_scheduler.Now, logicalId, physical ?? _deployed.GetValueOrDefault(logicalId)?.PhysicalId, status, reason));
}

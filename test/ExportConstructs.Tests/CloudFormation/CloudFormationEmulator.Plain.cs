using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.CloudFormation;

// The emulation's plain resources (IAM policies, Lambda functions, WaitConditions and the rest), the poller executions it reconciles, and how templates resolve.
internal sealed partial class CloudFormationEmulator
{
    // ------------------------------------------------------------------ everything else

    /// <summary>Creates a plain resource at once; one with a CreationPolicy then waits for its signals, in flight.</summary>
    private Step StartPlain(TemplateResource resource, JsonObject properties)
    {
        var id = resource.LogicalId;
        var (physical, attributes) = ResourceModels.Provision(StackName, id, resource.Type, properties, Suffix());
        var deployed = new DeployedResource(id, resource.Type, physical, properties, attributes);
        _deployed[id] = deployed;
        ApplyPlain(deployed);
        if (resource.Type == "AWS::CloudFormation::WaitConditionHandle" || resource.Type == "AWS::CloudFormation::WaitCondition" && resource.CreationPolicy is null)
            return Step.Done(id, "CREATE_FAILED", "This emulation models WaitConditions with a CreationPolicy only (signals through SignalResource).");
        if (resource.CreationPolicy is { } policy) return WaitForSignals(id, physical, policy.GetProperty("ResourceSignal"));
        Event(id, "CREATE_COMPLETE", null, physical);
        return Step.Done(id, "CREATE_FAILED", null);
    }

    /// <summary>Side effects of a deployed resource: functions that can run, state machines that can start, EventBridge rules recorded.</summary>
    private void ApplyPlain(DeployedResource resource)
    {
        _deployed[resource.LogicalId] = resource;
        if (resource.Type == "AWS::Events::Rule") EventRules.Add(resource);
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
    /// A resource with a CreationPolicy, created and now waiting for <c>Count</c> SUCCESS signals
    /// through SignalResource up to its <c>Timeout</c> (up to 12 hours on the virtual clock, while the
    /// operation's other resources go on). Signals count only while it waits (the fake refuses
    /// others, as CloudFormation does); a FAILURE signal fails it at once, with no reason.
    /// </summary>
    private Step WaitForSignals(string logicalId, string physical, JsonElement policy)
    {
        var count = policy.TryGetProperty("Count", out var c) ? int.Parse(c.ToString()) : 1;
        var timeout = policy.TryGetProperty("Timeout", out var t) ? System.Xml.XmlConvert.ToTimeSpan(t.GetString()!) : TimeSpan.FromMinutes(5);
        var timedOut = false;
        string? stopped = null;
        var from = _aws.ResourceSignals.Count;
        _awaitingSignals.Add(logicalId);
        _scheduler.After(timeout, () => { timedOut = true; return Task.CompletedTask; });
        List<FakeResourceSignal> Signals() => _aws.ResourceSignals.Skip(from).Where(r => r.LogicalResourceId == logicalId).ToList();
        bool Settled() => stopped is not null || timedOut || Signals().Count(x => x.Status == "SUCCESS") >= count || Signals().Any(x => x.Status == "FAILURE");
        return new Step
        {
            LogicalId = logicalId, FailedStatus = "CREATE_FAILED", CancelledReason = "Resource creation cancelled",
            Settled = Settled,
            Stop = reason => { if (!Settled()) stopped = reason; },
            Finish = () =>
            {
                _awaitingSignals.Remove(logicalId);
                var signals = Signals();
                if (signals.FirstOrDefault(x => x.Status == "FAILURE") is { } failed)
                    return $"Received FAILURE signal with UniqueId {failed.UniqueId}";
                if (signals.Count(x => x.Status == "SUCCESS") < count)
                    return stopped ?? $"Failed to receive {count} resource signal(s) within the specified duration";
                Event(logicalId, "CREATE_COMPLETE", null, physical);
                return null;
            },
        };
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

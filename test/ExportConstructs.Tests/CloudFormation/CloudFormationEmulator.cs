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
/// The class is split by concern: stack operations and state here, one resource's lifecycle in
/// CloudFormationEmulator.Resources.cs, custom resource exchanges in CloudFormationEmulator.CustomResources.cs,
/// plain resources and resolution in CloudFormationEmulator.Plain.cs.
/// </summary>
internal sealed partial class CloudFormationEmulator
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
}

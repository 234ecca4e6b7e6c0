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
/// <item>a resource is created or updated as soon as every resource it depends on (Ref, GetAtt, Sub, DependsOn) is
///   complete, so independent resources are in progress at once (several custom resource exchanges in flight, a
///   WaitCondition waiting hours for its signals); one loop drives the clock (<see cref="RunResourcesAsync"/>); the
///   first failure cancels whatever is still in progress ("Resource creation cancelled") and nothing new starts;
///   Ref, GetAtt, Join and Sub resolve from what is deployed;</item>
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
/// Deletes (a stack's, a rollback's, the cleanup phase's) and rollback Updates run one resource at a time.
/// The class is split by concern: stack operations, their driver loop and state here, one resource's lifecycle in
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
    private DateTimeOffset _createdAt;
    private DateTimeOffset? _updatedAt;
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
        aws.StackTimes = _ => (_createdAt, _updatedAt);
        // A resource is described from its first event on (CREATE_IN_PROGRESS, with no physical id yet)
        // until it is deleted, with the status and time of its latest event.
        aws.StackResource = (stack, logicalId) => stack != StackId && stack != StackName || LatestEvent(logicalId) is not { } latest || latest.Status == "DELETE_COMPLETE"
            ? null : _deployed.GetValueOrDefault(logicalId)?.PhysicalId ?? "";
        aws.StackResourceStatus = (stack, logicalId) => (stack == StackId || stack == StackName) && LatestEvent(logicalId) is { } latest ? (latest.Status, latest.Time) : null;
        States = new StatesInterpreter(scheduler, Lambda.InvokeAsync);
    }

    /// <summary>
    /// The latest event of the resource CloudFormation holds under this logical id: the cleanup's
    /// delete of a generation it replaced (another physical id) is that generation's, not the resource's.
    /// </summary>
    private StackEvent? LatestEvent(string logicalId)
    {
        var held = _deployed.GetValueOrDefault(logicalId)?.PhysicalId;
        return Events.LastOrDefault(e => e.LogicalId == logicalId && (held is null || !e.Status.StartsWith("DELETE", StringComparison.Ordinal) || e.PhysicalId == held));
    }

    public string StackName { get; }
    public string StackId { get; }
    public LambdaService Lambda { get; }
    public StatesInterpreter States { get; }
    public StackTemplate? Template { get; private set; }
    public string Status { get; private set; } = "NONE";

    /// <summary>What CloudFormation holds, by logical id.</summary>
    public IReadOnlyDictionary<string, DeployedResource> Resources => _deployed;

    /// <summary>
    /// Every EventBridge rule (AWS::Events::Rule) an operation deployed, with its properties as
    /// resolved then (the <c>EventPattern</c> with the stack's real id), in order; kept after a
    /// rollback or Delete removes it, so a test can match what was published while it existed.
    /// </summary>
    public List<DeployedResource> EventRules { get; } = [];

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
        var started = new List<string>();
        if (await RunResourcesAsync(template, resource => StartCreate(resource), started) is null) return Status = "CREATE_COMPLETE";
        // Everything created or in progress (now CREATE_FAILED) goes, in reverse dependency order.
        Status = "ROLLBACK_IN_PROGRESS";
        _cancelled = false;
        var clean = true;
        foreach (var id in template.Order.Reverse().Where(started.Contains).ToList())
            clean &= await DeleteAsync(id) is null;
        return Status = clean ? "ROLLBACK_COMPLETE" : "ROLLBACK_FAILED";
    }

    public async Task<string> UpdateStackAsync(StackTemplate template, IReadOnlyDictionary<string, string>? parameters = null)
    {
        var previous = Template ?? throw new InvalidOperationException("No stack to update.");
        var previousParameters = _parameters;
        Begin(template, parameters, "UPDATE_IN_PROGRESS");
        var changes = new List<Change>();
        var failure = await RunResourcesAsync(template, resource =>
        {
            var id = resource.LogicalId;
            if (!_deployed.TryGetValue(id, out var current) || current.Type != resource.Type)
            {
                if (current is not null) changes.Add(new Change(id, ChangeKind.Replaced, current));
                changes.Add(new Change(id, ChangeKind.Created, null));
                return StartCreate(resource);
            }
            JsonObject properties;
            try { properties = Resolve(resource.Properties); }
            catch (AttributeMissingException e) { Event(id, "UPDATE_IN_PROGRESS"); return Step.Done(id, "UPDATE_FAILED", e.Message); }
            if (JsonNode.DeepEquals(properties, current.Properties) && !_failOn.Contains(id)) return null;
            return StartUpdate(current, properties, changes);
        }, []);
        if (failure is not null)
        {
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

    /// <summary>
    /// The one loop a stack operation runs, as CloudFormation schedules resources: every resource whose
    /// dependencies (Ref, Fn::GetAtt, Fn::Sub, DependsOn) are all complete is started, in the template's
    /// creation order (<see cref="StackTemplate.Order"/>); a plain resource settles at once, a custom
    /// resource's exchange or a resource waiting for signals stays in flight. Then the virtual clock runs
    /// until one in flight settles; what settled is finished (in creation order, when several settle at one
    /// moment), which may make more resources ready, and so on. Several exchanges are in flight at once,
    /// but one loop drives the scheduler, so the same test runs the same steps in the same order.
    /// On the first failure (or a cancelled operation) nothing new starts, and whatever is still in
    /// flight is stopped with "Resource creation cancelled" (or update) and recorded as failed: an exchange
    /// with no answer leaves CloudFormation an id it makes up.
    /// <paramref name="start"/> starts one resource, or returns null when it has nothing to do (unchanged
    /// on update: complete at once). Every resource started lands in <paramref name="started"/>.
    /// Returns the failure that stopped the operation, or null when every resource completed.
    /// </summary>
    private async Task<(string LogicalId, string Reason)?> RunResourcesAsync(StackTemplate template, Func<TemplateResource, Step?> start, List<string> started)
    {
        var dependencies = template.Order.ToDictionary(id => id, template.Dependencies, StringComparer.Ordinal);
        var position = template.Order.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        var complete = new HashSet<string>(StringComparer.Ordinal);
        var inFlight = new List<Step>();
        (string LogicalId, string Reason)? failure = null;

        void Finish(Step step)
        {
            inFlight.Remove(step);
            if (step.Finish() is not { } reason)
            {
                complete.Add(step.LogicalId);
                return;
            }
            Event(step.LogicalId, step.FailedStatus, reason);
            failure ??= (step.LogicalId, reason);
        }

        while (true)
        {
            // Start whatever is ready; a resource that settles at once may make others ready in the same pass.
            for (var progress = true; progress && failure is null;)
            {
                progress = false;
                foreach (var id in template.Order)
                {
                    if (failure is not null) break;
                    if (started.Contains(id) || !dependencies[id].All(complete.Contains)) continue;
                    started.Add(id);
                    progress = true;
                    if (start(template[id]!) is not { } step)
                    {
                        complete.Add(id);
                        continue;
                    }
                    inFlight.Add(step);
                    if (step.Settled()) Finish(step);
                }
            }
            if (failure is not null || inFlight.Count == 0) break;
            var settled = await RunUntilAsync(() =>
            {
                if (_cancelled)
                    foreach (var step in inFlight) step.Stop(step.CancelledReason);
                return inFlight.Any(s => s.Settled());
            });
            if (!settled)
                foreach (var step in inFlight) step.Stop("Nothing was left to run and no answer came (the emulation stalled).");
            foreach (var step in inFlight.Where(s => s.Settled()).OrderBy(s => position[s.LogicalId]).ToList()) Finish(step);
        }
        // CloudFormation cancels what is still in progress: CREATE_FAILED (or UPDATE_FAILED) "Resource creation cancelled".
        foreach (var step in inFlight.OrderBy(s => position[s.LogicalId]).ToList())
        {
            step.Stop(step.CancelledReason);
            Finish(step);
        }
        return failure;
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
        if (status == "CREATE_IN_PROGRESS") _createdAt = _scheduler.Now;
        else _updatedAt = _scheduler.Now;
        var operation = ++_operation;
        if (CancelAfter is { } after)
            _scheduler.After(after, () => { _cancelled |= operation == _operation && Status == status; return Task.CompletedTask; });
    }
}

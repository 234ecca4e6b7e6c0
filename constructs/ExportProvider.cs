using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.CustomResources;
using Constructs;
using ExportConstructs.Contract;

namespace ExportConstructs;

/// <summary>
/// The custom-resource machinery behind every export of a stack: one handler role, one onEvent
/// and one isComplete function (the same AOT bootstrap with two handler strings), the CDK
/// <see cref="Provider"/>s that call them (one per distinct wait setting; exports that answer at
/// once share one), and, when an export waits longer than an hour, one <see cref="ExportPoller"/>.
/// Each export adds only its own IAM statements to the role.
/// </summary>
public sealed class ExportProvider : Construct
{
    /// <summary>Construct id of the singleton, directly under its stack.</summary>
    public const string SingletonId = "ExportConstructsProvider";

    /// <summary>nodejs24.x: Lambda supports it until 2028-04-30.</summary>
    public static readonly Runtime DefaultFrameworkRuntime = new("nodejs24.x", RuntimeFamily.NODEJS);

    /// <summary>
    /// Polling of the provider for resources whose isComplete answers at once (the long-wait
    /// path's resources, exports that do not wait) and for their Deletes.
    /// </summary>
    public static readonly (int IntervalSeconds, int TimeoutSeconds) Immediate = (15, 1800);

    // CDK names the mapping behind determineLatestNodeRuntime after the region fact it reads.
    private const string LatestNodeRuntimeMap = "LatestNodeRuntimeMap";

    private readonly Stack _stack;
    private readonly (string Partition, string Region, string Account) _pseudo = (Aws.PARTITION, Aws.REGION, Aws.ACCOUNT_ID);
    private readonly Runtime _frameworkRuntime;
    private readonly Code _code;
    private readonly ILogGroup _logGroup;
    private readonly Dictionary<(int, int), string> _serviceTokens = [];
    private ExportPoller? _poller;
    private readonly Dictionary<string, (PolicyStatement Statement, HashSet<string> Resources)> _statements = [];

    /// <summary>The role the handler functions run as; exports add their statements here.</summary>
    public IRole HandlerRole { get; }

    /// <summary>The onEvent handler.</summary>
    public Function OnEventHandler { get; }

    /// <summary>The isComplete handler.</summary>
    public Function IsCompleteHandler { get; }

    /// <summary>
    /// The stack's provider, created on first use. Pass <paramref name="props"/> on the first call
    /// to configure it (before any export is created); a later call with props fails, because the
    /// provider is shared and already built.
    /// </summary>
    public static ExportProvider Of(IConstruct scope, IExportProviderProps? props = null)
    {
        var stack = Stack.Of(scope);
        if (stack.Node.TryFindChild(SingletonId) is ExportProvider existing)
        {
            if (props is not null)
                throw new ArgumentException($"The ExportProvider of stack {stack.Node.Path} already exists; pass its props in the first call to ExportProvider.Of, before any export is created.");
            return existing;
        }
        return new ExportProvider(stack, props ?? new ExportProviderProps());
    }

    private ExportProvider(Stack stack, IExportProviderProps props) : base(stack, SingletonId)
    {
        _stack = stack;
        _frameworkRuntime = props.FrameworkRuntime ?? DefaultFrameworkRuntime;
        if (_frameworkRuntime.Family != RuntimeFamily.NODEJS)
            throw new ArgumentException($"ExportProvider: FrameworkRuntime '{_frameworkRuntime.Name}' is not valid; the Provider framework is Node.js code, so expected a Node.js runtime such as nodejs22.x or nodejs24.x.");

        _logGroup = new LogGroup(this, "HandlerLogs", new LogGroupProps { Retention = RetentionDays.THREE_MONTHS });
        var role = new Role(this, "HandlerRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = "Runs the ExportConstructs handler; each export adds its own scoped statements.",
        });
        _logGroup.GrantWrite(role);
        HandlerRole = role;

        _code = Code.FromAsset(HandlerAsset.Path());
        OnEventHandler = HandlerFunction(this, "OnEventHandler", HandlerNames.OnEvent);
        IsCompleteHandler = HandlerFunction(this, "IsCompleteHandler", HandlerNames.IsComplete);
    }

    /// <summary>
    /// The service token of the provider that polls isComplete every <paramref name="intervalSeconds"/>
    /// for up to <paramref name="timeoutSeconds"/>; providers are created once per distinct setting.
    /// </summary>
    public string ServiceToken(int intervalSeconds, int timeoutSeconds)
    {
        var key = (intervalSeconds, timeoutSeconds);
        if (!_serviceTokens.TryGetValue(key, out var token))
        {
            var mappingExisted = _stack.Node.TryFindChild(LatestNodeRuntimeMap) is not null;
            var id = key == Immediate ? "Provider" : $"Provider{intervalSeconds}s{timeoutSeconds}s";
            var provider = new Provider(this, id, new ProviderProps
            {
                OnEventHandler = OnEventHandler,
                IsCompleteHandler = IsCompleteHandler,
                QueryInterval = Duration.Seconds(intervalSeconds),
                TotalTimeout = Duration.Seconds(timeoutSeconds),
            });
            PinFrameworkRuntime(provider, mappingExisted);
            _serviceTokens[key] = token = provider.ServiceToken;
        }
        return token;
    }

    /// <summary>
    /// An ARN in this stack's partition and region (and account, unless <paramref name="account"/>
    /// is false, as for AMIs), built here rather than by a jsii call per export.
    /// </summary>
    public string Arn(string service, string resource, bool account = true) =>
        $"arn:{_pseudo.Partition}:{service}:{_pseudo.Region}:{(account ? _pseudo.Account : "")}:{resource}";

    /// <summary>
    /// Allows the handler <paramref name="actions"/> on <paramref name="resources"/>. Exports asking
    /// for the same actions under the same conditions share one statement that lists all their
    /// resources, so the role's policy grows by an ARN per export, not by a statement.
    /// </summary>
    public void Allow(string[] actions, string[] resources, IDictionary<string, object>? conditions = null)
    {
        var key = string.Join(",", actions) + "|" + (conditions is null ? "" : System.Text.Json.JsonSerializer.Serialize(conditions));
        if (_statements.TryGetValue(key, out var shared))
        {
            var added = resources.Where(shared.Resources.Add).ToArray();
            if (added.Length > 0) shared.Statement.AddResources(added);
            return;
        }
        var statement = new PolicyStatement(new PolicyStatementProps { Actions = actions, Resources = resources, Conditions = conditions });
        HandlerRole.AddToPrincipalPolicy(statement);
        _statements[key] = (statement, [.. resources]);
    }

    /// <summary>The long-wait poller, created when the first export needs it.</summary>
    public ExportPoller Poller => _poller ??= new ExportPoller(this, HandlerFunction(this, "PollHandler", HandlerNames.Poll), HandlerRole);

    internal Function HandlerFunction(Construct scope, string id, string handler) => new(scope, id, new FunctionProps
    {
        Description = $"ExportConstructs {handler} handler (Native AOT)",
        Runtime = Runtime.PROVIDED_AL2023,
        Architecture = Architecture.X86_64,
        Handler = handler,
        Code = _code,
        Role = HandlerRole,
        LogGroup = _logGroup,
        MemorySize = 256,
        // Each call makes a handful of AWS calls; the margin covers the SDK's retries with backoff.
        Timeout = Duration.Minutes(2),
    });

    /// <summary>
    /// Sets every framework function's runtime, and drops the runtime mapping the framework
    /// added to the stack when nothing else in the stack had created it (it would only list
    /// deprecated runtimes).
    /// </summary>
    private void PinFrameworkRuntime(Provider provider, bool mappingExisted)
    {
        foreach (var child in provider.Node.FindAll())
        {
            // Replacing the L1 value (not overriding it) means the mapping lookup is never rendered.
            if (child is CfnFunction function) function.Runtime = _frameworkRuntime.Name;
        }
        if (!mappingExisted) _stack.Node.TryRemoveChild(LatestNodeRuntimeMap);
    }
}

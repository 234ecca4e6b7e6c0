using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.CustomResources;
using Constructs;
using ExportConstructs.Contract;

namespace ExportConstructs;

/// <summary>
/// The custom-resource machinery behind every export of a stack: one handler role, one handler
/// function (the AOT bootstrap, serving onEvent, isComplete and the poller), ONE CDK
/// <see cref="Provider"/> that calls it for every export whatever its wait settings (so a
/// changed setting never changes a ServiceToken), and, when an export waits longer than a custom
/// resource may, one <see cref="ExportPoller"/>. Each export adds only its own IAM statements to the role.
/// </summary>
public sealed partial class ExportProvider : Construct
{
    /// <summary>Construct id of the singleton, directly under its stack.</summary>
    public const string SingletonId = "ExportConstructsProvider";

    /// <summary>nodejs24.x: Lambda supports it until 2028-04-30.</summary>
    public static readonly Runtime DefaultFrameworkRuntime = new("nodejs24.x", RuntimeFamily.NODEJS);

    // CDK names the mapping behind determineLatestNodeRuntime after the region fact it reads.
    private const string LatestNodeRuntimeMap = "LatestNodeRuntimeMap";

    private readonly Stack _stack;
    private readonly (string Partition, string Region, string Account) _pseudo = (Aws.PARTITION, Aws.REGION, Aws.ACCOUNT_ID);
    private readonly Runtime _frameworkRuntime;
    private Policy? _logAccess;
    private string? _serviceToken;
    private ExportPoller? _poller;
    private readonly Dictionary<string, (PolicyStatement Statement, HashSet<string> Resources)> _statements = [];

    /// <summary>The cdk-nag suppressions of the stack's export resources, written as their template metadata.</summary>
    internal NagSuppressions Nag { get; } = new();

    /// <summary>The stack's AppStream exports, whose AMI another export may take as its input.</summary>
    internal List<AppStreamAmiExport> AppStreamExports { get; } = [];

    /// <summary>The role the handler functions run as; exports add their statements here.</summary>
    public IRole HandlerRole { get; }

    /// <summary>
    /// The handler: one function serves the Provider's onEvent and isComplete and the long-wait
    /// poller (it tells them apart by the event), logging to <see cref="HandlerLogs"/>.
    /// </summary>
    public Function Handler { get; }

    /// <summary>The handler's log group, <c>/aws/lambda/&lt;function name&gt;</c> (where the framework's failure reasons point).</summary>
    public LogGroup HandlerLogs { get; }

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
                throw Messages.ProviderExists(stack.Node.Path);
            return existing;
        }
        return new ExportProvider(stack, props ?? new ExportProviderProps());
    }

    private ExportProvider(Stack stack, IExportProviderProps props) : base(stack, SingletonId)
    {
        _stack = stack;
        _frameworkRuntime = props.FrameworkRuntime ?? DefaultFrameworkRuntime;
        if (_frameworkRuntime.Family != RuntimeFamily.NODEJS)
            throw Messages.FrameworkRuntimeInvalid(_frameworkRuntime.Name);

        var role = new Role(this, "HandlerRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = "Runs the ExportConstructs handler; each export adds its own scoped statements.",
        });
        HandlerRole = role;
        AllowCleanupOfOwnExports();
        SuppressHandlerWildcards();

        (Handler, HandlerLogs) = HandlerFunction(this, "Handler");
        Node.AddValidation(new InlinePolicyQuota(this, InlinePolicies));
    }

    /// <summary>The handler role's inline policies this provider made (IAM counts them together).</summary>
    private IEnumerable<Policy> InlinePolicies()
    {
        if (HandlerRole.Node.TryFindChild("DefaultPolicy") is Policy shared) yield return shared;
        foreach (var own in Node.Children.OfType<Policy>()) yield return own;
        if (_poller is not null) yield return _poller.Access;
    }

    /// <summary>
    /// The service token of the stack's one Provider, created on first use. It polls isComplete
    /// every <see cref="ProviderSettings.QueryIntervalSeconds"/> for up to
    /// <see cref="ProviderSettings.TotalTimeoutSeconds"/>; each export's own Timeout and
    /// PollInterval travel in its properties and the handler keeps to them.
    /// </summary>
    internal string ServiceToken
    {
        get
        {
            if (_serviceToken is null)
            {
                var mappingExisted = _stack.Node.TryFindChild(LatestNodeRuntimeMap) is not null;
                // The id of the provider that served exports answering at once in 0.1, so those keep their token.
                var provider = new Provider(this, "Provider", new ProviderProps
                {
                    OnEventHandler = Handler,
                    IsCompleteHandler = Handler,
                    QueryInterval = Duration.Seconds(ProviderSettings.QueryIntervalSeconds),
                    TotalTimeout = Duration.Seconds(ProviderSettings.TotalTimeoutSeconds),
                    // Every event of the waiter (each isComplete call), in the framework's own log group, but no
                    // execution data: the waiter's input carries CloudFormation's presigned ResponseURL.
                    WaiterStateMachineLogOptions = new Amazon.CDK.CustomResources.LogOptions
                    {
                        Level = Amazon.CDK.AWS.StepFunctions.LogLevel.ALL,
                        IncludeExecutionData = false,
                    },
                });
                PinFrameworkRuntime(provider, mappingExisted);
                TraceWaiter(provider);
                SuppressFrameworkFindings(provider);
                provider.Node.AddDependency(HandlerLogs, _logAccess!);
                _serviceToken = provider.ServiceToken;
            }
            return _serviceToken;
        }
    }

    /// <summary>The long-wait poller, created when the first export needs it.</summary>
    public ExportPoller Poller => _poller ??= new ExportPoller(this, Handler, HandlerLogs, HandlerRole);

    private (Function, LogGroup) HandlerFunction(Construct scope, string id)
    {
        var function = new Function(scope, id, new FunctionProps
        {
            Description = "ExportConstructs handler (Native AOT): the Provider's onEvent and isComplete, and the long-wait poller",
            Runtime = Runtime.PROVIDED_AL2023,
            Architecture = Architecture.X86_64,
            Handler = HandlerNames.Exports,
            Code = Code.FromAsset(HandlerAsset.Path()),
            Role = HandlerRole,
            MemorySize = 256,
            // Each call makes a handful of AWS calls; the margin covers the SDK's retries with backoff.
            Timeout = Duration.Minutes(2),
        });
        // Lambda's own log group name, so that the framework's "Logs: /aws/lambda/<function>" pointer in a
        // failure reason is true; created here to give it a retention. Nothing invokes the function before
        // the custom resources, which come after the Provider, which depends on this group.
        var logs = new LogGroup(scope, id + "Logs", new LogGroupProps
        {
            LogGroupName = "/aws/lambda/" + function.FunctionName,
            Retention = RetentionDays.THREE_MONTHS,
        });
        // In a policy of its own: the role's default policy is one the function depends on, and the
        // group's name depends on the function, which would close a cycle.
        _logAccess = new Policy(this, "HandlerLogsAccess", new PolicyProps
        {
            Roles = [HandlerRole],
            Statements = [new PolicyStatement(new PolicyStatementProps { Actions = ["logs:CreateLogStream", "logs:PutLogEvents"], Resources = [logs.LogGroupArn] })],
        });
        return (function, logs);
    }

    /// <summary>
    /// X-Ray tracing of the framework's waiter state machine, as the poller has: CDK's waiter
    /// construct offers no option for it, so it is set on its CfnStateMachine, with the rights the
    /// CDK gives a traced state machine's role.
    /// </summary>
    private static void TraceWaiter(Provider provider)
    {
        var waiter = provider.Node.FindChild("waiter-state-machine");
        ((Amazon.CDK.AWS.StepFunctions.CfnStateMachine)waiter.Node.FindChild("Resource")).TracingConfiguration =
            new Amazon.CDK.AWS.StepFunctions.CfnStateMachine.TracingConfigurationProperty { Enabled = true };
        ((IRole)waiter.Node.FindChild("Role")).AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
            Resources = ["*"],
        }));
    }

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

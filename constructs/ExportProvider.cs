using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.CustomResources;
using Constructs;
using ExportConstructs.Contract;

namespace ExportConstructs;

/// <summary>
/// The custom-resource provider behind every export of a stack: one handler role, one
/// onEvent and one isComplete function (the same AOT bootstrap with two handler strings) and
/// one CDK <see cref="Provider"/>. Each export adds only its own IAM statements to the role.
/// </summary>
public sealed class ExportProvider : Construct
{
    /// <summary>Construct id of the singleton, directly under its stack.</summary>
    public const string SingletonId = "ExportConstructsProvider";

    /// <summary>nodejs24.x: Lambda supports it until 2028-04-30.</summary>
    public static readonly Runtime DefaultFrameworkRuntime = new("nodejs24.x", RuntimeFamily.NODEJS);

    // CDK names the mapping behind determineLatestNodeRuntime after the region fact it reads.
    private const string LatestNodeRuntimeMap = "LatestNodeRuntimeMap";

    /// <summary>The role both handler functions run as; exports add their statements here.</summary>
    public IRole HandlerRole { get; }

    /// <summary>The onEvent handler.</summary>
    public Function OnEventHandler { get; }

    /// <summary>The isComplete handler.</summary>
    public Function IsCompleteHandler { get; }

    /// <summary>The Provider framework instance.</summary>
    public Provider Provider { get; }

    /// <summary>Service token for custom resources.</summary>
    public string ServiceToken => Provider.ServiceToken;

    /// <summary>
    /// The stack's provider, created on first use. Pass <paramref name="props"/> on the first call
    /// to configure it (for example before creating any export); a later call with props fails,
    /// because the provider is shared and already built.
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
        var queryInterval = props.QueryInterval ?? Duration.Seconds(30);
        var totalTimeout = props.TotalTimeout ?? Duration.Minutes(55);
        ValidateTimes(queryInterval, totalTimeout);

        var logGroup = new LogGroup(this, "HandlerLogs", new LogGroupProps { Retention = RetentionDays.THREE_MONTHS });
        var role = new Role(this, "HandlerRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = "Runs the ExportConstructs handler; each export adds its own scoped statements.",
        });
        logGroup.GrantWrite(role);
        HandlerRole = role;

        var code = Code.FromAsset(HandlerAsset.Path());
        OnEventHandler = HandlerFunction("OnEventHandler", HandlerNames.OnEvent, code, role, logGroup);
        IsCompleteHandler = HandlerFunction("IsCompleteHandler", HandlerNames.IsComplete, code, role, logGroup);

        var mappingExisted = stack.Node.TryFindChild(LatestNodeRuntimeMap) is not null;
        Provider = new Provider(this, "Provider", new ProviderProps
        {
            OnEventHandler = OnEventHandler,
            IsCompleteHandler = IsCompleteHandler,
            QueryInterval = queryInterval,
            TotalTimeout = totalTimeout,
        });
        PinFrameworkRuntime(stack, props.FrameworkRuntime ?? DefaultFrameworkRuntime, mappingExisted);
    }

    private Function HandlerFunction(string id, string handler, Code code, IRole role, ILogGroup logGroup) => new(this, id, new FunctionProps
    {
        Description = $"ExportConstructs {handler} handler (Native AOT)",
        Runtime = Runtime.PROVIDED_AL2023,
        Architecture = Architecture.X86_64,
        Handler = handler,
        Code = code,
        Role = role,
        LogGroup = logGroup,
        MemorySize = 256,
        // Each call makes a handful of AWS calls; the margin covers the SDK's retries with backoff.
        Timeout = Duration.Minutes(2),
    });

    /// <summary>
    /// Sets every framework function's runtime, and drops the runtime mapping the framework
    /// added to the stack when nothing else in the stack had created it (it would only list
    /// deprecated runtimes).
    /// </summary>
    private void PinFrameworkRuntime(Stack stack, Runtime runtime, bool mappingExisted)
    {
        if (runtime.Family != RuntimeFamily.NODEJS)
            throw new ArgumentException($"ExportProvider: FrameworkRuntime '{runtime.Name}' is not valid; the Provider framework is Node.js code, so expected a Node.js runtime such as nodejs22.x or nodejs24.x.");
        foreach (var child in Provider.Node.FindAll())
        {
            // Replacing the L1 value (not overriding it) means the mapping lookup is never rendered.
            if (child is CfnFunction function) function.Runtime = runtime.Name;
        }
        if (!mappingExisted) stack.Node.TryRemoveChild(LatestNodeRuntimeMap);
    }

    private static void ValidateTimes(Duration queryInterval, Duration totalTimeout)
    {
        if (Token.IsUnresolved(queryInterval) || Token.IsUnresolved(totalTimeout)) return;
        var interval = queryInterval.ToSeconds();
        var total = totalTimeout.ToSeconds();
        if (interval < 1 || interval > 900)
            throw new ArgumentException($"ExportProvider: QueryInterval {interval} s is not valid; expected 1 to 900 seconds.");
        if (total > 3600 || total < interval)
            throw new ArgumentException($"ExportProvider: TotalTimeout {total} s is not valid; expected from QueryInterval ({interval} s) up to 3600 s, CloudFormation's ceiling for a custom resource.");
        if (total % interval != 0)
            throw new ArgumentException($"ExportProvider: TotalTimeout {total} s is not a whole multiple of QueryInterval {interval} s, as the Provider framework requires.");
    }
}

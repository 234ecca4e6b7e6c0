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
public sealed class ExportProvider : Construct
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
    /// Rights that outlive the template: a replaced or removed export is deleted in the cleanup
    /// phase, with the policies of the new template (aws-facts §6), which no longer name it. These
    /// statements name no export: they allow cleaning up what carries this stack's owner tag, which
    /// the handler writes on every export it starts, so they hold for every export the stack ever
    /// had and their size does not grow with the number of exports.
    /// </summary>
    private void AllowCleanupOfOwnExports()
    {
        var ownTag = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["aws:ResourceTag/" + Tagging.StackTag] = Aws.STACK_ID } };
        Allow(["ec2:CancelExportTask"], [Arn("ec2", "export-image-task/*")], ownTag);
        // DeregisterImage and DeleteSnapshot take EC2's own resource-tag key; image and snapshot ARNs have no account.
        var ownEc2Tag = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["ec2:ResourceTag/" + Tagging.StackTag] = Aws.STACK_ID } };
        Allow(["ec2:DeregisterImage"], [Arn("ec2", "image/*", account: false)], ownEc2Tag);
        Allow(["ec2:DeleteSnapshot"], [Arn("ec2", "snapshot/*", account: false)], ownEc2Tag);
        // A tags-only Update re-tags the export in place (its task; an AppStream export's AMI), also in its
        // rollback: only what carries this stack's owner tag, with user keys only (never the owner tags, and
        // never a DeleteTags without keys, which would remove every tag).
        Allow(["ec2:CreateTags", "ec2:DeleteTags"], [Arn("ec2", "export-image-task/*"), Arn("ec2", "image/*", account: false)], new Dictionary<string, object>
        {
            ["StringEquals"] = new Dictionary<string, object> { ["aws:ResourceTag/" + Tagging.StackTag] = Aws.STACK_ID },
            ["ForAllValues:StringNotLike"] = new Dictionary<string, object> { ["aws:TagKeys"] = Tagging.OwnerKeyPrefix + "*" },
            ["Null"] = new Dictionary<string, object> { ["aws:TagKeys"] = "false" },
        });
        // Finding what a request started without its physical id reads every export task (these name no resource).
        // AppStream's reads are here too, not with the AppStream exports' grants: the Delete of the last AppStream
        // export removed from the template runs after the handler's policy lost those grants.
        Allow(["ec2:DescribeExportImageTasks", "ec2:DescribeImages", "appstream:GetExportImageTask", "appstream:ListExportImageTasks"], ["*"]);
        // An Update tells a rollback (which must never start an export) from a forward update by the stack's status;
        // a Delete asks which export CloudFormation holds for its logical id (the held one adopts AppStream strays).
        Allow(["cloudformation:DescribeStacks", "cloudformation:DescribeStackResource"], [Aws.STACK_ID]);
    }

    /// <summary>
    /// The handler's shared policy holds four wildcard resources whatever the stack's exports are
    /// (the cleanup statements above are always there); each is as narrow as IAM allows.
    /// </summary>
    private void SuppressHandlerWildcards()
    {
        var reasons = new Dictionary<string, string>
        {
            [NagSuppressions.Resource(_stack, "*")] =
                "ec2:DescribeExportImageTasks and ec2:DescribeImages, and AppStream's CreateExportImageTask, GetExportImageTask and ListExportImageTasks, have no resource type in the Service Authorization Reference: IAM accepts only '*' for them.",
            [NagSuppressions.Resource(_stack, Arn("ec2", "export-image-task/*"))] =
                "EC2 names an export-image-task when ExportImage creates it, so no task ARN exists beforehand. ec2:ExportImage also names the exact image; ec2:CreateTags on tasks being created requires ec2:CreateAction = ExportImage; ec2:CancelExportTask, and ec2:CreateTags/DeleteTags of user tag keys (a tags-only Update), require the task's aws:ResourceTag/exportconstructs:stack to be this stack's id.",
            [NagSuppressions.Resource(_stack, Arn("ec2", "image/*", account: false))] =
                "ec2:DeregisterImage removes, under DESTROY, the AMI an AppStream export made, whose id AppStream chooses, and ec2:CreateTags/DeleteTags re-tag it on a tags-only Update (user tag keys only); both require the image's exportconstructs:stack tag to be this stack's id (the owner tag the handler writes).",
            [NagSuppressions.Resource(_stack, Arn("ec2", "snapshot/*", account: false))] =
                "ec2:DeleteSnapshot removes, under DESTROY, the snapshots of an AMI an AppStream export made, whose ids AWS chooses; it requires the snapshot's ec2:ResourceTag/exportconstructs:stack to be this stack's id.",
        };
        var policy = HandlerRole.Node.FindChild("DefaultPolicy");
        foreach (var (finding, reason) in reasons) Nag.Add(policy, "AwsSolutions-IAM5", reason, finding);
        // With very many exports the CDK moves statements of the default policy into OverflowPolicyN
        // managed policies at synth; their wildcards are the same, with the same reasons.
        CdkCompat.AddAspect(HandlerRole, new OverflowSuppressions(this, reasons));
    }

    /// <summary>Suppresses, on the handler role's overflow policies, the wildcards the default policy's suppressions name.</summary>
    private sealed class OverflowSuppressions(ExportProvider provider, Dictionary<string, string> reasons) : Amazon.JSII.Runtime.Deputy.DeputyBase, IAspect
    {
        public void Visit(IConstruct node)
        {
            if (node is not CfnManagedPolicy policy || node.Node.Scope?.Node.Id.StartsWith("OverflowPolicy", StringComparison.Ordinal) != true) return;
            var document = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(provider._stack.Resolve(policy.PolicyDocument)))!;
            var statements = document["Statement"] is System.Text.Json.Nodes.JsonArray list ? list : [];
            foreach (var statement in statements)
            {
                var resources = statement!["Resource"] is System.Text.Json.Nodes.JsonArray many ? many.ToArray() : [statement["Resource"]];
                foreach (var resource in resources)
                {
                    var finding = "Resource::" + NagSuppressions.Flatten(resource);
                    if (reasons.TryGetValue(finding, out var reason)) provider.Nag.Add(policy, "AwsSolutions-IAM5", reason, finding);
                }
            }
        }
    }

    /// <summary>
    /// The right to delete exported files (and their versions) in one bucket, in a policy of its own
    /// that the exports writing there depend on: CloudFormation deletes it only after them, so a
    /// removed export's Delete still has it in the cleanup phase. S3 deletes take no object-tag
    /// condition and export files carry no tags, so the scope is the bucket and the task-id part of
    /// the key, whatever the prefix (a changed prefix leaves the old file under the old one).
    /// </summary>
    internal Policy FileCleanup(string bucketName, string bucketArn)
    {
        var id = "FileCleanup" + Digest(System.Text.Json.JsonSerializer.Serialize(_stack.Resolve(bucketName)));
        if (Node.TryFindChild(id) is Policy existing) return existing;
        var cleanup = new Policy(this, id, new PolicyProps
        {
            Roles = [HandlerRole],
            Statements =
            [
                new PolicyStatement(new PolicyStatementProps { Actions = ["s3:DeleteObject", "s3:DeleteObjectVersion"], Resources = [bucketArn + "/" + ExportedVmImageFiles.AnyKeyPattern] }),
                new PolicyStatement(new PolicyStatementProps { Actions = ["s3:GetBucketVersioning", "s3:ListBucketVersions"], Resources = [bucketArn] }),
            ],
        });
        Nag.Add(cleanup, "AwsSolutions-IAM5",
            "Under DESTROY the handler deletes an exported file and its versions. The key ends in the task id EC2 chooses when the export starts, S3 deletes take no object-tag condition, and export files carry no tags: the scope is this bucket's keys containing 'export-ami-', whatever the prefix (a changed prefix leaves the old file under the old one).",
            NagSuppressions.Resource(_stack, bucketArn + "/" + ExportedVmImageFiles.AnyKeyPattern));
        return cleanup;
    }

    private static string Digest(string value) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(value)))[..8];

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

    /// <summary>
    /// An ARN in this stack's partition and region (and account, unless <paramref name="account"/>
    /// is false, as for AMIs), built here rather than by a jsii call per export.
    /// </summary>
    internal string Arn(string service, string resource, bool account = true) =>
        $"arn:{_pseudo.Partition}:{service}:{_pseudo.Region}:{(account ? _pseudo.Account : "")}:{resource}";

    /// <summary>
    /// Allows the handler <paramref name="actions"/> on <paramref name="resources"/>. Exports asking
    /// for the same actions under the same conditions share one statement that lists all their
    /// resources, so the role's policy grows by an ARN per export, not by a statement.
    /// </summary>
    internal void Allow(string[] actions, string[] resources, IDictionary<string, object>? conditions = null)
    {
        var key = StatementKey(actions, conditions);
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

    /// <summary>
    /// Allows the handler <paramref name="actions"/> on <paramref name="resource"/> for one export.
    /// A literal or a parameter goes into the shared statements (<see cref="Allow"/>). A value read
    /// from a resource of the stack (e.g. the <c>AmiId</c> of an <see cref="AppStreamAmiExport"/>)
    /// goes into a policy of that value, which only the exports naming it depend on: in the
    /// handler's default policy it would make the handler depend on that resource, which may
    /// itself depend on the handler (aws-facts §10). Exports naming the same value share the policy.
    /// <paramref name="source"/> is the value <paramref name="resource"/> is built from, if any.
    /// </summary>
    internal void AllowFor(CustomResource export, string[] actions, string resource, IDictionary<string, object>? conditions = null, string? source = null)
    {
        // Classified by the value the ARN is built from, when given (a literal AMI id needs no jsii call);
        // exports of one stack name the same few values (a bucket's ARN, a role's): each is resolved once.
        source ??= resource;
        if (!_values.TryGetValue(source, out var value)) _values[source] = value = DeployTimeValue.Of(_stack, source, IsParameter);
        if (!value.NamesAResource)
        {
            Allow(actions, [resource], conditions);
            return;
        }
        var id = GrantsPrefix + Digest(value.Json);
        if (Node.TryFindChild(id) is not Policy policy)
            policy = new Policy(this, id, new PolicyProps { Roles = [HandlerRole] });
        var key = id + "|" + StatementKey(actions, conditions);
        if (_statements.TryAdd(key, (new PolicyStatement(new PolicyStatementProps { Actions = actions, Resources = [resource], Conditions = conditions }), [resource])))
            policy.AddStatements(_statements[key].Statement);
        export.Node.AddDependency(policy);
    }

    /// <summary>Statements with the same actions and conditions (in one policy) are one statement listing every resource.</summary>
    private static string StatementKey(string[] actions, IDictionary<string, object>? conditions) =>
        string.Join(",", actions) + "|" + (conditions is null ? "" : System.Text.Json.JsonSerializer.Serialize(conditions));

    /// <summary>Construct ids of the policies of deploy-time values start with this.</summary>
    internal const string GrantsPrefix = "Grants";

    private readonly Dictionary<string, DeployTimeValue> _values = [];
    private readonly Dictionary<string, bool> _parameters = [];

    /// <summary>
    /// True when <paramref name="logicalId"/> is a parameter of the stack. The stack's tree is walked
    /// only for a name not seen before (each walk is hundreds of jsii calls), and the answer kept: a
    /// name a template references is already a parameter or a resource.
    /// </summary>
    private bool IsParameter(string logicalId)
    {
        if (_parameters.TryGetValue(logicalId, out var known)) return known;
        foreach (var parameter in _stack.Node.FindAll().OfType<CfnParameter>())
            _parameters[(string)_stack.Resolve(parameter.LogicalId)] = true;
        _parameters.TryAdd(logicalId, false);
        return _parameters[logicalId];
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
    /// The CDK Provider framework's own resources carry findings its code decides: their
    /// suppressions are written here, where the construct tree holding them is ours.
    /// </summary>
    private void SuppressFrameworkFindings(Provider provider)
    {
        var basicExecution = NagSuppressions.ManagedPolicy(_stack, ManagedPolicy.FromAwsManagedPolicyName("service-role/AWSLambdaBasicExecutionRole").ManagedPolicyArn);
        var invokeHandler = NagSuppressions.Resource(_stack, Handler.FunctionArn + ":*");
        foreach (var function in provider.Node.Children.OfType<Function>())
        {
            var role = function.Role!;
            Nag.Add(role, "AwsSolutions-IAM4",
                $"The CDK Provider framework's {function.Node.Id} function (aws-cdk-lib custom-resources) gets this AWS managed policy from the CDK: CreateLogGroup, CreateLogStream and PutLogEvents for its own logs.",
                basicExecution);
            Nag.Add(role.Node.FindChild("DefaultPolicy"), "AwsSolutions-IAM5",
                $"The CDK Provider framework's {function.Node.Id} function invokes the ExportConstructs handler; the CDK's grantInvoke allows the function and its versions and aliases (':*'), of that one function only.",
                invokeHandler);
        }
        var waiter = provider.Node.FindChild("waiter-state-machine");
        var waiterPolicy = waiter.Node.FindChild("Role").Node.FindChild("DefaultPolicy");
        foreach (var function in provider.Node.Children.OfType<Function>().Where(f => f.Node.Id is "framework-isComplete" or "framework-onTimeout"))
        {
            Nag.Add(waiterPolicy, "AwsSolutions-IAM5",
                "The CDK Provider framework's waiter state machine invokes the framework's isComplete and onTimeout functions; the CDK's grantInvoke allows each function and its versions and aliases (':*'), of those functions only.",
                NagSuppressions.Resource(_stack, function.FunctionArn + ":*"));
        }
        Nag.Add(waiterPolicy, "AwsSolutions-IAM5",
            "The CDK Provider framework's waiter state machine delivers its logs (logs:CreateLogDelivery and the other log-delivery actions, which take only '*') and its X-Ray traces (xray:PutTraceSegments and the like, which take only '*').",
            NagSuppressions.Resource(_stack, "*"));
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

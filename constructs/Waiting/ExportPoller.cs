using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.StepFunctions;
using Amazon.CDK.AWS.StepFunctions.Tasks;
using Constructs;
using ExportConstructs.Contract;

namespace ExportConstructs;

/// <summary>
/// The long-wait poller: a Step Functions state machine that invokes the handler function with the
/// poll, waits the export's interval, and repeats until the poll has signalled the WaitCondition
/// (or, as the watcher of an export that does not wait, until it has put the export's completion event).
/// Step Functions because an execution may run for a year, waits cost nothing while they wait,
/// the handler can start and stop one execution per export by name (idempotently), and every
/// poll is visible in the execution history.
/// </summary>
public sealed class ExportPoller : Construct
{
    /// <summary>
    /// A watcher's longest run (2,500 polls at the longest PollInterval, an hour: 104 days) plus a
    /// margin. Each poll ends its own loop at its deadline (a long wait's: its Timeout; a watcher's:
    /// 2,500 intervals), and a Delete stops it; this only bounds an execution whose polls all fail.
    /// </summary>
    public static readonly Duration ExecutionTimeout = Duration.Days(105);

    /// <summary>The state machine.</summary>
    public StateMachine StateMachine { get; }

    /// <summary>
    /// The handler role's right to start and stop executions and to signal. A policy of its own, not
    /// the role's default policy: the handler function depends on that one, and the state machine on
    /// the function, which would close a dependency cycle. Export resources depend on this policy.
    /// </summary>
    internal Policy Access { get; }

    /// <param name="scope">The stack's ExportProvider.</param>
    /// <param name="handler">The handler function, which tells a poller input from the Provider's events.</param>
    /// <param name="logs">Its log group: the executions log there too, beside the polls they make.</param>
    /// <param name="handlerRole">The role the handler runs as, which starts, stops and signals.</param>
    internal ExportPoller(ExportProvider scope, Function handler, ILogGroup logs, IRole handlerRole) : base(scope, "Poller")
    {
        var poll = new LambdaInvoke(this, "Poll", new LambdaInvokeProps
        {
            LambdaFunction = handler,
            PayloadResponseOnly = true,
            ResultPath = "$.Poll",
        });
        var wait = new Wait(this, "Interval", new WaitProps { Time = WaitTime.SecondsPath("$." + PollerInput.IntervalField) });
        // A poll that failed (the Lambda throttled, the signal refused for now) is tried again a few
        // times, then the poller waits an interval and polls again: an outage of any length ends in
        // the right signal once it is over. The poll itself ends the loop at the export's deadline.
        poll.AddRetry(new RetryProps { Errors = ["States.TaskFailed"], Interval = Duration.Seconds(30), MaxAttempts = 3, BackoffRate = 2 });
        poll.AddCatch(wait, new CatchProps { Errors = ["States.ALL"], ResultPath = "$.PollError" });
        var finished = new Choice(this, "Signalled?")
            .When(Condition.BooleanEquals("$.Poll." + PollerOutput.DoneField, true), new Succeed(this, "Done"))
            .Otherwise(wait);
        wait.Next(poll);
        StateMachine = new StateMachine(this, "StateMachine", new StateMachineProps
        {
            DefinitionBody = DefinitionBody.FromChainable(poll.Next(finished)),
            Timeout = ExecutionTimeout,
            Comment = "ExportConstructs: polls one export and signals its WaitCondition, or watches an export that does not wait until it ends.",
            TracingEnabled = true,
        });
        LogEverything(logs);
        var executions = Stack.Of(this).FormatArn(new ArnComponents
        {
            Service = "states",
            Resource = "execution",
            ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
            ResourceName = StateMachine.StateMachineName + ":*",
        });
        Access = new Policy(this, "HandlerAccess", new PolicyProps
        {
            Roles = [handlerRole],
            Statements =
            [
                new PolicyStatement(new PolicyStatementProps { Actions = ["states:StartExecution"], Resources = [StateMachine.StateMachineArn] }),
                // The poll signals its export's WaitCondition; this stack's only.
                new PolicyStatement(new PolicyStatementProps { Actions = ["cloudformation:SignalResource"], Resources = [Aws.STACK_ID] }),
                new PolicyStatement(new PolicyStatementProps { Actions = ["states:StopExecution"], Resources = [executions] }),
            ],
        });
        var stack = Stack.Of(this);
        scope.Nag.Add(Access, "AwsSolutions-IAM5",
            "The handler stops the poller execution of an export it replaces or deletes; execution names are made per export and condition at deploy time, so the right covers this one state machine's executions.",
            NagSuppressions.Resource(stack, executions));
        var machineRole = StateMachine.Role.Node.FindChild("DefaultPolicy");
        scope.Nag.Add(machineRole, "AwsSolutions-IAM5",
            "The poller invokes the ExportConstructs handler; the CDK's LambdaInvoke task allows the function and its versions and aliases (':*'), of that one function only.",
            NagSuppressions.Resource(stack, handler.FunctionArn + ":*"));
        scope.Nag.Add(machineRole, "AwsSolutions-IAM5",
            "The poller delivers its logs (logs:CreateLogDelivery and the other log-delivery actions) and X-Ray traces (xray:PutTraceSegments and the like), which the CDK grants a logged and traced state machine on '*', the only resource those actions take.",
            NagSuppressions.Resource(stack, "*"));
    }

    /// <summary>
    /// Every poll is visible: ALL events with their data (the input names the export and its
    /// properties, and holds no credential) in the handler's log group. Written on the L1 with the
    /// log-delivery rights the L2 would add: <c>LogOptions.Destination</c> changed its .NET type after
    /// Amazon.CDK.Lib 2.160, so setting it fails under newer releases (see <see cref="CdkCompat"/>).
    /// </summary>
    private void LogEverything(ILogGroup logs)
    {
        ((CfnStateMachine)StateMachine.Node.DefaultChild!).LoggingConfiguration = new CfnStateMachine.LoggingConfigurationProperty
        {
            Destinations = new object[] { new CfnStateMachine.LogDestinationProperty { CloudWatchLogsLogGroup = new CfnStateMachine.CloudWatchLogsLogGroupProperty { LogGroupArn = logs.LogGroupArn } } },
            IncludeExecutionData = true,
            Level = "ALL",
        };
        // Log delivery to CloudWatch Logs takes only "*" (Step Functions' guide, "Logging using CloudWatch Logs").
        StateMachine.AddToRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"],
            Resources = ["*"],
        }));
    }
}

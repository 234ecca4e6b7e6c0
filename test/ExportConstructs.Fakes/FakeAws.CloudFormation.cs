using System.Text.RegularExpressions;
using System.Xml.Linq;
using ExportConstructs.Fakes.Iam;

namespace ExportConstructs.Fakes;

/// <summary>A SignalResource call CloudFormation accepted.</summary>
internal sealed record FakeResourceSignal(string StackName, string LogicalResourceId, string UniqueId, string Status);

internal sealed partial class FakeAws
{
    private const string CloudFormationNamespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

    /// <summary>Signals CloudFormation accepted, in order.</summary>
    public List<FakeResourceSignal> ResourceSignals { get; } = [];

    /// <summary>
    /// Whether CloudFormation takes a signal now: null when the resource waits for one, else the
    /// ValidationError's message (signals are refused outside a stack operation, or for a resource
    /// that is not being created with a CreationPolicy). Unset: every signal is taken.
    /// </summary>
    public Func<string, string, string?>? SignalTarget { get; set; }

    /// <summary>The stack's status DescribeStacks reports (e.g. UPDATE_ROLLBACK_IN_PROGRESS); unset: UPDATE_IN_PROGRESS.</summary>
    public Func<string, string>? StackStatus { get; set; }

    /// <summary>When the stack was created and when its last update began (DescribeStacks); unset: not reported.</summary>
    public Func<string, (DateTimeOffset Created, DateTimeOffset? Updated)>? StackTimes { get; set; }

    /// <summary>
    /// The physical id CloudFormation holds for a logical id now (DescribeStackResource), or null when
    /// the stack has no such resource (a ValidationError). Unset: no resource is known.
    /// </summary>
    public Func<string, string, string?>? StackResource { get; set; }

    /// <summary>
    /// The resource's status and when it last changed (DescribeStackResource's ResourceStatus and
    /// LastUpdatedTimestamp); unset or null: neither is answered.
    /// </summary>
    public Func<string, string, (string Status, DateTimeOffset Updated)?>? StackResourceStatus { get; set; }

    /// <summary>
    /// CloudFormation's SignalResource over the AWS Query protocol (signing name cloudformation).
    /// <code>
    /// SignalResource  cloudformation:SignalResource  arn:aws:cloudformation:region:account:stack/name/id
    /// DescribeStacks  cloudformation:DescribeStacks  arn:aws:cloudformation:region:account:stack/name/id
    /// DescribeStackResource  cloudformation:DescribeStackResource  arn:aws:cloudformation:region:account:stack/name/id
    /// </code>
    /// </summary>
    private Reply CloudFormation(RecordedRequest request, System.Collections.Specialized.NameValueCollection q)
    {
        var action = q["Action"] ?? "";
        Calls.Add("CloudFormation:" + action);
        if (!Regex.IsMatch(request.Header("Authorization") ?? "", @"Credential=[^/]+/\d{8}/[a-z0-9-]+/cloudformation/aws4_request"))
            ProtocolProblems.Add($"CloudFormation {action}: not signed for cloudformation: '{request.Header("Authorization")}'");
        if (action is not ("SignalResource" or "DescribeStacks" or "DescribeStackResource")) return CfnError("InvalidAction", $"The action {action} is not faked.", 400);
        var stack = q["StackName"] ?? "";
        var stackArn = stack.StartsWith("arn:", StringComparison.Ordinal) ? stack : $"arn:aws:cloudformation:{Region}:{Account}:stack/{stack}/*";
        if (Refusal(request, [Ask("cloudformation:" + action, stackArn)]) is { } denied)
            return CfnError("AccessDenied", denied.Message, 403);
        XName X(string n) => XName.Get(n, CloudFormationNamespace);
        if (action == "DescribeStacks")
            return new Reply(200, new XElement(X("DescribeStacksResponse"), new XElement(X("DescribeStacksResult"), new XElement(X("Stacks"),
                new XElement(X("member"), new XElement(X("StackId"), stack), new XElement(X("StackStatus"), StackStatus?.Invoke(stack) ?? "UPDATE_IN_PROGRESS"),
                    StackTimes?.Invoke(stack) is { } times
                        ? new[] { new XElement(X("CreationTime"), times.Created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ")) }
                            .Concat(times.Updated is { } updated ? [new XElement(X("LastUpdatedTime"), updated.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"))] : [])
                        : [])))).ToString());
        if (action == "DescribeStackResource")
        {
            var logical = q["LogicalResourceId"] ?? "";
            if (StackResource?.Invoke(stack, logical) is not { } physical)
                return CfnError("ValidationError", $"Resource {logical} does not exist for stack {stack}", 400);
            var state = StackResourceStatus?.Invoke(stack, logical);
            return new Reply(200, new XElement(X("DescribeStackResourceResponse"), new XElement(X("DescribeStackResourceResult"), new XElement(X("StackResourceDetail"),
                new XElement(X("StackId"), stack), new XElement(X("LogicalResourceId"), logical), new XElement(X("PhysicalResourceId"), physical),
                state is { } s
                    ? new[] { new XElement(X("ResourceStatus"), s.Status), new XElement(X("LastUpdatedTimestamp"), s.Updated.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ")) }
                    : Array.Empty<XElement>()))).ToString());
        }
        if (Injected("CloudFormation:SignalResource", out var injected)) return CfnError(injected.Code, "Injected " + injected.Code, injected.Status);
        var logicalId = q["LogicalResourceId"] ?? "";
        if (SignalTarget?.Invoke(stack, logicalId) is { } refused) return CfnError("ValidationError", refused, 400);
        ResourceSignals.Add(new FakeResourceSignal(stack, logicalId, q["UniqueId"] ?? "", q["Status"] ?? ""));
        return new Reply(200, new XElement(X("SignalResourceResponse"), new XElement(X("ResponseMetadata"), new XElement(X("RequestId"), Guid.NewGuid()))).ToString());
    }

    private static Reply CfnError(string code, string message, int status) => new(status,
        new XElement(XName.Get("ErrorResponse", CloudFormationNamespace),
            new XElement(XName.Get("Error", CloudFormationNamespace),
                new XElement(XName.Get("Type", CloudFormationNamespace), "Sender"),
                new XElement(XName.Get("Code", CloudFormationNamespace), code),
                new XElement(XName.Get("Message", CloudFormationNamespace), message)),
            new XElement(XName.Get("RequestId", CloudFormationNamespace), Guid.NewGuid())).ToString());
}

using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Constructs;
using ExportConstructs.Contract;

namespace ExportConstructs;

/// <summary>
/// EventBridge rules on one export's completion events (<see cref="ExportEvents"/>), for both
/// constructs and their imported forms, in the CDK's <c>onEvent</c> shape (aws-codebuild's
/// <c>Project.onStateChange</c>, aws-ecr's <c>Repository.onImageScanCompleted</c>): a <see cref="Rule"/>
/// under the export, built from the user's options (their <c>EventPattern</c> first), their
/// <c>Target</c> added, then this library's pattern merged in (the CDK unions arrays and merges
/// objects field by field, so a user's <c>Detail</c> field the pattern lacks narrows the rule, while
/// values given for one it has, such as <c>logicalId</c>, are added to its values and widen it).
/// Source, detail-types and detail field names come from the contract, which the
/// handler publishes by.
/// </summary>
internal static class ExportEventRules
{
    /// <summary>
    /// The outcomes <c>OnExportFailed</c> matches: the export failed, or outlasted its Timeout. Both
    /// leave no result and fail the stack operation that waited; a Cancelled export was ended by a
    /// Delete that wanted it gone, so only <c>OnExportStateChange</c> sees it.
    /// </summary>
    public static readonly IReadOnlyList<string> FailedDetailTypes = [ExportEvents.DetailTypes.Failed, ExportEvents.DetailTypes.TimedOut];

    /// <summary>A rule on every final state of the export <paramref name="match"/> identifies.</summary>
    public static Rule StateChange(Construct export, string id, IOnEventOptions? options, IDictionary<string, object> match) =>
        Define(export, id, options, match, ExportEvents.DetailTypes.All);

    /// <summary>A rule on the export's <c>Export Completed</c> event.</summary>
    public static Rule Completed(Construct export, string id, IOnEventOptions? options, IDictionary<string, object> match) =>
        Define(export, id, options, match, [ExportEvents.DetailTypes.Completed]);

    /// <summary>A rule on the export's <see cref="FailedDetailTypes"/> events.</summary>
    public static Rule Failed(Construct export, string id, IOnEventOptions? options, IDictionary<string, object> match) =>
        Define(export, id, options, match, FailedDetailTypes);

    /// <summary>
    /// The detail of an export of this stack: the stack's id and the export resource's logical id,
    /// which the handler publishes on both wait paths (the long path's result resource publishes the
    /// export resource's, <c>ExportLogicalId</c>). Both outlive a replacement, whose task id is new.
    /// The logical id is the element's own token, so an overridden one is matched as deployed.
    /// </summary>
    public static IDictionary<string, object> OfResource(CustomResource resource) => new Dictionary<string, object>
    {
        [ExportEvents.DetailFields.StackId] = new[] { Stack.Of(resource).StackId },
        [ExportEvents.DetailFields.LogicalId] = new[] { ((CfnElement)resource.Node.DefaultChild!).LogicalId },
    };

    /// <summary>The detail of an export known by its task id, which every event of it carries.</summary>
    public static IDictionary<string, object> OfTask(string taskId) => new Dictionary<string, object>
    {
        [ExportEvents.DetailFields.TaskId] = new[] { taskId },
    };

    /// <summary>
    /// The detail of an AppStream export known only by its AMI: the AMI id is one of the attributes
    /// of an <c>Export Completed</c> event, and of no other (a failed export made no AMI).
    /// </summary>
    public static IDictionary<string, object> OfAmi(string amiId) => new Dictionary<string, object>
    {
        [ExportEvents.DetailFields.Attributes] = new Dictionary<string, object> { [AppStreamAmiExportAttributeNames.AmiId] = new[] { amiId } },
    };

    private static Rule Define(Construct export, string id, IOnEventOptions? options, IDictionary<string, object> match, IEnumerable<string> detailTypes)
    {
        var rule = new Rule(export, id, new RuleProps
        {
            EventPattern = options?.EventPattern,
            RuleName = options?.RuleName,
            Description = options?.Description,
            CrossStackScope = options?.CrossStackScope,
        });
        rule.AddTarget(options?.Target);
        rule.AddEventPattern(new EventPattern
        {
            Source = [ExportEvents.Source],
            DetailType = [.. detailTypes],
            Detail = match,
        });
        return rule;
    }
}

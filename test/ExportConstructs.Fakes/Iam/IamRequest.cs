namespace ExportConstructs.Fakes.Iam;

/// <summary>
/// One authorization question AWS asks while serving a call: may the caller perform
/// <paramref name="Action"/> on <paramref name="Resource"/>, given this request context? One API call
/// can ask several (ExportImage asks about the image, the new task, the tags and the passed role).
/// </summary>
/// <param name="Action">Service prefix and action, e.g. <c>ec2:CancelExportTask</c>.</param>
/// <param name="Resource">One ARN, or <c>*</c> for an action that supports no resource type (a
/// statement must then name <c>*</c> to match it, as in IAM).</param>
/// <param name="Context">Condition keys AWS puts in the request context, each with its values
/// (e.g. <c>aws:ResourceTag/exportconstructs:stack</c> → [stack id]). Key names compare
/// case-insensitively, as IAM's do. Keys the action does not support are ignored by
/// <see cref="IamEvaluator"/> even if given here, see <see cref="ConditionKeySupport"/>.</param>
internal sealed record IamRequest(string Action, string Resource, IReadOnlyDictionary<string, IReadOnlyList<string>> Context)
{
    /// <summary>A request whose context holds no condition keys.</summary>
    public IamRequest(string action, string resource) : this(action, resource, new Dictionary<string, IReadOnlyList<string>>()) { }

    /// <summary>Readable form for messages: action on resource.</summary>
    public override string ToString() => $"{Action} on {Resource}";
}

using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.CustomResources;
using Constructs;
using ExportConstructs.Contract;

namespace ExportConstructs;

/// <summary>The handler role's rights: shared statements, per-value policies, and the cleanup rights that outlive the template.</summary>
public sealed partial class ExportProvider
{
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
        // Completion events: on the account's default bus only, and only with this library's source
        // (events:source is list-valued, so every value must be ours).
        Allow(["events:PutEvents"], [$"arn:{Aws.PARTITION}:events:{Aws.REGION}:{Aws.ACCOUNT_ID}:event-bus/default"], new Dictionary<string, object>
        {
            ["ForAllValues:StringEquals"] = new Dictionary<string, object> { ["events:source"] = new[] { ExportEvents.Source } },
            ["Null"] = new Dictionary<string, object> { ["events:source"] = "false" },
        });
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
        var value = ValueOf(source ?? resource);
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

    /// <summary>
    /// <paramref name="value"/> resolved in this stack, once per value (each resolution is a jsii round
    /// trip, and exports of a stack name the same few values). Its <see cref="DeployTimeValue.Json"/> is
    /// the CloudFormation form, the same for every read of one attribute, unlike the token's text.
    /// </summary>
    internal DeployTimeValue ValueOf(string value)
    {
        if (!_values.TryGetValue(value, out var resolved)) _values[value] = resolved = DeployTimeValue.Of(_stack, value, IsParameter);
        return resolved;
    }
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
}

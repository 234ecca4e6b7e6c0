namespace ExportConstructs.Contract;

/// <summary>
/// Where EC2 writes an exported file, and how its task ids look: the handler reads and deletes the
/// file by these rules, and the construct scopes the S3 cleanup right by them.
/// </summary>
internal static class ExportedVmImageFiles
{
    /// <summary>The prefix of every EC2 export-image-task id (the handler tells its ids from made-up ones by it).</summary>
    public const string TaskIdPrefix = "export-ami-";

    /// <summary>
    /// Every exported file's key in a bucket, whatever the prefix it was written under: S3 deletes take
    /// no tag condition and export files carry no tags, so the cleanup right is scoped by this pattern.
    /// </summary>
    public const string AnyKeyPattern = "*" + TaskIdPrefix + "*";

    /// <summary>
    /// The S3 key EC2 writes: the prefix as given (no separator added), the task id, a dot and the
    /// lower-case format, e.g. <c>exports/export-ami-1234567890abcdef0.vmdk</c>.
    /// </summary>
    public static string ObjectKey(string prefix, string exportImageTaskId, string format) =>
        $"{prefix}{exportImageTaskId}.{format.ToLowerInvariant()}";
}

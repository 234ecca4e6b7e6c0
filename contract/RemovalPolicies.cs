namespace ExportConstructs.Contract;

/// <summary>What Delete does with the exported artifact (S3 object or AMI).</summary>
internal static class RemovalPolicies
{
    /// <summary>Keep the artifact when the resource is deleted or replaced.</summary>
    public const string Retain = "retain";

    /// <summary>Delete the artifact when the resource is deleted or replaced.</summary>
    public const string Destroy = "destroy";

    /// <summary>Every valid value.</summary>
    public static readonly IReadOnlyList<string> All = [Retain, Destroy];
}

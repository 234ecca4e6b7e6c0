namespace ExportConstructs.Contract;

/// <summary>Tags the handler puts on what it creates; the constructs scope IAM by them.</summary>
public static class Tagging
{
    /// <summary>
    /// On every AppStream export task (and so on its AMI): a digest of the CloudFormation request
    /// that started it. AppStream has no client token, so this is how a repeated request finds
    /// the task it already started; DESTROY may deregister only AMIs that carry it.
    /// </summary>
    public const string AppStreamRequestTag = "exportconstructs:request";
}

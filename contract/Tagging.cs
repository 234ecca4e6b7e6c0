using System.Security.Cryptography;
using System.Text;

namespace ExportConstructs.Contract;

/// <summary>
/// Tags the handler puts on every export it starts (EC2 export-image-task; AppStream task and so
/// its AMI). They make an export findable without its physical id (CloudFormation sends an id it
/// made up after an answer it never got), tell a rollback which export it returns to, and scope
/// the cleanup rights in IAM, which then hold whatever the current template says.
/// </summary>
internal static class Tagging
{
    /// <summary>The resource property holding the user's tags (the construct's prop merged with the CDK's tags).</summary>
    public const string TagsProperty = "Tags";

    /// <summary>The prefix of every owner tag's key: user tags may not use it, and re-tagging never touches it.</summary>
    public const string OwnerKeyPrefix = "exportconstructs:";

    /// <summary>
    /// A digest of the CloudFormation request that started the export. AppStream has no client
    /// token, so this is how a repeated request finds the task it already started.
    /// </summary>
    public const string RequestTag = "exportconstructs:request";

    /// <summary>The stack's id (ARN): the cleanup rights require this tag to carry this stack's id.</summary>
    public const string StackTag = "exportconstructs:stack";

    /// <summary>The resource's logical id in that stack.</summary>
    public const string LogicalIdTag = "exportconstructs:logical-id";

    /// <summary>
    /// A digest of what the export exports (<see cref="ExportProperties.Identity"/>): an Update
    /// compares it with the properties it brings, so a rollback finds the export it returns to.
    /// </summary>
    public const string IdentityTag = "exportconstructs:identity";

    /// <summary>On a replacement: the export (task id) it replaces, to which a rollback returns.</summary>
    public const string ReplacesTag = "exportconstructs:replaces";

    /// <summary>How many of a service's 50 tags the owner tags take.</summary>
    public const int OwnerTagCount = 5;

    /// <summary>The identity digest of <paramref name="properties"/>: 16 hex digits.</summary>
    public static string IdentityOf(ExportProperties properties) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", properties.Identity())))).ToLowerInvariant()[..16];
}

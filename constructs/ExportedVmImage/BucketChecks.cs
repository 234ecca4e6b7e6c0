using Amazon.CDK;
using Amazon.CDK.AWS.S3;

namespace ExportConstructs;

/// <summary>
/// What EC2 ExportImage needs of its bucket, checked at synth where the CDK knows it: the same
/// account and region as the stack (EC2 writes only there), and no SSE-KMS of any kind (EC2
/// cannot write to a bucket whose default encryption is a KMS key, the AWS-managed aws/s3 key
/// included). An imported bucket's encryption is unknown at synth: EC2 says so at deploy.
/// </summary>
internal static class BucketChecks
{
    /// <summary>What the checks read of a bucket: its path, account, region and KMS encryption (null when none).</summary>
    private sealed record Facts(string Path, string? Account, string? Region, string? Kms);

    // Exports share a few buckets: each is read once (a dozen jsii calls), and compared with each export's stack.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IBucket, Facts> Read = [];

    public static IEnumerable<string> Problems(string who, IBucket bucket, Stack stack)
    {
        var facts = Read.GetValue(bucket, b => ReadFacts(b, stack));
        if (Known(facts.Account) && Known(stack.Account) && facts.Account != stack.Account)
            yield return Messages.BucketAccount(who, facts.Path, facts.Account, stack.Account);
        if (Known(facts.Region) && Known(stack.Region) && facts.Region != stack.Region)
            yield return Messages.BucketRegion(who, facts.Path, facts.Region, stack.Region);
        if (facts.Kms is not null)
            yield return Messages.BucketKms(who, facts.Path, facts.Kms);
    }

    private static Facts ReadFacts(IBucket bucket, Stack stack)
    {
        var (account, region) = EnvironmentOf(bucket);
        return new Facts(bucket.Node.Path, account, region, bucket.EncryptionKey is not null ? "a KMS key" : KmsEncrypted(bucket, stack));
    }

    /// <summary>
    /// The bucket's account and region. Read by name: <c>IResource.Env</c> changed its type after
    /// Amazon.CDK.Lib 2.160 (a library compiled against one shape fails with MissingMethodException
    /// under the other), while its Account and Region keep their names.
    /// </summary>
    private static (string? Account, string? Region) EnvironmentOf(IBucket bucket)
    {
        var env = Property(bucket, "Env");
        return (Property(env, "Account") as string, Property(env, "Region") as string);
    }

    private static object? Property(object? target, string name) =>
        target?.GetType().GetInterfaces().Prepend(target.GetType())
            .Select(t => t.GetProperty(name)).FirstOrDefault(p => p is not null)?.GetValue(target);

    private static bool Known(string? value) => value is not null && !Props.IsToken(value);

    /// <summary>The bucket's default SSE algorithm when it is a KMS one (aws:kms, aws:kms:dsse), from the bucket's own L1.</summary>
    private static string? KmsEncrypted(IBucket bucket, Stack stack)
    {
        if (bucket.Node.DefaultChild is not CfnBucket cfn || cfn.BucketEncryption is null) return null;
        var text = System.Text.Json.JsonSerializer.Serialize(stack.Resolve(cfn.BucketEncryption));
        return text.Contains("\"aws:kms:dsse\"", StringComparison.Ordinal) ? "aws:kms:dsse"
            : text.Contains("\"aws:kms\"", StringComparison.Ordinal) ? "aws:kms" : null;
    }
}

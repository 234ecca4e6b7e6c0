using System.Text.RegularExpressions;

namespace ExportConstructs.Contract;

/// <summary>
/// The input rules, kept once: the constructs run them at synth on values that are known, the
/// handler runs them at deploy on every value (tokens resolved by then). Each message names the
/// construct prop, the value and what is valid, so both sides say the same thing.
/// </summary>
internal static partial class Validation
{
    /// <summary>Tests whether a string is an unresolved CDK token (the handler passes "never").</summary>
    public delegate bool IsToken(string value);

    /// <summary>Never a token: what the handler uses, since CloudFormation resolved everything.</summary>
    public static readonly IsToken Resolved = _ => false;

    /// <summary>Most tags AWS accepts on one resource.</summary>
    public const int MaxTags = 50;

    private static readonly string OwnerTags = $" ({Tagging.OwnerTagCount} of the 50 are the owner tags exportconstructs:*, which find and scope the export)";

    /// <summary>The rules of whichever export <paramref name="p"/> describes; empty when all hold.</summary>
    public static IReadOnlyList<string> Check(ExportProperties p, IsToken isToken) => p switch
    {
        ExportedVmImageProperties vm => Check(vm, isToken),
        AppStreamAmiExportProperties appStream => Check(appStream, isToken),
        _ => throw new ArgumentException($"No rules for {p.GetType().Name}.", nameof(p)),
    };

    /// <summary>The rules of <see cref="ResourceTypes.ExportedVmImage"/>; empty when all hold.</summary>
    public static IReadOnlyList<string> Check(ExportedVmImageProperties p, IsToken isToken)
    {
        var errors = new Errors("ExportedVmImage", isToken);
        errors.Match("ImageId", p.ImageId, AmiId(), "'ami-' followed by 8 or 17 lower-case hexadecimal digits, e.g. ami-0123456789abcdef0");
        errors.OneOf("DiskImageFormat", p.DiskImageFormat, DiskImageFormats.All);
        errors.Match("Bucket", p.S3Bucket, BucketName(), "an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit");
        errors.MaxLength("Prefix", p.S3Prefix, 900, "so that the key (prefix + task id + extension) stays within S3's 1024 bytes");
        errors.MaxLength("Description", p.Description, 255, "as EC2 ExportImage allows");
        errors.Match("Role", p.RoleName, RoleName(), "an IAM role name of 1 to 64 characters from letters, digits and +=,.@_-");
        errors.Tags(Tagging.TagsProperty, p.Tags, "EC2", MaxTags - Tagging.OwnerTagCount, OwnerTags);
        errors.OneOf("RemovalPolicy", p.RemovalPolicy, RemovalPolicies.All);
        errors.OneOf("WaitForCompletion", p.WaitForCompletion, ["true", "false"]);
        return errors.List;
    }

    /// <summary>The rules of <see cref="ResourceTypes.AppStreamAmiExport"/>; empty when all hold.</summary>
    public static IReadOnlyList<string> Check(AppStreamAmiExportProperties p, IsToken isToken)
    {
        var errors = new Errors("AppStreamAmiExport", isToken);
        errors.Match("ImageName", p.ImageName, ImageName(), "1 to 101 characters: a letter or digit, then letters, digits, '_', '.' or '-' (pattern ^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,100}$)");
        if (p.AmiName is not null)
            errors.Match("AmiName", p.AmiName, AmiName(), "3 to 128 characters from letters, digits and ().-/_ (pattern ^[a-zA-Z0-9().\\-/_]{3,128}$)");
        errors.Match("Role", p.IamRoleArn, RoleArn(), "an IAM role ARN such as arn:aws:iam::123456789012:role/AppStreamExport");
        errors.MaxLength("AmiDescription", p.AmiDescription, 256, "as AppStream CreateExportImageTask allows");
        errors.Tags(Tagging.TagsProperty, p.Tags, "AppStream", MaxTags - Tagging.OwnerTagCount, OwnerTags);
        errors.OneOf("RemovalPolicy", p.RemovalPolicy, RemovalPolicies.All);
        errors.OneOf("WaitForCompletion", p.WaitForCompletion, ["true", "false"]);
        return errors.List;
    }

    [GeneratedRegex("^ami-([0-9a-f]{8}|[0-9a-f]{17})$")] private static partial Regex AmiId();
    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")] private static partial Regex BucketName();
    [GeneratedRegex(@"^[\w+=,.@-]{1,64}$")] private static partial Regex RoleName();
    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,100}$")] private static partial Regex ImageName();
    [GeneratedRegex(@"^[a-zA-Z0-9().\-/_]{3,128}$")] private static partial Regex AmiName();
    [GeneratedRegex(@"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")] private static partial Regex RoleArn();

    /// <summary>Collects the messages of one resource's props.</summary>
    private sealed class Errors(string construct, IsToken isToken)
    {
        public List<string> List { get; } = [];

        private void Add(string prop, string? value, string valid) =>
            List.Add(value is null
                ? $"{construct}: {prop} is required; expected {valid}."
                : $"{construct}: {prop} '{value}' is not valid; expected {valid}.");

        public void Match(string prop, string? value, Regex rule, string valid)
        {
            if (value is not null && isToken(value)) return;
            if (value is null || !rule.IsMatch(value)) Add(prop, value, valid);
        }

        public void OneOf(string prop, string? value, IReadOnlyList<string> valid)
        {
            if (value is not null && isToken(value)) return;
            if (value is null || !valid.Contains(value)) Add(prop, value, "one of " + string.Join(", ", valid));
        }

        public void MaxLength(string prop, string? value, int max, string why)
        {
            if (value is null || isToken(value) || value.Length <= max) return;
            List.Add($"{construct}: {prop} is {value.Length} characters long; at most {max} are allowed, {why}.");
        }

        public void Tags(string prop, IReadOnlyDictionary<string, string>? tags, string service, int max, string why)
        {
            if (tags is null) return;
            if (tags.Count > max)
                List.Add($"{construct}: {prop} has {tags.Count} entries; at most {max} are allowed{why}, as {service} takes 50 tags.");
            foreach (var (key, value) in tags)
            {
                if (!isToken(key) && (key.Length is < 1 or > 128 || key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase) || key.StartsWith(Tagging.OwnerKeyPrefix, StringComparison.Ordinal)))
                    List.Add($"{construct}: {prop} key '{key}' is not valid; expected 1 to 128 characters, not starting with 'aws:' or 'exportconstructs:' (the owner tags).");
                if (!isToken(value) && value.Length > 256)
                    List.Add($"{construct}: {prop} value of '{key}' is {value.Length} characters long; at most 256 are allowed.");
            }
        }
    }
}

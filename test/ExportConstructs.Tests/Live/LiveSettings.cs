using ExportConstructs.LiveApp;

namespace ExportConstructs.Tests.Live;

/// <summary>
/// What the live suite needs from the environment. Unless all of it is set the live tests are
/// skipped, so `dotnet test` in CI and on machines without an account never touches AWS.
/// Credentials come from the standard chain (AWS_PROFILE, AWS_ACCESS_KEY_ID…), for the CDK CLI and
/// the test's own AWS calls alike.
/// </summary>
internal sealed record LiveSettings(string ImageId, string OtherImageId, string BucketName, string Region, string StackName)
{
    public const string Switch = "EXPORTCONSTRUCTS_LIVE";
    public const string ImageIdVariable = "EXPORTCONSTRUCTS_LIVE_IMAGE_ID";
    public const string OtherImageIdVariable = "EXPORTCONSTRUCTS_LIVE_OTHER_IMAGE_ID";
    public const string BucketVariable = "EXPORTCONSTRUCTS_LIVE_BUCKET";
    public const string StackNameVariable = "EXPORTCONSTRUCTS_LIVE_STACK_NAME";

    /// <summary>The prefix the stack's exports write under.</summary>
    public string Prefix => LiveStack.PrefixOf(StackName);

    /// <summary>The settings, or why the live suite is skipped.</summary>
    public static (LiveSettings? Settings, string? SkipReason) FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        string? Get(string name) => read(name) is { Length: > 0 } value ? value.Trim() : null;
        var region = Get("AWS_REGION") ?? Get("AWS_DEFAULT_REGION");
        var missing = new List<string>();
        if (Get(Switch) != "1") missing.Add($"{Switch}=1");
        foreach (var name in new[] { ImageIdVariable, OtherImageIdVariable, BucketVariable })
            if (Get(name) is null) missing.Add(name);
        if (region is null) missing.Add("AWS_REGION");
        if (missing.Count > 0)
            return (null, "Live AWS suite (deploys to a real, CDK-bootstrapped account; see README, \"Checking against a real account\"): "
                + $"set {Switch}=1, {ImageIdVariable}, {OtherImageIdVariable}, {BucketVariable} and AWS_REGION, with AWS credentials "
                + $"(optional: {StackNameVariable}). Not set: {string.Join(", ", missing)}.");
        var settings = new LiveSettings(Get(ImageIdVariable)!, Get(OtherImageIdVariable)!, Get(BucketVariable)!, region!, Get(StackNameVariable) ?? LiveStack.DefaultStackName);
        if (settings.ImageId == settings.OtherImageId)
            return (null, $"Live AWS suite: {ImageIdVariable} and {OtherImageIdVariable} must name two different AMIs (the replacement exports the other one).");
        return (settings, null);
    }
}

/// <summary>A test against a real AWS account: skipped, naming the variables to set, unless <see cref="LiveSettings"/> are all given.</summary>
internal sealed class LiveFactAttribute : FactAttribute
{
    public LiveFactAttribute()
    {
        if (LiveSettings.FromEnvironment().SkipReason is { } reason) Skip = reason;
    }
}

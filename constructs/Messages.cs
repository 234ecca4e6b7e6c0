namespace ExportConstructs;

/// <summary>
/// Every user-facing message of the constructs, in one place (the contract's rules have theirs in
/// <c>contract/Validation.cs</c>, shared with the handler, whose own are in its <c>Errors.cs</c>).
/// Each names the construct (its path), the prop or value, and what is valid or what to do.
/// </summary>
internal static class Messages
{
    // ---- props of both constructs

    public static ArgumentException Required(string who, string prop, string expected) => new($"{who}: {prop} is required; expected {expected}.");

    public static ArgumentException RemovalPolicyInvalid(string construct, object? policy) =>
        new($"{construct}: RemovalPolicy '{policy}' is not valid; expected RETAIN (keep the exported artifact) or DESTROY (delete it with the resource).");

    // ---- waiting

    public static ArgumentException TimeoutInvalid(string construct, int total, int max) =>
        new($"{construct}: Timeout {total} s is not valid; expected 60 s to {max} s (12 hours, the longest a CloudFormation WaitCondition waits).");

    public static ArgumentException PollIntervalInvalid(string construct, int interval) =>
        new($"{construct}: PollInterval {interval} s is not valid; expected 10 s to 3600 s.");

    public static ArgumentException PollIntervalOverTimeout(string construct, int interval, int total) =>
        new($"{construct}: PollInterval {interval} s is longer than Timeout {total} s; expected at most the Timeout.");

    public static ArgumentException TooManyPolls(string construct, int interval, int total, int maxPolls) =>
        new($"{construct}: PollInterval {interval} s is too short for Timeout {total} s: the poller would poll {total / interval} times, and its execution holds at most {maxPolls} polls (Step Functions' 25,000-event history); expected at least {(total + maxPolls - 1) / maxPolls} s.");

    public static ArgumentException DurationNotKnown(string construct, string prop) =>
        new($"{construct}: {prop} must be known at synth time; it decides the resources the export is built from.");

    public static ArgumentException DurationInvalid(string construct, string prop, double seconds) => new($"{construct}: {prop} {seconds} s is not valid.");

    // ---- the bucket of an ExportedVmImage

    public static string BucketAccount(string who, string path, string? account, string stackAccount) =>
        $"{who}: Bucket '{path}' is in account {account}, the stack in {stackAccount}; expected a bucket of the stack's account (EC2 ExportImage writes only there).";

    public static string BucketRegion(string who, string path, string? region, string stackRegion) =>
        $"{who}: Bucket '{path}' is in region {region}, the stack in {stackRegion}; expected a bucket of the stack's region (EC2 ExportImage writes only there).";

    public static string BucketKms(string who, string path, string? kms) =>
        $"{who}: Bucket '{path}' is encrypted with KMS ({kms}); EC2 ExportImage cannot write to SSE-KMS buckets; expected S3-managed encryption (BucketEncryption.S3_MANAGED).";

    // ---- exports feeding exports, and exports of one AMI

    public static string ChainFromNonWaitingSource(string export, string source) =>
        $"ExportedVmImage '{export}': ImageId is the AmiId of AppStreamAmiExport '{source}', which has WaitForCompletion = false, so its AmiId is empty when it completes; expected a source that waits for its export (WaitForCompletion = true, the default).";

    public static string ChainFromWindows(string export, string source) =>
        $"ExportedVmImage '{export}' exports the AMI of AppStreamAmiExport '{source}', whose OperatingSystem is WINDOWS: EC2 refuses to export AMIs with AWS-provided Windows (NotExportable). Chain Linux AppStream images, and set OperatingSystem = LINUX on the source.";

    public static string SameImageAfterNonWaiting(string export, string previous) =>
        $"ExportedVmImage '{export}' exports the same AMI as '{previous}', which does not wait for completion (WaitForCompletion = false): EC2 exports one AMI at a time, so this export's start may be refused while that one runs. Let the earlier export wait, or deploy this one later.";

    // ---- finished exports used from elsewhere

    public static InvalidOperationException AttributeNotDerivable(string who, string name, string s3Key) =>
        new($"{who}: {name} was not given and cannot be read from S3Key '{s3Key}'; expected it in the attributes.");

    public static InvalidOperationException AttributeNotGiven(string who, string name) => new($"{who}: {name} was not given; expected it in the attributes.");

    // ---- rules on an export's completion events

    public static InvalidOperationException RuleWithoutTaskId(string who, string method, string s3Key) =>
        new($"{who}: {method} cannot tell this export's events from other exports': ExportImageTaskId was not given and cannot be read from S3Key '{s3Key}'; expected ExportImageTaskId in the attributes (every event of an export carries its task id).");

    public static InvalidOperationException RuleOnAmiOnly(string who, string method) =>
        new($"{who}: {method} cannot tell this export's events from other exports': only AmiId was given, and only an Export Completed event carries the AMI id (a failed export made none); expected TaskId in the attributes (every event of an export carries its task id), or OnExportCompleted, which matches by AmiId.");

    // ---- the provider

    public static ArgumentException ProviderExists(string stackPath) =>
        new($"The ExportProvider of stack {stackPath} already exists; pass its props in the first call to ExportProvider.Of, before any export is created.");

    public static ArgumentException FrameworkRuntimeInvalid(string runtime) =>
        new($"ExportProvider: FrameworkRuntime '{runtime}' is not valid; the Provider framework is Node.js code, so expected a Node.js runtime such as nodejs22.x or nodejs24.x.");

    public static string InlinePolicyQuota(string provider, int total, int allowed, int grants, int grantCharacters) =>
        $"ExportProvider '{provider}': the handler role's inline policies would take about {total} characters; IAM allows {allowed} per role. "
        + $"{grants} of them ({grantCharacters} characters) are grants on values other resources of the stack produce (e.g. chained exports whose ImageId is an AppStreamAmiExport's AmiId, or a Role or Bucket made in the stack); "
        + "expected fewer such exports per stack: split them over stacks, share one Role and one Bucket, or pass values known at synth.";

    public static ArgumentException NotACfnResource(string path) => new($"{path} is not a CloudFormation resource and has none as its default child.");
}

namespace ExportConstructs.Handler;

/// <summary>
/// A failure the user has to act on. The Provider framework turns the message into the reason
/// CloudFormation shows, so each one says what happened, to which resource, and what to do.
/// </summary>
internal class ExportException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An AWS call that failed after the SDK's retries; keeps the AWS error.</summary>
internal sealed class AwsCallException(string message, Amazon.Runtime.AmazonServiceException inner) : ExportException(message, inner)
{
    private static readonly HashSet<string> ThrottlingCodes =
        ["Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled", "RequestThrottledException", "RequestLimitExceeded", "TooManyRequestsException", "SlowDown"];

    /// <summary>
    /// Throttling or a server error: the call may well succeed later. The poller then skips a poll
    /// instead of failing the export; anything else (access denied, not found) is definite.
    /// </summary>
    public bool Transient => (int)inner.StatusCode >= 500 || ThrottlingCodes.Contains(inner.ErrorCode ?? "");
}

/// <summary>
/// AWS does not (or no longer) know the export. Right after a start this can be eventual
/// consistency, so a wait treats it as "not yet" for <see cref="ExportNotFoundException.GraceSeconds"/>.
/// </summary>
internal sealed class ExportNotFoundException(string message) : ExportException(message)
{
    /// <summary>How long after a start a missing export counts as not visible yet.</summary>
    public const int GraceSeconds = 300;
}

/// <summary>A start AWS refused for a limit that frees up (<see cref="Contract.StartLimits"/>): the export is queued, not failed.</summary>
internal sealed class StartRefusedException(string message, Amazon.Runtime.AmazonServiceException inner) : ExportException(message, inner)
{
    /// <summary>AWS's error code.</summary>
    public string Code => ((Amazon.Runtime.AmazonServiceException)InnerException!).ErrorCode;
}

/// <summary>An export that did not finish, or never started, within its Timeout.</summary>
internal sealed class ExportTimedOutException(string message) : ExportException(message);

/// <summary>A queued export whose stack no longer waits for it: nothing more is started for it.</summary>
internal sealed class QueuedStartAbandonedException(string message) : ExportException(message);

/// <summary>Every user-facing message of the handler, in one place.</summary>
internal static class Errors
{
    public static ExportException InvalidProperties(IReadOnlyList<string> problems) =>
        new(string.Join(" ", problems));

    public static ExportException UnknownResourceType(string type, IEnumerable<string> known) =>
        new($"This handler serves {string.Join(" and ", known)}, not '{type}'. Check the ServiceToken of the resource.");

    public static ExportException UnknownRequestType(string type) =>
        new($"RequestType '{type}' is not one of Create, Update, Delete.");

    public static ExportException UnknownHandler(string? name, IEnumerable<string> known) =>
        new($"_HANDLER is '{name}'; expected one of {string.Join(", ", known)}.");

    public static ExportException MissingEnvironment(string name) =>
        new($"The environment variable {name} is not set; this binary must run under the Lambda Runtime API.");

    public static AwsCallException AwsCall(string service, string operation, string subject, Amazon.Runtime.AmazonServiceException e, string advice) =>
        new(AwsCallMessage(service, operation, subject, e, advice), e);

    private static string AwsCallMessage(string service, string operation, string subject, Amazon.Runtime.AmazonServiceException e, string advice) =>
        $"{service} {operation} failed for {subject}: [{e.ErrorCode ?? e.StatusCode.ToString()}] {e.Message} {advice}".TrimEnd();

    /// <summary>A start refused for a limit that frees up: the same message as <see cref="AwsCall"/>, as a queueing signal.</summary>
    public static StartRefusedException StartRefused(string service, string operation, string subject, Amazon.Runtime.AmazonServiceException e, string advice) =>
        new(AwsCallMessage(service, operation, subject, e, advice), e);

    public static ExportTimedOutException NeverGotASlot(string resourceType, string logicalId, int attempts, long waitedSeconds, string lastRefusal) =>
        new($"{resourceType} {logicalId} never got a slot: AWS refused its start {attempts} time(s) over {waitedSeconds} s, for a limit that frees " +
            $"up when other exports end, and its Timeout has passed. Last refusal: {lastRefusal} " +
            "Raise Timeout, export fewer images at once, or ask AWS for a higher quota (README: Limits and queueing).");

    public static ExportTimedOutException QueuedExportNeverStarted(string resourceType, string logicalId, string queueId) =>
        new($"{resourceType} {logicalId}: queued export {queueId} never started within its Timeout, so nothing was exported: AWS refused " +
            "its start for a limit until the Timeout, or the start failed. The poller's log names each refusal and the failure. " +
            "Raise Timeout, export fewer images at once, or ask AWS for a higher quota (README: Limits and queueing).");

    public static QueuedStartAbandonedException QueuedStartAbandoned(string resourceType, string logicalId, string queueId, string status) =>
        new($"{resourceType} {logicalId}: the stack is no longer in the operation that queued export {queueId} ({status}), so it is not started.");

    public static ExportException VmExportFailed(string taskId, string? imageId, string status, string? message) =>
        new($"EC2 export task {taskId} of image {imageId} ended as '{status}' without being cancelled: {message ?? "no status message"}. " +
            "Check that the AMI is exportable (no Marketplace or Windows licence, no encrypted snapshots) and that the service role can write to the bucket.");

    public static ExportNotFoundException VmExportNotFound(string taskId) =>
        new($"EC2 export task {taskId} was not found. It may have been deleted outside CloudFormation; update the resource to start a new export.");

    public static ExportNotFoundException AppStreamExportNotFound(string taskId) =>
        new($"AppStream export task {taskId} was not found. It may have been deleted outside CloudFormation; update the resource to start a new export.");

    public static ExportException AppStreamExportFailed(string taskId, string? imageArn, string state, IEnumerable<string> details) =>
        new($"AppStream export task {taskId} of image {imageArn} ended as {state}: {string.Join("; ", details).DefaultIfEmpty("no error details")}.");

    public static ExportTimedOutException WaitTimedOut(string resourceType, string logicalId, string? taskId, int timeoutSeconds) =>
        new($"{resourceType} {logicalId}: export {taskId} did not finish within its Timeout of {timeoutSeconds} s. " +
            "Raise Timeout (up to 12 hours), or set WaitForCompletion to false.");

    public static ExportException AmiNameCollision(string amiName) =>
        new($"AppStreamAmiExport: AmiName '{amiName}' belongs to the export this update replaces, and AMI names are unique per account and region. " +
            "Change AmiName together with what you changed, or leave AmiName unset so that every export gets a generated name.");

    public static ExportException ResultWithoutTask(string resourceType, string logicalId) =>
        new($"{resourceType} {logicalId} has no TaskId property; it must name the export task it reports on.");

    public static ExportException ReplacementWithoutTask(string logicalId) =>
        new($"{logicalId}: a replacing Update reached isComplete without the new export's id.");

    public static ExportException PollerWithoutCondition(string taskId) =>
        new($"The poller input for {taskId} names no WaitCondition to signal.");

    public static AwsCallException PollerNotStarted(string taskId, Amazon.Runtime.AmazonServiceException e, bool exportStopped) =>
        AwsCall("Step Functions", "StartExecution", $"the poller of export {taskId}", e,
            exportStopped ? "The export was stopped; deploying again starts it anew." : "The export is kept; deploying again retries.");

    public static ExportException AppStreamStartedNothing(string imageName) =>
        new($"AppStream CreateExportImageTask for image {imageName} returned no task.");

    public static ExportException StartFailed(string logicalId, string? reason) =>
        new(reason ?? $"{logicalId}: the export could not be started.");

    public static ExportException DeleteOutlastedTheHour(string resourceType, string logicalId, string taskId, bool strays) =>
        new($"{resourceType} {logicalId}: the Delete of export {taskId} waited as long as a custom resource may for " +
            (strays ? "the replacements of it that CloudFormation never held (strays, which AppStream cannot stop) to end, so that their AMIs can be removed. "
                    : "the export, which AWS cannot stop, to end, so that the removal policy can be applied. ") +
            "Nothing was removed that is still needed: delete again once the exports have ended (the handler's log names them), or set RemovalPolicy to RETAIN.");

    public static ExportException EmptyEvent(string expected) =>
        new($"The event was empty; expected {expected}.");

    private static string DefaultIfEmpty(this string value, string fallback) => value.Length == 0 ? fallback : value;
}

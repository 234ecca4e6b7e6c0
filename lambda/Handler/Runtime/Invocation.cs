namespace ExportConstructs.Handler.Runtime;

/// <summary>One event handed out by the Lambda Runtime API's <c>invocation/next</c>.</summary>
/// <param name="RequestId">From <c>Lambda-Runtime-Aws-Request-Id</c>.</param>
/// <param name="Deadline">From <c>Lambda-Runtime-Deadline-Ms</c> (Unix epoch milliseconds).</param>
/// <param name="InvokedFunctionArn">From <c>Lambda-Runtime-Invoked-Function-Arn</c>.</param>
/// <param name="TraceId">From <c>Lambda-Runtime-Trace-Id</c>, if any.</param>
/// <param name="Payload">The event body, as sent.</param>
internal sealed record Invocation(
    string RequestId,
    DateTimeOffset Deadline,
    string InvokedFunctionArn,
    string? TraceId,
    byte[] Payload);

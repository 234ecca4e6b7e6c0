using System.Text.Json.Nodes;

namespace ExportConstructs.Fakes.ProviderFramework;

/// <summary>
/// What one framework handler call gave, as Lambda reports an invocation: the handler's return
/// value as JSON, or the error it threw in the shape of Lambda's Node.js runtime
/// (<c>errorType</c> = the error's <c>name</c>, <c>errorMessage</c>, <c>trace</c> = its stack lines).
/// </summary>
internal sealed record FrameworkResult
{
    private FrameworkResult(bool succeeded, string? resultJson, string? errorType, string? errorMessage, IReadOnlyList<string> trace)
    {
        Succeeded = succeeded;
        ResultJson = resultJson;
        ErrorType = errorType;
        ErrorMessage = errorMessage;
        Trace = trace;
    }

    /// <summary>True when the handler returned; false when it threw.</summary>
    public bool Succeeded { get; }

    /// <summary>The returned value as JSON (<c>null</c> for undefined, as Lambda returns it); null when it threw.</summary>
    public string? ResultJson { get; }

    /// <summary>
    /// The thrown error's <c>name</c>. The framework's <c>Retry</c> (isComplete's "not yet")
    /// is a plain <c>class Retry extends Error {}</c>, so Lambda reports it as <c>Error</c>; the
    /// waiter state machine retries on <c>States.ALL</c>, so it never needs to tell them apart.
    /// </summary>
    public string? ErrorType { get; }

    /// <summary>The thrown error's message; for a Retry, the isComplete event as JSON (what onTimeout parses).</summary>
    public string? ErrorMessage { get; }

    /// <summary>The thrown error's stack, one line per entry (the first is <c>name: message</c>).</summary>
    public IReadOnlyList<string> Trace { get; }

    /// <summary>
    /// The error as Lambda returns it to the caller, <c>{"errorType","errorMessage","trace"}</c>:
    /// Step Functions puts exactly this text into the <c>Cause</c> of a failed task.
    /// </summary>
    public string ErrorPayloadJson => Succeeded
        ? throw new InvalidOperationException("the call succeeded; there is no error payload")
        : new JsonObject
        {
            ["errorType"] = ErrorType,
            ["errorMessage"] = ErrorMessage,
            ["trace"] = new JsonArray(Trace.Select(line => (JsonNode?)line).ToArray()),
        }.ToJsonString();

    /// <summary>A call that returned this JSON.</summary>
    public static FrameworkResult Returned(string resultJson) => new(true, resultJson, null, null, []);

    /// <summary>A call that threw.</summary>
    public static FrameworkResult Threw(string errorType, string errorMessage, IReadOnlyList<string> trace) => new(false, null, errorType, errorMessage, trace);
}

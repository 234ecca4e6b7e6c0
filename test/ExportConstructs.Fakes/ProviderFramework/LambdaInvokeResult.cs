using System.Text.Json.Nodes;

namespace ExportConstructs.Fakes.ProviderFramework;

/// <summary>
/// What a stub Lambda function answers an Invoke with: a payload, and, for a function error, the
/// <c>X-Amz-Function-Error</c> value Lambda sets (<c>Unhandled</c>), the payload then being the
/// error document the runtime reported.
/// </summary>
internal sealed record LambdaInvokeResult(string Payload, string? FunctionError = null)
{
    /// <summary>The function returned this JSON.</summary>
    public static LambdaInvokeResult Returned(string payloadJson) => new(payloadJson);

    /// <summary>
    /// The function threw, reported as Lambda's Node.js runtime reports it:
    /// <c>{"errorType","errorMessage","trace"}</c>, <c>trace</c> being the stack's lines, the first
    /// of them <c>errorType: errorMessage</c> (framework.js drops that one when it builds its reason).
    /// </summary>
    public static LambdaInvokeResult NodeError(string errorType, string errorMessage, IReadOnlyList<string> frames) =>
        new(new JsonObject
        {
            ["errorType"] = errorType,
            ["errorMessage"] = errorMessage,
            ["trace"] = new JsonArray([(JsonNode?)$"{errorType}: {errorMessage}", .. frames.Select(f => (JsonNode?)f)]),
        }.ToJsonString(), "Unhandled");

    /// <summary>
    /// The function threw, reported as a custom runtime (this project's <c>provided.al2023</c>
    /// bootstrap) posts it to the Runtime API: <c>{"errorMessage","errorType","stackTrace"}</c>,
    /// which Lambda passes on as is. It has no <c>trace</c>, so framework.js's reason then carries
    /// its own stack instead.
    /// </summary>
    public static LambdaInvokeResult CustomRuntimeError(string errorType, string errorMessage, IReadOnlyList<string> stackTrace) =>
        new(new JsonObject
        {
            ["errorMessage"] = errorMessage,
            ["errorType"] = errorType,
            ["stackTrace"] = new JsonArray(stackTrace.Select(f => (JsonNode?)f).ToArray()),
        }.ToJsonString(), "Unhandled");
}

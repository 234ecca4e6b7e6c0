using System.Text.Json.Serialization;

namespace ExportConstructs.Handler.Runtime;

/// <summary>The body the Runtime API takes on <c>invocation/{id}/error</c> and <c>init/error</c>.</summary>
internal sealed record ErrorReport(
    [property: JsonPropertyName("errorMessage")] string ErrorMessage,
    [property: JsonPropertyName("errorType")] string ErrorType,
    [property: JsonPropertyName("stackTrace")] string[] StackTrace)
{
    /// <summary>Describes an exception; the message is what CloudFormation will show the user.</summary>
    public static ErrorReport From(Exception e) => new(
        e.Message,
        e.GetType().Name,
        (e.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

[JsonSerializable(typeof(ErrorReport))]
internal sealed partial class RuntimeJsonContext : JsonSerializerContext;

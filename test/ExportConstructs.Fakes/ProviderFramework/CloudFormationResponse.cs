using System.Text.Json;

namespace ExportConstructs.Fakes.ProviderFramework;

/// <summary>
/// One response PUT to a custom resource's ResponseURL, as CloudFormation would receive it. Fields
/// the framework left out of the JSON (it omits undefined <c>NoEcho</c> and <c>Data</c>) are null.
/// </summary>
/// <param name="Host">The ResponseURL's host the framework addressed.</param>
/// <param name="Path">The ResponseURL's path, without the query (the key responses are found by).</param>
/// <param name="Query">The ResponseURL's query as sent (the presigned part), without the '?'.</param>
/// <param name="Body">The body exactly as sent.</param>
/// <param name="Bytes">The body's length in bytes (CloudFormation refuses more than 4096).</param>
internal sealed record CloudFormationResponse(
    string Host,
    string Path,
    string Query,
    string Status,
    string? Reason,
    string? PhysicalResourceId,
    string? StackId,
    string? RequestId,
    string? LogicalResourceId,
    bool? NoEcho,
    IReadOnlyDictionary<string, JsonElement>? Data,
    string Body,
    int Bytes)
{
    /// <summary>CloudFormation's limit on a custom resource response body.</summary>
    public const int MaxBytes = 4096;

    /// <summary>A Data value as text (strings as they are, anything else as its JSON).</summary>
    public string DataText(string key) => Data![key] is { ValueKind: JsonValueKind.String } s ? s.GetString()! : Data[key].GetRawText();
}

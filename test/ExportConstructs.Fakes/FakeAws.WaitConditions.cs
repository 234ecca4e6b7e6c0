using System.Text.Json.Nodes;

namespace ExportConstructs.Tests.Fakes;

public sealed partial class FakeAws
{
    /// <summary>A presigned handle URL of this fake (path style, like CloudFormation's S3 URLs).</summary>
    public string HandleUrl(string name) => $"{Url}waitcondition/{name}?X-Amz-Signature=fake";

    /// <summary>Signals received, as (handle path, body).</summary>
    public List<(string Handle, JsonObject Body)> Signals { get; } = [];

    private Reply Signal(RecordedRequest request)
    {
        Calls.Add("CloudFormation:Signal");
        // The handle is presigned without a content type: S3 rejects a signal that sends one.
        if (!string.IsNullOrEmpty(request.Header("Content-Type")))
            return new Reply(403, "<Error><Code>SignatureDoesNotMatch</Code><Message>Content-Type was not signed</Message></Error>", "application/xml");
        Signals.Add((request.PathAndQuery.Split('?')[0], JsonNode.Parse(request.Body)!.AsObject()));
        return new Reply(200, "");
    }
}

namespace ExportConstructs.Tests.Fakes;

public sealed partial class FakeAws
{
    // --- S3 state ---
    public HashSet<string> Objects { get; } = [];

    private Reply S3(RecordedRequest request)
    {
        var path = Uri.UnescapeDataString(request.PathAndQuery.Split('?')[0].TrimStart('/'));
        Calls.Add("S3:" + request.Method);
        if (Injected("S3:" + request.Method, out var injected))
            return new Reply(injected.Status, $"<Error><Code>{injected.Code}</Code><Message>Injected</Message></Error>", "application/xml");
        if (request.Method == "DELETE")
        {
            Objects.Remove(path);
            return new Reply(204, "");
        }
        return new Reply(400, "<Error><Code>NotImplemented</Code><Message>Only DeleteObject is faked</Message></Error>", "application/xml");
    }
}

using System.Web;
using System.Xml.Linq;
using ExportConstructs.Tests.Fakes.Iam;

namespace ExportConstructs.Tests.Fakes;

public sealed partial class FakeAws
{
    // --- S3 state ---
    public HashSet<string> Objects { get; } = [];

    /// <summary>
    /// What S3 authorizes, from the Service Authorization Reference (list_amazons3). Object ARNs
    /// have neither region nor account. S3 has no resource-tag keys for object deletes.
    /// <code>
    /// DELETE /bucket/key              s3:DeleteObject         arn:aws:s3:::bucket/key
    /// DELETE /bucket/key?versionId=v  s3:DeleteObjectVersion  arn:aws:s3:::bucket/key   s3:versionid=v
    /// </code>
    /// </summary>
    private static IEnumerable<IamRequest> S3Authorization(string method, string path, string pathAndQuery)
    {
        var versionId = HttpUtility.ParseQueryString(pathAndQuery.Contains('?') ? pathAndQuery[(pathAndQuery.IndexOf('?') + 1)..] : "")["versionId"];
        if (method == "DELETE")
            yield return versionId is null
                ? Ask("s3:DeleteObject", "arn:aws:s3:::" + path)
                : Ask("s3:DeleteObjectVersion", "arn:aws:s3:::" + path, [("s3:versionid", versionId)]);
    }

    private Reply S3(RecordedRequest request)
    {
        var path = Uri.UnescapeDataString(request.PathAndQuery.Split('?')[0].TrimStart('/'));
        Calls.Add("S3:" + request.Method);
        if (Refusal(request, S3Authorization(request.Method, path, request.PathAndQuery)) is { } denial)
            return new Reply(403, new XElement("Error", new XElement("Code", "AccessDenied"), new XElement("Message", denial.Message),
                new XElement("RequestId", Guid.NewGuid().ToString("N"))).ToString(), "application/xml");
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

using System.Net;
using System.Xml;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Transform;

namespace Amazon.ServiceClients.Internal;

/// <summary>
/// The AWS Query protocol (CloudFormation's): <c>POST /</c> with a form body of <c>Action</c>,
/// <c>Version</c> and the parameters; answers and errors in XML. Reuses the rest of a
/// <see cref="JsonService"/> description (endpoint prefix, signing name, error factory): only the
/// body and the answer's shape differ from the JSON services.
/// </summary>
internal static class QueryProtocol
{
    /// <summary>Invoke options for one Query operation.</summary>
    public static InvokeOptions Operation<TRequest, TResponse>(JsonService service, string action, Func<TRequest, IEnumerable<(string, string?)>> parameters, Func<QueryAnswer, TResponse> read)
        where TRequest : AmazonWebServiceRequest
        where TResponse : AmazonWebServiceResponse => new()
    {
        RequestMarshaller = new QueryRequestMarshaller<TRequest>(service, action, parameters),
        ResponseUnmarshaller = new QueryResponseUnmarshaller<TResponse>(service, read),
    };
}

internal sealed class QueryRequestMarshaller<TRequest>(JsonService service, string action, Func<TRequest, IEnumerable<(string Name, string? Value)>> parameters)
    : IMarshaller<IRequest, AmazonWebServiceRequest> where TRequest : AmazonWebServiceRequest
{
    public IRequest Marshall(AmazonWebServiceRequest input)
    {
        var request = new DefaultRequest(input, service.SdkServiceName) { HttpMethod = "POST", ResourcePath = "/" };
        request.Parameters["Action"] = action;
        request.Parameters["Version"] = service.ApiVersion;
        foreach (var (name, value) in parameters((TRequest)input))
            if (value is not null) request.Parameters[name] = value;
        // The SDK's signer and HTTP layer write Parameters as the form-encoded body of a POST without content.
        return request;
    }
}

internal sealed class QueryResponseUnmarshaller<TResponse>(JsonService service, Func<QueryAnswer, TResponse> read) : XmlResponseUnmarshaller
    where TResponse : AmazonWebServiceResponse
{
    public override AmazonWebServiceResponse Unmarshall(XmlUnmarshallerContext context) => read(QueryAnswer.Read(context.Stream));

    public override AmazonServiceException UnmarshallException(XmlUnmarshallerContext context, Exception innerException, HttpStatusCode statusCode)
    {
        // <ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>
        var answer = QueryAnswer.Read(context.Stream);
        var type = answer.Value("Type") == "Receiver" ? ErrorType.Receiver : ErrorType.Sender;
        return service.Errors(answer.Value("Code") ?? statusCode.ToString(), answer.Value("Message") ?? "", innerException, type, answer.Value("RequestId"), statusCode);
    }
}

/// <summary>
/// The text of every leaf element of a Query answer by local name, in document order, each with the
/// elements above it, so that the <c>member</c> elements of a list can be read one by one: enough for
/// the few fields read here, with the XmlReader AWSSDK.Core already brings (no XML DOM in the AOT binary).
/// </summary>
internal sealed class QueryAnswer
{
    /// <summary>A leaf element's name and text, and the elements it stands in (outermost first; each numbered in document order).</summary>
    private readonly record struct Leaf(string Name, string Text, (string Name, int Number)[] Path);

    private readonly List<Leaf> _leaves;

    private QueryAnswer(List<Leaf> leaves) => _leaves = leaves;

    public static QueryAnswer Read(Stream stream)
    {
        var leaves = new List<Leaf>();
        var open = new List<(string Name, int Number)>();
        var number = 0;
        var leafOpen = false;
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, IgnoreWhitespace = true });
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                number++;
                // An empty element has no text and no end element: it adds nothing.
                leafOpen = !reader.IsEmptyElement;
                if (leafOpen) open.Add((reader.LocalName, number));
            }
            else if (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA && leafOpen)
                leaves.Add(new Leaf(open[^1].Name, reader.Value, [.. open]));
            else if (reader.NodeType == XmlNodeType.EndElement)
            {
                leafOpen = false;
                if (open.Count > 0) open.RemoveAt(open.Count - 1);
            }
        }
        return new QueryAnswer(leaves);
    }

    /// <summary>The texts of the leaf elements of this name.</summary>
    public IEnumerable<string> Values(string name) => _leaves.Where(l => l.Name == name).Select(l => l.Text);

    /// <summary>The text of the first leaf element of this name, or null (none, or an empty element).</summary>
    public string? Value(string name) => Values(name).FirstOrDefault();

    /// <summary>
    /// One answer per <c>member</c> element of the outermost list of this name (<c>&lt;Stacks&gt;&lt;member&gt;…</c>),
    /// in document order; a member with no text at all is left out.
    /// </summary>
    public IReadOnlyList<QueryAnswer> Members(string list) =>
        _leaves.Select(leaf => (leaf, member: MemberOf(leaf.Path, list)))
            .Where(x => x.member > 0)
            .GroupBy(x => x.member, x => x.leaf)
            .Select(group => new QueryAnswer(group.ToList()))
            .ToList();

    /// <summary>The number of the member element that directly follows the outermost element named <paramref name="list"/> in the path; 0 if none.</summary>
    private static int MemberOf((string Name, int Number)[] path, string list)
    {
        for (var i = 0; i + 1 < path.Length; i++)
            if (path[i].Name == list) return path[i + 1].Name == "member" ? path[i + 1].Number : 0;
        return 0;
    }
}

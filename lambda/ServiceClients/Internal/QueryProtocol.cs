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
        string? Text(string name) => answer.Values(name).FirstOrDefault();
        var type = Text("Type") == "Receiver" ? ErrorType.Receiver : ErrorType.Sender;
        return service.Errors(Text("Code") ?? statusCode.ToString(), Text("Message") ?? "", innerException, type, Text("RequestId"), statusCode);
    }
}

/// <summary>
/// The text of every leaf element of a Query answer by local name, in document order: enough for the
/// few fields read here, with the XmlReader AWSSDK.Core already brings (no XML DOM in the AOT binary).
/// </summary>
internal sealed class QueryAnswer
{
    private readonly List<(string Name, string Text)> _leaves = [];

    public static QueryAnswer Read(Stream stream)
    {
        var answer = new QueryAnswer();
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, IgnoreWhitespace = true });
        string? open = null;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element) open = reader.IsEmptyElement ? null : reader.LocalName;
            else if (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA && open is not null) answer._leaves.Add((open, reader.Value));
            else if (reader.NodeType == XmlNodeType.EndElement) open = null;
        }
        return answer;
    }

    /// <summary>The texts of the leaf elements of this name.</summary>
    public IEnumerable<string> Values(string name) => _leaves.Where(l => l.Name == name).Select(l => l.Text);
}

using System.Net;
using System.Text.Json;
using Amazon.AppStream.Model;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Transform;
using Amazon.Runtime.Internal.Util;

namespace Amazon.AppStream.Internal;

/// <summary>
/// Writes one AWS JSON 1.1 request: <c>POST /</c>, <c>X-Amz-Target: PhotonAdminProxyService.{operation}</c>,
/// <c>Content-Type: application/x-amz-json-1.1</c>, and the body the writer produces.
/// </summary>
internal sealed class JsonRequestMarshaller<TRequest>(string operation, Action<Utf8JsonWriter, TRequest> write)
    : IMarshaller<IRequest, AmazonWebServiceRequest> where TRequest : AmazonWebServiceRequest
{
    public IRequest Marshall(AmazonWebServiceRequest input)
    {
        var request = new DefaultRequest(input, "Amazon.AppStream")
        {
            HttpMethod = "POST",
            ResourcePath = "/",
        };
        request.Headers["X-Amz-Target"] = "PhotonAdminProxyService." + operation;
        request.Headers["Content-Type"] = "application/x-amz-json-1.1";
        request.Headers["X-Amz-Api-Version"] = "2016-12-01";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer, (TRequest)input);
            writer.WriteEndObject();
        }
        request.Content = buffer.ToArray();
        return request;
    }
}

/// <summary>
/// Reads one AWS JSON 1.1 answer. Errors (<c>{"__type": "…#Code", "message": "…"}</c>) become the
/// typed exception of their code, or <see cref="AmazonAppStreamException"/> for others, so the
/// SDK's retry policy and callers see the AWS error code.
/// </summary>
internal sealed class JsonResponseUnmarshaller<TResponse>(Func<JsonElement, TResponse> read) : JsonResponseUnmarshaller
    where TResponse : AmazonWebServiceResponse
{
    public override AmazonWebServiceResponse Unmarshall(JsonUnmarshallerContext context)
    {
        using var document = JsonDocument.Parse(context.Stream);
        return read(document.RootElement);
    }

    public override AmazonServiceException UnmarshallException(JsonUnmarshallerContext context, Exception innerException, HttpStatusCode statusCode)
    {
        var reader = new StreamingUtf8JsonReader(context.Stream, AWSConfigs.StreamingUtf8JsonReaderBufferSize ?? 4096, context.JsonMaxDepth);
        var error = JsonErrorResponseUnmarshaller.GetInstance().Unmarshall(context, ref reader);
        var (m, t, c, r) = (error.Message ?? "", error.Type, error.Code ?? statusCode.ToString(), error.RequestId);
        return c switch
        {
            "LimitExceededException" => new LimitExceededException(m, innerException, t, c, r, statusCode),
            "InvalidRoleException" => new InvalidRoleException(m, innerException, t, c, r, statusCode),
            "InvalidAccountStatusException" => new InvalidAccountStatusException(m, innerException, t, c, r, statusCode),
            "OperationNotPermittedException" => new OperationNotPermittedException(m, innerException, t, c, r, statusCode),
            "ResourceNotFoundException" => new ResourceNotFoundException(m, innerException, t, c, r, statusCode),
            "ConcurrentModificationException" => new ConcurrentModificationException(m, innerException, t, c, r, statusCode),
            "ResourceNotAvailableException" => new ResourceNotAvailableException(m, innerException, t, c, r, statusCode),
            _ => new AmazonAppStreamException(m, innerException, t, c, r, statusCode),
        };
    }
}

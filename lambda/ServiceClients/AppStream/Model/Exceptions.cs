using System.Net;
using Amazon.Runtime;

namespace Amazon.AppStream;

/// <summary>Any error AppStream returned; <see cref="AmazonServiceException.ErrorCode"/> keeps its code.</summary>
public class AmazonAppStreamException(string message, Exception? inner, ErrorType errorType, string errorCode, string? requestId, HttpStatusCode statusCode)
    : AmazonServiceException(message, inner, errorType, errorCode, requestId, statusCode);

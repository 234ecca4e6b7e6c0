using System.Net;
using Amazon.Runtime;

namespace Amazon.EventBridge;

/// <summary>Any error EventBridge returned; <see cref="AmazonServiceException.ErrorCode"/> keeps its code.</summary>
public class AmazonEventBridgeException(string message, Exception? inner, ErrorType errorType, string errorCode, string? requestId, HttpStatusCode statusCode)
    : AmazonServiceException(message, inner, errorType, errorCode, requestId, statusCode);

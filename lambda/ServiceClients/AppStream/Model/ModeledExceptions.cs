using System.Net;
using Amazon.Runtime;

namespace Amazon.AppStream.Model;

#pragma warning disable CS1591 // Each type is named after the AppStream error code it stands for.
public sealed class LimitExceededException(string m, Exception? i, ErrorType t, string c, string? r, HttpStatusCode s) : AmazonAppStreamException(m, i, t, c, r, s);
public sealed class InvalidRoleException(string m, Exception? i, ErrorType t, string c, string? r, HttpStatusCode s) : AmazonAppStreamException(m, i, t, c, r, s);
public sealed class InvalidAccountStatusException(string m, Exception? i, ErrorType t, string c, string? r, HttpStatusCode s) : AmazonAppStreamException(m, i, t, c, r, s);
public sealed class OperationNotPermittedException(string m, Exception? i, ErrorType t, string c, string? r, HttpStatusCode s) : AmazonAppStreamException(m, i, t, c, r, s);
public sealed class ResourceNotFoundException(string m, Exception? i, ErrorType t, string c, string? r, HttpStatusCode s) : AmazonAppStreamException(m, i, t, c, r, s);
public sealed class ConcurrentModificationException(string m, Exception? i, ErrorType t, string c, string? r, HttpStatusCode s) : AmazonAppStreamException(m, i, t, c, r, s);
public sealed class ResourceNotAvailableException(string m, Exception? i, ErrorType t, string c, string? r, HttpStatusCode s) : AmazonAppStreamException(m, i, t, c, r, s);
#pragma warning restore CS1591

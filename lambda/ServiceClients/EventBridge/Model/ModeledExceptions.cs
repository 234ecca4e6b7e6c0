using System.Net;
using Amazon.Runtime;

namespace Amazon.EventBridge.Model;

#pragma warning disable CS1591 // Each type is named after the EventBridge error code PutEvents models.
public sealed class InternalException(string m, Exception? i, ErrorType t, string c, string? r, HttpStatusCode s) : AmazonEventBridgeException(m, i, t, c, r, s);
#pragma warning restore CS1591

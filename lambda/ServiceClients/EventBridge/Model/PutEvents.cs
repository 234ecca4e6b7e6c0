using Amazon.Runtime;

namespace Amazon.EventBridge.Model;

/// <summary>Parameters of PutEvents.</summary>
public class PutEventsRequest : AmazonWebServiceRequest
{
    /// <summary>The events, 1 to 10.</summary>
    public List<PutEventsRequestEntry> Entries { get; set; } = [];
}

/// <summary>One event to put.</summary>
public class PutEventsRequestEntry
{
    /// <summary>Who sent it; a rule matches on it, IAM narrows on it (<c>events:source</c>). <c>aws.</c> sources are AWS's own.</summary>
    public string? Source { get; set; }
    /// <summary>What kind of event it is; a rule matches on it, IAM narrows on it (<c>events:detail-type</c>).</summary>
    public string? DetailType { get; set; }
    /// <summary>The event's body: a JSON object, as text.</summary>
    public string? Detail { get; set; }
    /// <summary>ARNs of the AWS resources the event concerns.</summary>
    public List<string> Resources { get; set; } = [];
    /// <summary>When it happened; EventBridge uses the time of the call when unset.</summary>
    public DateTime? Time { get; set; }
    /// <summary>The bus (name or ARN); the account's default bus when unset.</summary>
    public string? EventBusName { get; set; }
}

/// <summary>Result of PutEvents.</summary>
public class PutEventsResponse : AmazonWebServiceResponse
{
    /// <summary>How many entries failed; a 200 answer with a count above 0 did not put them.</summary>
    public int? FailedEntryCount { get; set; }
    /// <summary>One result per request entry, in the request's order.</summary>
    public List<PutEventsResultEntry> Entries { get; set; } = [];
}

/// <summary>What became of one entry: an event id, or an error code and message.</summary>
public class PutEventsResultEntry
{
    /// <summary>The id EventBridge gave the event, when it was put.</summary>
    public string? EventId { get; set; }
    /// <summary>Why it was not put (e.g. <c>InternalFailure</c>, <c>ThrottlingException</c> — retryable; <c>MalformedDetail</c>, <c>NotAuthorizedForSourceException</c> — not).</summary>
    public string? ErrorCode { get; set; }
    /// <summary>The explanation of <see cref="ErrorCode"/>.</summary>
    public string? ErrorMessage { get; set; }
}

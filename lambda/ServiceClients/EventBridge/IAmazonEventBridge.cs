using Amazon.EventBridge.Model;

namespace Amazon.EventBridge;

/// <summary>The part of AWSSDK.EventBridge's <c>IAmazonEventBridge</c> the handler uses, with the same signature.</summary>
public interface IAmazonEventBridge : IDisposable
{
    /// <summary>
    /// Puts up to 10 events on event buses. A 200 answer can still carry failures: read
    /// <see cref="PutEventsResponse.FailedEntryCount"/> and each entry's error code.
    /// </summary>
    Task<PutEventsResponse> PutEventsAsync(PutEventsRequest request, CancellationToken cancellationToken = default);
}

namespace ExportConstructs.Handler.Runtime;

/// <summary>
/// The Lambda Runtime API, as the bootstrap uses it. A seam: tests drive it with a loopback
/// fake, and Amazon.Lambda.RuntimeSupport's client can stand behind it once that package is
/// available here.
/// </summary>
internal interface IRuntimeApiClient
{
    /// <summary>Waits for the next event (<c>GET invocation/next</c>).</summary>
    Task<Invocation> NextAsync(CancellationToken cancellationToken);

    /// <summary>Sends the result of an event (<c>POST invocation/{id}/response</c>).</summary>
    Task RespondAsync(string requestId, byte[] body, CancellationToken cancellationToken);

    /// <summary>Reports that an event failed (<c>POST invocation/{id}/error</c>).</summary>
    Task ReportErrorAsync(string requestId, ErrorReport error, CancellationToken cancellationToken);

    /// <summary>Reports that start-up failed (<c>POST init/error</c>); Lambda then ends the process.</summary>
    Task ReportInitErrorAsync(ErrorReport error, CancellationToken cancellationToken);
}

namespace ExportConstructs.Handler.Runtime;

/// <summary>Handles one event's payload and returns the response body.</summary>
internal delegate Task<byte[]> InvocationHandler(Invocation invocation, CancellationToken cancellationToken);

/// <summary>
/// The Runtime API loop: take an event, run the handler, send its result or its error, repeat.
/// </summary>
internal sealed class LambdaBootstrap(IRuntimeApiClient client, InvocationHandler handler, TimeProvider clock)
{
    /// <summary>
    /// Time kept back before the deadline: the handler's token is cancelled this early so the
    /// error report still reaches the Runtime API before Lambda stops the sandbox.
    /// </summary>
    public static readonly TimeSpan DeadlineMargin = TimeSpan.FromMilliseconds(500);

    /// <summary>Serves events until <paramref name="stop"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var invocation = await client.NextAsync(stop);
            await InvokeOnceAsync(invocation, stop);
        }
    }

    /// <summary>Runs the handler for one event and reports the outcome.</summary>
    public async Task InvokeOnceAsync(Invocation invocation, CancellationToken stop)
    {
        // The X-Ray SDK and AWS SDK read the trace id from this variable, as on managed runtimes.
        Environment.SetEnvironmentVariable("_X_AMZN_TRACE_ID", invocation.TraceId);
        var remaining = invocation.Deadline - clock.GetUtcNow() - DeadlineMargin;
        using var deadline = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, deadline.Token);
        byte[] body;
        try
        {
            body = await handler(invocation, linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !stop.IsCancellationRequested)
        {
            await client.ReportErrorAsync(invocation.RequestId, new ErrorReport(
                $"The handler did not finish before the invocation's deadline ({invocation.Deadline:O}); raise the function timeout.",
                "DeadlineExceeded", []), stop);
            return;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"Request {invocation.RequestId} failed: {e}");
            await client.ReportErrorAsync(invocation.RequestId, ErrorReport.From(e), stop);
            return;
        }
        await client.RespondAsync(invocation.RequestId, body, stop);
    }
}

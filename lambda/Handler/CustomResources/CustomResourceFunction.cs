using System.Text.Json;
using ExportConstructs.Contract;
using ExportConstructs.Handler.Exports;
using ExportConstructs.Handler.Runtime;

namespace ExportConstructs.Handler.CustomResources;

/// <summary>Turns an invocation's JSON into a lifecycle call and its answer back into JSON.</summary>
public sealed class CustomResourceFunction
{
    private readonly ExportLifecycle _lifecycle;
    private readonly string _handler;

    /// <param name="lifecycle">The export rules.</param>
    /// <param name="handler">The handler string: <see cref="HandlerNames.OnEvent"/> or <see cref="HandlerNames.IsComplete"/>.</param>
    public CustomResourceFunction(ExportLifecycle lifecycle, string? handler)
    {
        _lifecycle = lifecycle;
        _handler = HandlerNames.All.Contains(handler) ? handler! : throw Errors.UnknownHandler(handler, HandlerNames.All);
    }

    /// <summary>Handles one event.</summary>
    public async Task<byte[]> InvokeAsync(Invocation invocation, CancellationToken cancellationToken)
    {
        var request = JsonSerializer.Deserialize(invocation.Payload, FrameworkJsonContext.Default.CustomResourceRequest)
            ?? throw new ExportException("The event was empty; expected a CloudFormation custom resource request.");
        return _handler == HandlerNames.OnEvent
            ? JsonSerializer.SerializeToUtf8Bytes(await _lifecycle.OnEventAsync(request, cancellationToken), FrameworkJsonContext.Default.OnEventResponse)
            : JsonSerializer.SerializeToUtf8Bytes(await _lifecycle.IsCompleteAsync(request, cancellationToken), FrameworkJsonContext.Default.IsCompleteResponse);
    }
}

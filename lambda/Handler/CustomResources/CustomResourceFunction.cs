using System.Text.Json;
using ExportConstructs.Contract;
using ExportConstructs.Handler.Exports;
using ExportConstructs.Handler.Waiting;
using ExportConstructs.Handler.Runtime;

namespace ExportConstructs.Handler.CustomResources;

/// <summary>Turns an invocation's JSON into a lifecycle or poller call and its answer back into JSON.</summary>
internal sealed class CustomResourceFunction
{
    private readonly ExportLifecycle _lifecycle;
    private readonly WaitPoller _poller;
    private readonly string _handler;

    /// <param name="lifecycle">The export rules.</param>
    /// <param name="poller">The long-wait poller.</param>
    /// <param name="handler">The handler string: one of <see cref="HandlerNames.All"/>.</param>
    public CustomResourceFunction(ExportLifecycle lifecycle, WaitPoller poller, string? handler)
    {
        _lifecycle = lifecycle;
        _poller = poller;
        _handler = HandlerNames.All.Contains(handler) ? handler! : throw Errors.UnknownHandler(handler, HandlerNames.All);
    }

    /// <summary>
    /// Which role an event is for: the poller's input carries its deadline; the framework hands
    /// isComplete the request merged with onEvent's answer, which always carries the action.
    /// </summary>
    internal static string RoleOf(byte[] payload)
    {
        var reader = new Utf8JsonReader(payload);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return HandlerNames.OnEvent;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("DeadlineUnixSeconds")) return HandlerNames.Poll;
            if (reader.ValueTextEquals(OnEventResponse.ActionKey)) return HandlerNames.IsComplete;
            reader.Read();
            reader.TrySkip();
        }
        return HandlerNames.OnEvent;
    }

    /// <summary>Handles one event.</summary>
    public async Task<byte[]> InvokeAsync(Invocation invocation, CancellationToken cancellationToken)
    {
        var role = _handler == HandlerNames.Exports ? RoleOf(invocation.Payload) : _handler;
        if (role == HandlerNames.Poll)
        {
            var input = JsonSerializer.Deserialize(invocation.Payload, ContractJsonContext.Default.PollerInput)
                ?? throw Errors.EmptyEvent("the poller state machine's input");
            return JsonSerializer.SerializeToUtf8Bytes(await _poller.PollAsync(input, cancellationToken), ContractJsonContext.Default.PollerOutput);
        }
        var request = JsonSerializer.Deserialize(invocation.Payload, FrameworkJsonContext.Default.CustomResourceRequest)
            ?? throw Errors.EmptyEvent("a CloudFormation custom resource request");
        return role == HandlerNames.OnEvent
            ? JsonSerializer.SerializeToUtf8Bytes(await _lifecycle.OnEventAsync(request, cancellationToken), FrameworkJsonContext.Default.OnEventResponse)
            : JsonSerializer.SerializeToUtf8Bytes(await _lifecycle.IsCompleteAsync(request, cancellationToken), FrameworkJsonContext.Default.IsCompleteResponse);
    }
}

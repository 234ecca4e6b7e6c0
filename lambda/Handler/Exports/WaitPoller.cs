using System.Text.Json;
using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;

namespace ExportConstructs.Handler.Exports;

/// <summary>Signals a CloudFormation WaitCondition through its handle.</summary>
public interface IWaitConditionSignal
{
    /// <summary>Sends one signal to the handle's presigned URL.</summary>
    Task SendAsync(string handleUrl, WaitSignal signal, CancellationToken cancellationToken);
}

/// <summary>The body of a WaitCondition signal.</summary>
public sealed record WaitSignal(
    [property: System.Text.Json.Serialization.JsonPropertyName("Status")] string Status,
    [property: System.Text.Json.Serialization.JsonPropertyName("Reason")] string Reason,
    [property: System.Text.Json.Serialization.JsonPropertyName("UniqueId")] string UniqueId,
    [property: System.Text.Json.Serialization.JsonPropertyName("Data")] string Data);

/// <summary>
/// One poll of the long-wait path: checks the export with the same code isComplete uses, and
/// signals the WaitCondition SUCCESS when it finished, FAILURE with AWS's message when it failed
/// or when the deadline passed. A passing AWS error (after the SDK's retries) only skips a poll.
/// </summary>
public sealed class WaitPoller(ExportLifecycle lifecycle, IWaitConditionSignal signal, TimeProvider clock, Action<string> log)
{
    /// <summary>CloudFormation shows the reason; keep it well inside its limits.</summary>
    public const int MaxReason = 4000;

    /// <summary>Polls once.</summary>
    public async Task<PollerOutput> PollAsync(PollerInput input, CancellationToken cancellationToken)
    {
        var request = new CustomResourceRequest
        {
            RequestType = "Create",
            ResourceType = input.ResourceType,
            PhysicalResourceId = input.PhysicalResourceId,
            ResourceProperties = input.ResourceProperties,
            LogicalResourceId = "poller",
        };
        var kind = lifecycle.KindOf(input.ResourceType);
        var wait = kind.Common(request).Wait;
        if (wait?.Handle is not { Length: > 0 } handle)
            throw new ExportException($"The poller input for {input.PhysicalResourceId} has no WaitCondition handle.");
        var taskId = input.PhysicalResourceId;
        IsCompleteResponse? status = null;
        string? failure = null;
        try
        {
            status = await kind.CheckAsync(request, cancellationToken);
        }
        catch (AwsCallException e) when (e.Transient)
        {
            log($"Poll of {taskId} failed for now: {e.Message}; trying again next interval");
        }
        catch (ExportException e)
        {
            failure = e.Message;
        }
        // Signalling happens outside the try: if the signal itself fails, the poll fails and the
        // state machine retries it, rather than the outcome being reported the wrong way.
        if (status is { IsComplete: true })
        {
            var data = JsonSerializer.Serialize(status.Data ?? [], PollerJsonContext.Default.DictionaryStringString);
            await signal.SendAsync(handle, new WaitSignal("SUCCESS", $"Export {taskId} completed.", taskId, data), cancellationToken);
            log($"Signalled SUCCESS for {taskId}");
            return new PollerOutput { Done = true };
        }
        if (failure is not null)
        {
            await SignalFailureAsync(handle, taskId, failure, cancellationToken);
            return new PollerOutput { Done = true };
        }
        if (clock.GetUtcNow().ToUnixTimeSeconds() >= input.DeadlineUnixSeconds)
        {
            await SignalFailureAsync(handle, taskId,
                $"Export {taskId} did not finish within the Timeout of {wait.TimeoutSeconds} s. Raise Timeout (at most 12 hours), or set WaitForCompletion to false.",
                cancellationToken);
            return new PollerOutput { Done = true };
        }
        return new PollerOutput { Done = false };
    }

    private async Task SignalFailureAsync(string handle, string taskId, string reason, CancellationToken cancellationToken)
    {
        await signal.SendAsync(handle, new WaitSignal("FAILURE", reason.Length > MaxReason ? reason[..MaxReason] : reason, taskId, ""), cancellationToken);
        log($"Signalled FAILURE for {taskId}: {reason}");
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(WaitSignal))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class PollerJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

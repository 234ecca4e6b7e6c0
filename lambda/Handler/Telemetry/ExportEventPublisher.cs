using System.Text.Json;
using Amazon.EventBridge;
using Amazon.EventBridge.Model;
using Amazon.Runtime;
using ExportConstructs.Contract;

namespace ExportConstructs.Handler.Telemetry;

/// <summary>What became of one publish: put, with EventBridge's id, or not, with why.</summary>
internal sealed record PublishResult(bool Published, string? EventBridgeId, string? Failure);

/// <summary>
/// Puts an export's final-state event on the account's default bus. Telling the world is a side
/// effect of an export, never part of it: a refused or failed publish (an AWS error after the SDK's
/// retries, a transport failure, or a 200 answer with a failed entry) is logged and counted as the
/// <c>EventPublishFailures</c> metric, and the export's outcome stays what it was. It never throws.
/// </summary>
internal sealed class ExportEventPublisher(IAmazonEventBridge eventBridge, EmbeddedMetrics metrics, Action<string> log)
{
    /// <summary>Puts one event for <paramref name="detail"/>; see the class summary for failures.</summary>
    public async Task<PublishResult> PublishAsync(ExportEventDetail detail, CancellationToken cancellationToken = default)
    {
        string why;
        try
        {
            var response = await eventBridge.PutEventsAsync(Request(detail), cancellationToken).ConfigureAwait(false);
            var entry = response.Entries.FirstOrDefault();
            if (response.FailedEntryCount is null or 0 && entry?.EventId is { } id)
                return new PublishResult(true, id, null);
            why = entry?.ErrorCode is { } code
                ? $"[{code}] {entry.ErrorMessage}"
                : $"the answer reported {response.FailedEntryCount ?? 0} failed entries and no event id";
        }
        catch (AmazonServiceException e)
        {
            why = $"[{e.ErrorCode}] {e.Message}";
        }
        catch (Exception e)
        {
            // A transport failure (HttpRequestException, a timeout, AmazonClientException), a
            // cancellation, or a detail that makes no entry: the export's outcome must not depend on the bus.
            why = $"{e.GetType().Name}: {e.Message}";
        }
        Failed(detail, why);
        return new PublishResult(false, null, why);
    }

    /// <summary>One entry: our source, the state's detail-type, the detail as JSON, on the default bus.</summary>
    internal static PutEventsRequest Request(ExportEventDetail detail) => new()
    {
        Entries =
        [
            new PutEventsRequestEntry
            {
                Source = ExportEvents.Source,
                DetailType = ExportEvents.DetailTypeOf(detail.State),
                Detail = JsonSerializer.Serialize(detail, ContractJsonContext.Default.ExportEventDetail),
                // The stack is the AWS resource the event concerns; a rule can match on it.
                Resources = detail.StackId.StartsWith("arn:", StringComparison.Ordinal) ? [detail.StackId] : [],
                Time = detail.EndedAt,
                // No EventBusName: the account's default bus, the only one the handler may put on.
            },
        ],
    };

    private void Failed(ExportEventDetail detail, string why)
    {
        log($"Could not publish the {detail.State} event {detail.EventId} of {detail.Kind} {detail.TaskId} ({detail.LogicalId}); the export's outcome is unchanged: {why}");
        try
        {
            metrics.Write(EmbeddedMetrics.DimensionsOf(detail.Kind, detail.StackId), new MetricValue(EmbeddedMetrics.Names.EventPublishFailures, 1, MetricUnits.Count));
        }
        catch (ArgumentException e)
        {
            // A detail without a kind makes no valid dimension; the failure is logged above all the same.
            log($"Could not count the failed publish: {e.Message}");
        }
    }
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.CloudFormation;

// The emulation's handling of one resource: its create, update, replacement and delete, and the rollback of an update's changes.
internal sealed partial class CloudFormationEmulator
{
    // ------------------------------------------------------------------ one resource

    private enum ChangeKind { Created, Updated, Replaced }

    /// <summary>What an operation did to a resource, to undo on rollback. <see cref="Before"/> is what CloudFormation held before.</summary>
    private sealed record Change(string LogicalId, ChangeKind Kind, DeployedResource? Before, bool Answered = true, JsonObject? Attempted = null);

    /// <summary>
    /// One resource's part in a stack operation, once started: settled at once (a plain resource, a
    /// refusal) or in flight (a custom resource's exchange, a resource waiting for its signals) until
    /// the virtual clock brings its end. <see cref="RunResourcesAsync"/> drives every step.
    /// </summary>
    private sealed class Step
    {
        public required string LogicalId { get; init; }
        /// <summary>The event that records its failure (CREATE_FAILED, UPDATE_FAILED).</summary>
        public required string FailedStatus { get; init; }
        /// <summary>What CloudFormation says of it when the operation stops it before it settled.</summary>
        public required string CancelledReason { get; init; }
        public required Func<bool> Settled { get; init; }
        /// <summary>Ends it with this reason if it has not settled yet (the operation cancelled it, or the emulation stalled).</summary>
        public required Action<string> Stop { get; init; }
        /// <summary>Records what CloudFormation learned and writes the completion event: null when it succeeded, else the reason.</summary>
        public required Func<string?> Finish { get; init; }

        /// <summary>A step that settled as it started: <paramref name="failure"/> null when it completed.</summary>
        public static Step Done(string logicalId, string failedStatus, string? failure) => new()
        {
            LogicalId = logicalId, FailedStatus = failedStatus, CancelledReason = "", Settled = () => true, Stop = _ => { }, Finish = () => failure,
        };

        /// <summary>A custom resource's exchange in flight; <paramref name="finish"/> reads its answer.</summary>
        public static Step Exchange(string logicalId, string failedStatus, string cancelledReason, CustomResourceExchange exchange, Func<string?> finish) => new()
        {
            LogicalId = logicalId, FailedStatus = failedStatus, CancelledReason = cancelledReason,
            Settled = () => exchange.Settled,
            Stop = reason => { if (!exchange.Settled) exchange.NoAnswer = reason; },
            Finish = finish,
        };
    }

    private static bool IsCustomType(string type) => type.StartsWith("Custom::", StringComparison.Ordinal) || type == "AWS::CloudFormation::CustomResource";

    /// <summary>Starts creating a resource: a custom resource's Create is sent (its answer comes while the clock runs).</summary>
    private Step StartCreate(TemplateResource resource)
    {
        var id = resource.LogicalId;
        Step Failed(string reason) => Step.Done(id, "CREATE_FAILED", reason);
        Event(id, "CREATE_IN_PROGRESS");
        if (_failOn.Contains(id)) return Failed("Injected failure (the emulation was told to fail this resource).");
        JsonObject properties;
        try { properties = Resolve(resource.Properties); }
        catch (AttributeMissingException e) { return Failed(e.Message); }
        if (_cancelled) return Failed("Resource creation cancelled");
        if (!IsCustomType(resource.Type)) return StartPlain(resource, properties);
        var exchange = Send(id, "Create", properties, null, null);
        return Step.Exchange(id, "CREATE_FAILED", "Resource creation cancelled", exchange, () => FinishCreate(resource, properties, exchange));
    }

    private string? FinishCreate(TemplateResource resource, JsonObject properties, CustomResourceExchange exchange)
    {
        var id = resource.LogicalId;
        if (exchange.Answer is not { } answer)
        {
            // No answer, no id: CloudFormation makes one up, and the rollback Delete carries it.
            Hold(id, resource.Type, Generated(id), properties, []);
            return exchange.NoAnswer;
        }
        if (answer.PhysicalResourceId is not { Length: > 0 } physical)
        {
            Hold(id, resource.Type, Generated(id), properties, []);
            return "Invalid PhysicalResourceId";
        }
        Hold(id, resource.Type, physical, properties, answer.Data.ToDictionary(d => d.Key, d => (JsonNode?)d.Value));
        if (answer.Status != "SUCCESS") return answer.Reason;
        Event(id, "CREATE_COMPLETE", null, physical);
        return null;
    }

    /// <summary>Starts updating a resource: a plain one is updated at once, a custom resource's Update is sent.</summary>
    private Step StartUpdate(DeployedResource current, JsonObject properties, List<Change> changes)
    {
        var id = current.LogicalId;
        Step Done(string? failure) => Step.Done(id, "UPDATE_FAILED", failure);
        Event(id, "UPDATE_IN_PROGRESS");
        if (_failOn.Contains(id)) return Done("Injected failure (the emulation was told to fail this resource).");
        if (!current.IsCustom)
        {
            changes.Add(new Change(id, ChangeKind.Updated, current));
            ApplyPlain(current with { Properties = properties });
            Event(id, "UPDATE_COMPLETE", null, current.PhysicalId);
            return Done(null);
        }
        if (current.Properties["ServiceToken"]?.ToJsonString() != properties["ServiceToken"]?.ToJsonString())
            return Done("Modifying service token is not allowed.");
        var exchange = Send(id, "Update", properties, current.Properties, current.PhysicalId);
        return Step.Exchange(id, "UPDATE_FAILED", "Resource update cancelled", exchange, () => FinishUpdate(current, properties, exchange, changes));
    }

    private string? FinishUpdate(DeployedResource current, JsonObject properties, CustomResourceExchange exchange, List<Change> changes)
    {
        var id = current.LogicalId;
        if (exchange.Answer is not { } answer)
        {
            // CloudFormation tried these properties: its rollback Update names them as the old ones.
            changes.Add(new Change(id, ChangeKind.Updated, current, Answered: false, Attempted: properties));
            return exchange.NoAnswer;
        }
        var physical = answer.PhysicalResourceId is { Length: > 0 } p ? p : current.PhysicalId;
        var replaced = physical != current.PhysicalId;
        changes.Add(new Change(id, replaced ? ChangeKind.Replaced : ChangeKind.Updated, current));
        // The id of a FAILED answer is recorded too (aws-facts §6): CloudFormation holds it from now on.
        Hold(id, current.Type, physical, properties, answer.Data.ToDictionary(d => d.Key, d => (JsonNode?)d.Value));
        if (answer.Status != "SUCCESS") return answer.Reason;
        Event(id, "UPDATE_COMPLETE", null, physical);
        return null;
    }

    /// <summary>Deletes what CloudFormation holds under a logical id; null when it went, else the reason.</summary>
    private async Task<string?> DeleteAsync(string logicalId)
    {
        if (!_deployed.TryGetValue(logicalId, out var resource)) return null;
        var failure = await DeleteResourceAsync(resource);
        if (failure is null) _deployed.Remove(logicalId);
        return failure;
    }

    private async Task<string?> DeleteResourceAsync(DeployedResource resource)
    {
        var id = resource.LogicalId;
        Event(id, "DELETE_IN_PROGRESS", null, resource.PhysicalId);
        if (!resource.IsCustom)
        {
            RemovePlain(resource);
            Event(id, "DELETE_COMPLETE", null, resource.PhysicalId);
            return null;
        }
        var exchange = await SendAsync(id, "Delete", resource.Properties, null, resource.PhysicalId, resourceType: resource.Type);
        var failure = exchange.Answer switch
        {
            null => exchange.NoAnswer,
            { Status: "SUCCESS" } => null,
            { } a => a.Reason,
        };
        Event(id, failure is null ? "DELETE_COMPLETE" : "DELETE_FAILED", failure, resource.PhysicalId);
        return failure;
    }

    /// <summary>A cleanup-phase Delete: a failure is retried once, then dropped with a warning, and the stack still succeeds.</summary>
    private async Task CleanUpAsync(DeployedResource resource)
    {
        var failure = await DeleteResourceAsync(resource);
        if (failure is not null) failure = await DeleteResourceAsync(resource);
        if (failure is not null) Warnings.Add($"Update successful. One or more resources could not be deleted: {resource.LogicalId} ({resource.PhysicalId}): {failure}");
        if (_deployed.TryGetValue(resource.LogicalId, out var held) && held.PhysicalId == resource.PhysicalId && Template?[resource.LogicalId] is null)
            _deployed.Remove(resource.LogicalId);
    }

    private async Task<bool> RollBackAsync(List<Change> changes)
    {
        Status = "UPDATE_ROLLBACK_IN_PROGRESS";
        _cancelled = false;
        var cleanup = new List<DeployedResource>();
        foreach (var change in Enumerable.Reverse(changes).ToList())
        {
            var held = _deployed.GetValueOrDefault(change.LogicalId);
            switch (change.Kind)
            {
                case ChangeKind.Created:
                    if (held is not null) cleanup.Add(held);
                    _deployed.Remove(change.LogicalId);
                    break;
                case ChangeKind.Replaced when change.Before is { } before && held is not null && held.PhysicalId != before.PhysicalId:
                    if (ReplacementRollback == ReplacementRollback.DeleteNew || !held.IsCustom)
                    {
                        cleanup.Add(held);
                        _deployed[change.LogicalId] = before;
                        if (!before.IsCustom) ApplyPlain(before);
                    }
                    else if (!await RollBackUpdateAsync(held, before, cleanup)) return false;
                    break;
                case ChangeKind.Replaced when change.Before is { } before:
                    // The type changed: the new resource was created (and is deleted above); the old one stays.
                    _deployed[change.LogicalId] = before;
                    break;
                case ChangeKind.Updated when change.Before is { } before:
                    if (!before.IsCustom)
                    {
                        ApplyPlain(before);
                        break;
                    }
                    if (!change.Answered && UnansweredUpdateRollback == UnansweredUpdateRollback.DeleteGeneratedId)
                    {
                        cleanup.Add(before with { PhysicalId = Generated(change.LogicalId) });
                        _deployed[change.LogicalId] = before;
                        break;
                    }
                    if (!await RollBackUpdateAsync(held ?? before, before, cleanup, change.Attempted)) return false;
                    break;
            }
        }
        Status = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS";
        foreach (var resource in cleanup) await CleanUpAsync(resource);
        return true;
    }

    /// <summary>The Update CloudFormation sends to undo one: the properties before as the new ones, the failed ones as old.</summary>
    private async Task<bool> RollBackUpdateAsync(DeployedResource held, DeployedResource before, List<DeployedResource> cleanup, JsonObject? attempted = null)
    {
        var id = held.LogicalId;
        Event(id, "UPDATE_IN_PROGRESS", "rollback");
        var exchange = await SendAsync(id, "Update", before.Properties, attempted ?? held.Properties, held.PhysicalId, rollback: true);
        if (exchange.Answer is not { Status: "SUCCESS" } answer)
        {
            Event(id, "UPDATE_FAILED", exchange.Answer?.Reason ?? exchange.NoAnswer, held.PhysicalId);
            return false;
        }
        var physical = answer.PhysicalResourceId ?? held.PhysicalId;
        if (physical != held.PhysicalId) cleanup.Add(held);
        Hold(id, held.Type, physical, before.Properties, answer.Data.ToDictionary(d => d.Key, d => (JsonNode?)d.Value));
        Event(id, "UPDATE_COMPLETE", "rollback", physical);
        return true;
    }
}

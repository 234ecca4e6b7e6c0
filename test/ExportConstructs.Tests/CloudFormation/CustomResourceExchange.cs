using System.Text.Json.Nodes;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>What a custom resource answered CloudFormation, as CloudFormation read it.</summary>
internal sealed record CustomResourceAnswer(string Status, string Reason, string? PhysicalResourceId, Dictionary<string, string> Data, int Bytes);

/// <summary>One request CloudFormation sent a custom resource, and what came of it.</summary>
internal sealed class CustomResourceExchange
{
    public required string LogicalId { get; init; }
    public required string RequestType { get; init; }
    public required string RequestId { get; init; }
    public required string ResponseUrl { get; init; }
    /// <summary>The physical id the request carried (Update, Delete).</summary>
    public string? PhysicalResourceId { get; init; }
    public required JsonObject ResourceProperties { get; init; }
    public JsonObject? OldResourceProperties { get; init; }
    public required DateTimeOffset Sent { get; init; }
    /// <summary>The stack's status when CloudFormation sent it (what DescribeStacks told the handler then).</summary>
    public string? StackStatus { get; init; }
    /// <summary>True when this request is a rollback's (its properties are the ones before the failed change).</summary>
    public bool Rollback { get; init; }

    /// <summary>The answer, once it arrived in time.</summary>
    public CustomResourceAnswer? Answer { get; set; }
    /// <summary>When the answer arrived, on the virtual clock.</summary>
    public DateTimeOffset? AnsweredAt { get; set; }
    /// <summary>Set when no answer came before the resource's ServiceTimeout or the operation was cancelled.</summary>
    public string? NoAnswer { get; set; }
    /// <summary>Answers that came after CloudFormation had stopped listening (ignored, as CloudFormation does).</summary>
    public List<CustomResourceAnswer> Late { get; } = [];

    public bool Settled => Answer is not null || NoAnswer is not null;

    public override string ToString() => $"{RequestType} {LogicalId} ({PhysicalResourceId ?? "new"}){(Rollback ? " [rollback]" : "")} -> " +
        (Answer is { } a ? $"{a.Status} {a.PhysicalResourceId} {a.Reason}" : NoAnswer ?? "pending");
}

/// <summary>One line of the stack's event log.</summary>
internal sealed record StackEvent(DateTimeOffset Time, string LogicalId, string? PhysicalId, string Status, string? Reason = null)
{
    public override string ToString() => $"{LogicalId} {Status} {PhysicalId} {Reason}".TrimEnd();
}

/// <summary>
/// The variants of what CloudFormation does where AWS does not document it (aws-facts §6); the
/// handler has to be right under each, so tests play each.
/// </summary>
public enum ReplacementRollback
{
    /// <summary>The replacement (new id) gets a Delete in the rollback's cleanup; the old export is simply kept.</summary>
    DeleteNew,
    /// <summary>The replacement gets an Update with the properties swapped back (users report this).</summary>
    UpdateNew,
}

/// <summary>What follows an Update that got no answer (timeout, cancelled operation).</summary>
public enum UnansweredUpdateRollback
{
    /// <summary>A rollback Update with the properties swapped, to the id CloudFormation held.</summary>
    RollbackUpdate,
    /// <summary>A Delete with a physical id CloudFormation generated.</summary>
    DeleteGeneratedId,
}

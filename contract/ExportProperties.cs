using System.Text.Json.Serialization;

namespace ExportConstructs.Contract;

/// <summary>
/// The resource properties every export has, whatever it exports: the construct writes them, the
/// handler reads them (through the kind's own type, which adds what it exports).
/// CloudFormation hands scalars to custom resources as strings, which is why flags are strings.
/// </summary>
internal abstract class ExportProperties
{
    /// <summary>The user's tags (the construct's prop merged with the CDK's tags); never an owner tag.</summary>
    [JsonPropertyName(Tagging.TagsProperty)] public Dictionary<string, string>? Tags { get; set; }

    /// <summary>One of <see cref="RemovalPolicies.All"/>.</summary>
    [JsonPropertyName("RemovalPolicy")] public string? RemovalPolicy { get; set; }

    /// <summary><c>"true"</c> or <c>"false"</c>; absent means true.</summary>
    [JsonPropertyName("WaitForCompletion")] public string? WaitForCompletion { get; set; }

    /// <summary>The wait settings, or null when the resource itself does not wait.</summary>
    [JsonPropertyName("Wait")] public WaitProperties? Wait { get; set; }

    /// <summary>
    /// With <c>WaitForCompletion = false</c> only: the watcher that follows the export after its
    /// resource has completed, so that its completion event still comes (<see cref="WaitProperties.Poller"/>
    /// and <see cref="WaitProperties.IntervalSeconds"/> only; no condition, no Timeout). A property of
    /// its own, not <see cref="Wait"/>: that one means "the resource waits", which this export does not.
    /// </summary>
    [JsonPropertyName("Watch")] public WaitProperties? Watch { get; set; }

    /// <summary>
    /// The construct's path in the CDK app (e.g. <c>MyStack/VmImage</c>), for the completion event:
    /// the name a developer knows the export by. Not part of what is exported.
    /// </summary>
    [JsonPropertyName("ConstructPath")] public string? ConstructPath { get; set; }

    /// <summary>On a result resource only: the export task whose final attributes it reads.</summary>
    [JsonPropertyName("TaskId")] public string? TaskId { get; set; }

    /// <summary>
    /// On a result resource only: the export resource's logical id, which the export's owner tags
    /// carry (an AppStream result finds the AMI by them once AppStream has forgotten the task).
    /// </summary>
    [JsonPropertyName("ExportLogicalId")] public string? ExportLogicalId { get; set; }

    /// <summary>The values that decide what is exported: a change to any of them replaces the export.</summary>
    public abstract IEnumerable<string?> Identity();
}

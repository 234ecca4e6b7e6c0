using System.Text.Json.Nodes;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>A resource as CloudFormation holds it: its physical id, resolved properties and attributes.</summary>
internal sealed record DeployedResource(string LogicalId, string Type, string PhysicalId, JsonObject Properties, IReadOnlyDictionary<string, JsonNode?> Attributes)
{
    public bool IsCustom => Type.StartsWith("Custom::", StringComparison.Ordinal) || Type == "AWS::CloudFormation::CustomResource";
}

using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ExportConstructs.Contract;

namespace ExportConstructs.Handler.Exports;

/// <summary>What both kinds share: reading their contract type, and the flags every export has.</summary>
internal abstract class ExportKind<TProps>(JsonTypeInfo<TProps> typeInfo) where TProps : ExportProperties, new()
{
    /// <inheritdoc cref="IExportKind.Read"/>
    public ExportProperties Read(JsonElement properties) =>
        properties.ValueKind == JsonValueKind.Object ? properties.Deserialize(typeInfo) ?? new TProps() : new TProps();

    /// <summary>The request's properties as this kind's contract type (parsed once, by <see cref="ExportRequest"/>).</summary>
    protected static TProps Props(ExportRequest request) => (TProps)request.Properties;

    /// <summary>True unless the flag is "false" (the default is to wait).</summary>
    protected static bool Waits(string? flag) => flag != "false";

    /// <summary>True when the removal policy says to delete the artifact.</summary>
    protected static bool Destroys(string? policy) => policy == RemovalPolicies.Destroy;
}

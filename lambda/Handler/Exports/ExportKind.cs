using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;

namespace ExportConstructs.Handler.Exports;

/// <summary>Reading and checking a kind's typed properties, shared by both kinds.</summary>
public abstract class ExportKind<TProps>(JsonTypeInfo<TProps> typeInfo) where TProps : class, IExportProperties, new()
{
    /// <summary>The properties both kinds share.</summary>
    public IExportProperties Common(CustomResourceRequest request) => Props(request);

    /// <summary>The shared properties before an Update, or null.</summary>
    public IExportProperties? OldCommon(CustomResourceRequest request) => OldProps(request);

    /// <summary>The request's properties as the contract type.</summary>
    protected TProps Props(CustomResourceRequest request) => Read(request.ResourceProperties);

    /// <summary>The properties before an Update, or null.</summary>
    protected TProps? OldProps(CustomResourceRequest request) =>
        request.OldResourceProperties is { ValueKind: JsonValueKind.Object } old ? Read(old) : null;

    /// <summary>Runs the contract's rules on every value.</summary>
    protected static void Check(IReadOnlyList<string> problems)
    {
        if (problems.Count > 0) throw Errors.InvalidProperties(problems);
    }

    /// <summary>True unless the flag is "false" (the default is to wait).</summary>
    protected static bool Waits(string? flag) => flag != "false";

    /// <summary>True when the removal policy says to delete the artifact.</summary>
    protected static bool Destroys(string? policy) => policy == RemovalPolicies.Destroy;

    private TProps Read(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object ? element.Deserialize(typeInfo) ?? new TProps() : new TProps();
}

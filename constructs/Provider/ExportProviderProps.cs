using Amazon.CDK.AWS.Lambda;

namespace ExportConstructs;

/// <summary>Settings of the one <see cref="ExportProvider"/> of a stack.</summary>
public interface IExportProviderProps
{
    /// <summary>
    /// Runtime of the CDK Provider framework's Node.js functions. CDK 2.160 would give them
    /// nodejs20.x or nodejs18.x, which Lambda no longer accepts for new functions.
    /// </summary>
    /// <remarks>Default: <see cref="ExportProvider.DefaultFrameworkRuntime"/> (nodejs24.x, supported until 2028-04-30).</remarks>
    Runtime? FrameworkRuntime { get; }
}

/// <summary>Settings of the one <see cref="ExportProvider"/> of a stack.</summary>
public sealed class ExportProviderProps : IExportProviderProps
{
    /// <inheritdoc />
    public Runtime? FrameworkRuntime { get; set; }
}

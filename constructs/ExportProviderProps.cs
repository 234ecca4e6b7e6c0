using Amazon.CDK;
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

    /// <summary>How often the framework asks the handler whether an export has finished.</summary>
    /// <remarks>Default: 30 seconds.</remarks>
    Duration? QueryInterval { get; }

    /// <summary>
    /// How long the framework waits for an export before failing the resource; at most 1 hour, the
    /// ceiling CloudFormation gives any custom resource. Must be a whole multiple of <see cref="QueryInterval"/>.
    /// </summary>
    /// <remarks>Default: 55 minutes, which leaves CloudFormation's hour a margin.</remarks>
    Duration? TotalTimeout { get; }
}

/// <summary>Settings of the one <see cref="ExportProvider"/> of a stack.</summary>
public sealed class ExportProviderProps : IExportProviderProps
{
    /// <inheritdoc />
    public Runtime? FrameworkRuntime { get; set; }

    /// <inheritdoc />
    public Duration? QueryInterval { get; set; }

    /// <inheritdoc />
    public Duration? TotalTimeout { get; set; }
}

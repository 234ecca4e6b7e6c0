using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;

namespace ExportConstructs.Handler.Exports;

/// <summary>
/// One kind of export (EC2 image to S3, AppStream image to AMI): how to start it, check it and
/// stop it. The lifecycle rules that decide when each is called live once, in <see cref="ExportLifecycle"/>.
/// </summary>
public interface IExportKind
{
    /// <summary>The <c>Custom::</c> resource type served.</summary>
    string ResourceType { get; }

    /// <summary>The properties both kinds share (long-wait settings, result task id).</summary>
    IExportProperties Common(CustomResourceRequest request);

    /// <summary>The shared properties before an Update, or null.</summary>
    IExportProperties? OldCommon(CustomResourceRequest request);

    /// <summary>Checks the request's properties, throwing <see cref="ExportException"/> with every problem.</summary>
    void Validate(CustomResourceRequest request);

    /// <summary>True when an Update changes what is exported (so the export is replaced).</summary>
    bool ChangesExport(CustomResourceRequest request);

    /// <summary>Starts the export with these owner tags (or finds the one this same request started) and returns its id.</summary>
    Task<string> StartAsync(CustomResourceRequest request, IReadOnlyDictionary<string, string> ownerTags, CancellationToken cancellationToken);

    /// <summary>True when <paramref name="physicalId"/> has the shape of an id this kind answers (not one CloudFormation made up).</summary>
    bool Minted(string physicalId);

    /// <summary>The export as AWS describes it now, with its owner tags; null when AWS does not know it (any more).</summary>
    Task<OwnedExport?> DescribeAsync(string taskId, CancellationToken cancellationToken);

    /// <summary>Every export AWS knows whose owner tags name this stack and logical id.</summary>
    Task<IReadOnlyList<OwnedExport>> FindOwnedAsync(string stackId, string logicalId, CancellationToken cancellationToken);

    /// <summary>Pending while running; done with the attributes when finished; throws when it failed.</summary>
    Task<IsCompleteResponse> CheckAsync(CustomResourceRequest request, CancellationToken cancellationToken);

    /// <summary>The attributes of the export as it stands, without waiting (for an Update that keeps it).</summary>
    Task<Dictionary<string, string>> CurrentAsync(CustomResourceRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// A tags-only Update (or its rollback): applies the change in place to what carries the export's
    /// tags (its task, its AMI). Never needs the task to still exist: AWS forgets finished tasks.
    /// </summary>
    Task RetagAsync(CustomResourceRequest request, TagChange change, CancellationToken cancellationToken);

    /// <summary>Begins a Delete: stops what can be stopped.</summary>
    Task BeginDeleteAsync(CustomResourceRequest request, CancellationToken cancellationToken);

    /// <summary>True once the export is stopped and the removal policy applied.</summary>
    Task<bool> FinishDeleteAsync(CustomResourceRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// True when this Delete, if it deletes the export CloudFormation holds, must also end the
    /// export's strays: exports that replacing Updates of the same logical id started, that
    /// CloudFormation was never told of (the Update failed, timed out or was rolled back) and that
    /// the handler could not stop before it answered.
    /// </summary>
    bool MayHaveStrays(CustomResourceRequest request);

    /// <summary>
    /// The Delete of the export CloudFormation holds (its physical id is the request's): waits for
    /// its strays to end and applies its removal policy to them. True once done.
    /// </summary>
    Task<bool> FinishStraysAsync(CustomResourceRequest request, CancellationToken cancellationToken);
}

using System.Text.Json;
using ExportConstructs.Contract;
using ExportConstructs.Handler.CustomResources;

namespace ExportConstructs.Handler.Exports;

/// <summary>
/// One kind of export (an <c>ExportedVmImage</c>, an <c>AppStreamAmiExport</c>): how to start it,
/// check it, re-tag it and stop it. The lifecycle rules that decide when each is called live once,
/// in <see cref="ExportLifecycle"/>; a kind only ever sees a parsed <see cref="ExportRequest"/>.
/// </summary>
internal interface IExportKind
{
    /// <summary>The <c>Custom::</c> resource type served.</summary>
    string ResourceType { get; }

    /// <summary>Reads resource properties as this kind's contract type.</summary>
    ExportProperties Read(JsonElement properties);

    /// <summary>True when <paramref name="taskId"/> has the shape of an id this kind answers (not one CloudFormation made up).</summary>
    bool Minted(string taskId);

    /// <summary>Starts the export with these owner tags (or finds the one this same request started) and returns its task id.</summary>
    Task<string> StartAsync(ExportRequest request, IReadOnlyDictionary<string, string> ownerTags, CancellationToken cancellationToken);

    /// <summary>The export as AWS describes it now, with its owner tags; null when AWS does not know it (any more).</summary>
    Task<OwnedExport?> DescribeAsync(string taskId, CancellationToken cancellationToken);

    /// <summary>Every export AWS knows whose owner tags name this stack and logical id.</summary>
    Task<IReadOnlyList<OwnedExport>> FindOwnedAsync(string stackId, string logicalId, CancellationToken cancellationToken);

    /// <summary>Pending while running; done with the attributes when finished; throws when it failed.</summary>
    Task<IsCompleteResponse> CheckAsync(ExportRequest request, CancellationToken cancellationToken);

    /// <summary>The attributes of the export as it stands, without waiting (for an Update that keeps it).</summary>
    Task<Dictionary<string, string>> CurrentAsync(ExportRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// A tags-only Update (or its rollback): applies the change in place to what carries the export's
    /// tags (its task, its AMI). Never needs the task to still exist: AWS forgets finished tasks.
    /// </summary>
    Task RetagAsync(ExportRequest request, TagChange change, CancellationToken cancellationToken);

    /// <summary>
    /// Begins a Delete: stops what can be stopped. True when the export was still running, so that
    /// the Delete ends it (cancels it, or where AWS cannot cancel, follows it and applies the removal
    /// policy to what it makes): the lifecycle then reports it cancelled.
    /// </summary>
    Task<bool> BeginDeleteAsync(ExportRequest request, CancellationToken cancellationToken);

    /// <summary>True once the export is stopped and the removal policy applied.</summary>
    Task<bool> FinishDeleteAsync(ExportRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The Delete of a queued export whose task AWS does not list: it never got a slot, or AWS has
    /// forgotten the finished task. Applies the removal policy to what a task started under
    /// <paramref name="fingerprint"/> made, as far as that is still found without the task.
    /// </summary>
    Task ReleaseUnlistedAsync(ExportRequest request, string fingerprint, CancellationToken cancellationToken);

    /// <summary>
    /// True when this Delete, if it deletes the export CloudFormation holds, must also end the
    /// export's strays: exports that replacing Updates of the same logical id started, that
    /// CloudFormation was never told of (the Update failed, timed out or was rolled back) and that
    /// the handler could not stop before it answered.
    /// </summary>
    bool MayHaveStrays(ExportRequest request);

    /// <summary>
    /// The Delete of the export CloudFormation holds (its task id is the request's): waits for its
    /// strays to end and applies its removal policy to them. True once done.
    /// </summary>
    Task<bool> FinishStraysAsync(ExportRequest request, CancellationToken cancellationToken);
}

using ExportConstructs.Handler.CustomResources;

namespace ExportConstructs.Handler.Exports;

/// <summary>
/// The CloudFormation lifecycle of an export, for every kind:
/// Create starts; Update replaces when what is exported changed and keeps otherwise; Delete
/// stops and applies the removal policy; isComplete waits for each of these.
/// </summary>
public sealed class ExportLifecycle(IEnumerable<IExportKind> kinds, Action<string> log)
{
    private readonly Dictionary<string, IExportKind> _kinds = kinds.ToDictionary(k => k.ResourceType);

    /// <summary>The framework's onEvent.</summary>
    public async Task<OnEventResponse> OnEventAsync(CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var kind = KindOf(request);
        log($"{request.RequestType} {request.ResourceType} {request.LogicalResourceId} ({request.PhysicalResourceId ?? "new"})");
        switch (request.RequestType)
        {
            case "Create":
                kind.Validate(request);
                return Answer(await kind.StartAsync(request, cancellationToken), ExportActions.Started);
            case "Update":
                kind.Validate(request);
                if (!kind.ChangesExport(request))
                    return Answer(request.PhysicalResourceId!, ExportActions.Kept);
                // A new physical id: CloudFormation deletes the old export once the stack update succeeds.
                return Answer(await kind.StartAsync(request, cancellationToken), ExportActions.Started);
            case "Delete":
                await kind.BeginDeleteAsync(request, cancellationToken);
                return Answer(request.PhysicalResourceId!, ExportActions.Deleting);
            default:
                throw Errors.UnknownRequestType(request.RequestType);
        }
    }

    /// <summary>The framework's isComplete, called right after onEvent and then every query interval.</summary>
    public async Task<IsCompleteResponse> IsCompleteAsync(CustomResourceRequest request, CancellationToken cancellationToken)
    {
        var kind = KindOf(request);
        return request.Action switch
        {
            ExportActions.Kept => IsCompleteResponse.Done(await kind.CurrentAsync(request, cancellationToken)),
            ExportActions.Deleting => await kind.FinishDeleteAsync(request, cancellationToken) ? IsCompleteResponse.Done() : IsCompleteResponse.Pending,
            // Without an action (an older handler's onEvent), infer it from the request type.
            _ when request.RequestType == "Delete" => await kind.FinishDeleteAsync(request, cancellationToken) ? IsCompleteResponse.Done() : IsCompleteResponse.Pending,
            _ => await kind.CheckAsync(request, cancellationToken),
        };
    }

    private IExportKind KindOf(CustomResourceRequest request) =>
        _kinds.TryGetValue(request.ResourceType, out var kind) ? kind : throw Errors.UnknownResourceType(request.ResourceType, _kinds.Keys);

    private static OnEventResponse Answer(string physicalId, string action) => new() { PhysicalResourceId = physicalId, Action = action };
}

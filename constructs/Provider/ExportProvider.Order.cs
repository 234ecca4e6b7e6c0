using Amazon.CDK;

namespace ExportConstructs;

/// <summary>Exports of one AMI in one stack, in the order they were defined.</summary>
public sealed partial class ExportProvider
{
    private readonly Dictionary<string, (ExportedVmImage Export, CustomResource Done, bool Waits)> _lastExportOfImage = [];

    /// <summary>
    /// EC2 runs one export per AMI at a time and refuses a second start (aws-facts §7), so exports of
    /// the same AMI in a stack never race: each starts after the one defined before it has finished.
    /// Its export resource depends on the earlier one's attributes resource, which completes when
    /// that export has ended (short path: the export resource itself; long path: the result after
    /// the WaitCondition). An earlier export that does not wait for completion ends whenever it
    /// ends: the later one may then be refused, and a warning says so. A deploy-time image id is
    /// compared in its CloudFormation form, so two reads of one attribute count as one AMI.
    /// </summary>
    internal void OrderByImage(ExportedVmImage export, string imageId, CustomResource done, bool waits)
    {
        var key = ValueOf(imageId).Json;
        if (_lastExportOfImage.TryGetValue(key, out var previous))
        {
            export.Resource.Node.AddDependency(previous.Done);
            if (!previous.Waits)
                Annotations.Of(export).AddWarning(Messages.SameImageAfterNonWaiting(export.Node.Path, previous.Export.Node.Path));
        }
        _lastExportOfImage[key] = (export, done, waits);
    }
}

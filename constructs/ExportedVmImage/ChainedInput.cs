using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.JSII.Runtime.Deputy;
using Constructs;
using ExportConstructs.Contract;

namespace ExportConstructs;

/// <summary>
/// Checks, at synth, an <see cref="ExportedVmImage"/> whose <c>ImageId</c> is the <c>AmiId</c> of
/// an <see cref="AppStreamAmiExport"/> of the same stack (a chained export). Run as a validation,
/// so it sees every construct whichever was declared first.
/// </summary>
internal sealed class ChainedInput(ExportedVmImage export, string imageId) : DeputyBase, IValidation
{
    public string[] Validate()
    {
        var stack = Stack.Of(export);
        var value = DeployTimeValue.Of(stack, imageId, _ => false);
        var errors = new List<string>();
        foreach (var source in ExportProvider.Of(export).AppStreamExports)
        {
            var attributesId = (string)stack.Resolve(stack.GetLogicalId((CfnElement)source.Attributes.Node.DefaultChild!));
            if (!value.References.Contains((attributesId, AppStreamAmiExportAttributeNames.AmiId))) continue;
            // With WaitForCompletion = false the source answers before AppStream has made the AMI: AmiId is empty then.
            if (!source.WaitsForCompletion)
                errors.Add(Messages.ChainFromNonWaitingSource(export.Node.Path, source.Node.Path));
            // EC2 refuses to export AMIs with AWS-provided Windows (NotExportable): the chain serves Linux images.
            if (source.OperatingSystem == OperatingSystemType.WINDOWS)
                Annotations.Of(export).AddWarning(Messages.ChainFromWindows(export.Node.Path, source.Node.Path));
        }
        return [.. errors];
    }
}

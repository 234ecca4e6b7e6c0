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
                errors.Add($"ExportedVmImage '{export.Node.Path}': ImageId is the AmiId of AppStreamAmiExport '{source.Node.Path}', which has WaitForCompletion = false, so its AmiId is empty when it completes; expected a source that waits for its export (WaitForCompletion = true, the default).");
            // EC2 refuses to export AMIs with AWS-provided Windows (NotExportable): the chain serves Linux images.
            if (source.OperatingSystem == OperatingSystemType.WINDOWS)
                Annotations.Of(export).AddWarning($"ExportedVmImage '{export.Node.Path}' exports the AMI of AppStreamAmiExport '{source.Node.Path}', whose OperatingSystem is WINDOWS: EC2 refuses to export AMIs with AWS-provided Windows (NotExportable). Chain Linux AppStream images, and set OperatingSystem = LINUX on the source.");
        }
        return [.. errors];
    }
}

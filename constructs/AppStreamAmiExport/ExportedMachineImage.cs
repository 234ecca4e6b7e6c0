using Amazon.CDK.AWS.EC2;
using Amazon.JSII.Runtime.Deputy;
using Constructs;

namespace ExportConstructs;

/// <summary>
/// A machine image whose AMI id is only known at deploy time (an attribute of the export):
/// CDK's generic images need the id per region at synth, this one passes the token through.
/// </summary>
internal sealed class ExportedMachineImage(string amiId, OperatingSystemType os) : DeputyBase, IMachineImage
{
    public IMachineImageConfig GetImage(Construct scope) => new MachineImageConfig
    {
        ImageId = amiId,
        OsType = os,
        UserData = os == OperatingSystemType.WINDOWS ? UserData.ForWindows() : UserData.ForLinux(),
    };
}

using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Constructs;

namespace ExportConstructs.Infra;

/// <summary>
/// Both exports, a chain of the two (a Linux AppStream image → AMI → VMDK), and the constructs
/// that use their attributes: a launch template booting from the AppStream export's AMI, a role
/// allowed to read the exported VM file, and every attribute as an output. Inputs are CloudFormation parameters, so the stack synthesizes with
/// no credentials and no context; <c>-c key=value</c> fixes one at synth instead.
/// </summary>
public sealed class SampleStack : Stack
{
    /// <summary>Context keys, also the names of the parameters they replace.</summary>
    public static class Inputs
    {
        /// <summary>AMI to export to S3.</summary>
        public const string ImageId = "ImageId";
        /// <summary>Existing bucket to write the VM file to.</summary>
        public const string BucketName = "BucketName";
        /// <summary>AppStream image to export to an AMI.</summary>
        public const string AppStreamImageName = "AppStreamImageName";
        /// <summary>Name of the AMI to create.</summary>
        public const string AmiName = "AmiName";
        /// <summary>Linux AppStream image whose AMI is exported on to S3 (the chain).</summary>
        public const string LinuxAppStreamImageName = "LinuxAppStreamImageName";
    }

    /// <summary>Builds the sample.</summary>
    public SampleStack(Construct scope, string id, IStackProps? props = null) : base(scope, id, props)
    {
        var bucket = Bucket.FromBucketName(this, "ExportBucket", Input(Inputs.BucketName, "Existing S3 bucket (same account and region, not SSE-KMS) for the VM file.", "my-vm-exports"));

        var vmImage = new ExportedVmImage(this, "VmImage", new ExportedVmImageProps
        {
            ImageId = Input(Inputs.ImageId, "AMI to export as a VMDK file.", "ami-0123456789abcdef0"),
            DiskImageFormat = DiskImageFormat.VMDK,
            Bucket = bucket,
            Prefix = "exports/",
            Description = "Sample export from ExportConstructs",
            Tags = new Dictionary<string, string> { ["project"] = "export-constructs-sample" },
        });

        var amiName = Input(Inputs.AmiName, "Name of the AMI to create.", "sample-appstream-export");
        var appStreamAmi = new AppStreamAmiExport(this, "AppStreamAmi", new AppStreamAmiExportProps
        {
            ImageName = Input(Inputs.AppStreamImageName, "AppStream (WorkSpaces Applications) image to export.", "my-appstream-image"),
            AmiName = amiName,
            AmiDescription = "AppStream image exported by ExportConstructs",
            OperatingSystem = OperatingSystemType.WINDOWS,
        });

        // A chain: a Linux AppStream image exported to an AMI, and that AMI exported on to S3 as a
        // VMDK. The VM export starts once the AMI exists; a Delete removes it first. Linux, because
        // EC2 refuses to export AMIs with AWS-provided Windows.
        var linuxAmi = new AppStreamAmiExport(this, "LinuxAppStreamAmi", new AppStreamAmiExportProps
        {
            ImageName = Input(Inputs.LinuxAppStreamImageName, "Linux AppStream image to export to an AMI and on to S3.", "my-linux-appstream-image"),
            OperatingSystem = OperatingSystemType.LINUX,
        });
        var linuxVmImage = new ExportedVmImage(this, "LinuxVmImage", new ExportedVmImageProps
        {
            ImageId = linuxAmi.AmiId,
            DiskImageFormat = DiskImageFormat.VMDK,
            Bucket = bucket,
            Prefix = "exports/linux/",
        });

        // Another construct booting from the exported AMI.
        var launchTemplate = new LaunchTemplate(this, "FromExportedAmi", new LaunchTemplateProps
        {
            MachineImage = appStreamAmi.MachineImage,
            InstanceType = InstanceType.Of(InstanceClass.T3, InstanceSize.LARGE),
            RequireImdsv2 = true,
        });

        // A role that may read exactly the exported file.
        var reader = new Role(this, "VmFileReader", new RoleProps
        {
            AssumedBy = new AccountRootPrincipal(),
            Description = "Reads the exported VM file.",
        });
        vmImage.GrantRead(reader);

        Output("ExportImageTaskId", vmImage.ExportImageTaskId);
        Output("VmS3Bucket", vmImage.S3Bucket);
        Output("VmS3Key", vmImage.S3Key);
        Output("VmS3Uri", vmImage.S3Uri);
        Output("VmDiskImageFormat", vmImage.DiskImageFormat);
        Output("AppStreamTaskId", appStreamAmi.TaskId);
        Output("AppStreamAmiId", appStreamAmi.AmiId);
        Output("AppStreamAmiName", appStreamAmi.AmiName);
        Output("AppStreamImageArn", appStreamAmi.ImageArn);
        Output("LinuxAmiId", linuxAmi.AmiId);
        Output("LinuxVmS3Uri", linuxVmImage.S3Uri);
        Output("LaunchTemplateId", launchTemplate.LaunchTemplateId!);
        Output("VmFileReaderRoleArn", reader.RoleArn);
    }

    /// <summary>The context value when given (checked at synth), otherwise a parameter (checked at deploy).</summary>
    private string Input(string name, string description, string example)
    {
        if (Node.TryGetContext(name) is string value && value.Length > 0) return value;
        return new CfnParameter(this, name, new CfnParameterProps
        {
            Type = "String",
            Description = $"{description} Example: {example}.",
            Default = example,
        }).ValueAsString;
    }

    private void Output(string name, string value) => new CfnOutput(this, name, new CfnOutputProps { Value = value });
}

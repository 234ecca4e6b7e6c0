using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using static ExportConstructs.Tests.Constructs.Synthesized;

namespace ExportConstructs.Tests.Constructs;

/// <summary>A finished export used from another stack by its attributes: read its file, boot from its AMI.</summary>
[Collection(CdkCollection.Name)]
public sealed class ImportedExportTests
{
    private const string Key = "exports/export-ami-1234567890abcdef0.vmdk";

    [Fact]
    public void ImportedExports_ShouldGrantReadOfTheFileAndBootAnInstanceFromTheAmi()
    {
        var stack = NewStack("Consumer");
        var file = ExportedVmImage.FromExportedVmImageAttributes(stack, "File", new ExportedVmImageAttributes
        {
            Bucket = Bucket.FromBucketName(stack, "B", "vm-exports"), S3Key = Key,
        });
        var ami = AppStreamAmiExport.FromAppStreamAmiExportAttributes(stack, "Ami", new AppStreamAmiExportAttributes
        {
            AmiId = "ami-0fedcba9876543210", OperatingSystem = OperatingSystemType.LINUX,
        });
        var reader = new Role(stack, "Reader", new RoleProps { AssumedBy = new ServicePrincipal("ec2.amazonaws.com") });
        file.GrantRead(reader);
        var vpc = new Vpc(stack, "Vpc", new VpcProps { MaxAzs = 1, NatGateways = 0 });
        new Instance_(stack, "Boot", new InstanceProps
        {
            Vpc = vpc, MachineImage = ami.MachineImage, Role = reader,
            InstanceType = InstanceType.Of(InstanceClass.T3, InstanceSize.MICRO),
        });

        var s = Of(stack);

        // Nothing of the library is deployed for an import: no provider, no export resource.
        Assert.DoesNotContain(s.Resources.EnumerateObject(), r => r.Value.GetProperty("Type").GetString()!.StartsWith("Custom::", StringComparison.Ordinal));
        var read = Assert.Single(s.StatementsFor("s3:GetObject"));
        Assert.Contains($"vm-exports/{Key}", read.GetProperty("Resource").Compact());
        var instance = Assert.Single(s.OfType("AWS::EC2::Instance")).Resource.GetProperty("Properties");
        Assert.Equal("ami-0fedcba9876543210", instance.GetProperty("ImageId").GetString());
        Assert.Contains("#!/bin/bash", instance.GetProperty("UserData").Compact()); // Linux user data
        Assert.Equal(("export-ami-1234567890abcdef0", "VMDK", $"s3://vm-exports/{Key}"), (file.ExportImageTaskId, file.DiskImageFormat, file.S3Uri));
    }

    [Fact]
    public void ImportedFile_WithAKeyOfAnotherShapeAndNoTaskId_ShouldSayWhatIsMissing()
    {
        var stack = NewStack("Consumer");
        var file = ExportedVmImage.FromExportedVmImageAttributes(stack, "File", new ExportedVmImageAttributes
        {
            Bucket = Bucket.FromBucketName(stack, "B", "vm-exports"), S3Key = "renamed.vmdk",
        });

        var error = Assert.Throws<InvalidOperationException>(() => file.ExportImageTaskId);

        Assert.Equal("ExportedVmImage.FromExportedVmImageAttributes 'Consumer/File': ExportImageTaskId was not given and cannot be read from S3Key 'renamed.vmdk'; expected it in the attributes.", error.Message);
    }

    [Fact]
    public void ImportedAmi_WithoutAnAmiId_ShouldFailNamingTheAttribute()
    {
        var stack = NewStack("Consumer");

        var error = Assert.Throws<ArgumentException>(() => AppStreamAmiExport.FromAppStreamAmiExportAttributes(stack, "Ami", new AppStreamAmiExportAttributes()));

        Assert.StartsWith("AppStreamAmiExport.FromAppStreamAmiExportAttributes 'Consumer/Ami': AmiId is required", error.Message);
    }

    [Fact]
    public void BothConstructs_ShouldBeUsableThroughTheirInterfaces()
    {
        var stack = NewStack("Producer");
        IExportedVmImage vm = new ExportedVmImage(stack, "Vm", new ExportedVmImageProps { ImageId = "ami-0123456789abcdef0", DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Bucket(stack, "B") });
        IAppStreamAmiExport ami = new AppStreamAmiExport(stack, "As", new AppStreamAmiExportProps { ImageName = "Office" });

        Assert.True(Token.IsUnresolved(vm.S3Key));
        Assert.True(Token.IsUnresolved(ami.AmiId));
    }
}

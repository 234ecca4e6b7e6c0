using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using static ExportConstructs.Tests.Constructs.Synthesized;
using static ExportConstructs.Tests.Constructs.VmImageStacks;

namespace ExportConstructs.Tests.Constructs;

/// <summary>
/// The ExportedVmImage construct's synth-time checks: the bucket, the disk image format, every other prop, and token values left for the handler.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class ExportedVmImageValidationTests
{
    [Fact]
    public void Bucket_WithKmsEncryption_ShouldFailAtSynth()
    {
        var stack = NewStack();
        var bucket = new Bucket(stack, "Kms", new BucketProps { EncryptionKey = new Key(stack, "Key") });

        var error = Assert.Throws<ArgumentException>(() => new ExportedVmImage(stack, "Vm", new ExportedVmImageProps { ImageId = Image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = bucket }));

        Assert.Contains("ExportedVmImage 'TestStack/Vm': Bucket 'TestStack/Kms' is encrypted with KMS (a KMS key); EC2 ExportImage cannot write to SSE-KMS buckets", error.Message);
    }

    [Theory]
    [InlineData("KMS_MANAGED", "aws:kms")]
    [InlineData("DSSE_MANAGED", "aws:kms:dsse")]
    public void Bucket_WithAwsManagedKmsEncryption_ShouldFailAtSynth(string encryption, string algorithm)
    {
        var stack = NewStack();
        var bucket = new Bucket(stack, "Kms", new BucketProps { Encryption = encryption == "KMS_MANAGED" ? BucketEncryption.KMS_MANAGED : BucketEncryption.DSSE_MANAGED });

        var error = Assert.Throws<ArgumentException>(() => new ExportedVmImage(stack, "Vm", new ExportedVmImageProps { ImageId = Image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = bucket }));

        Assert.Contains($"Bucket 'TestStack/Kms' is encrypted with KMS ({algorithm}); EC2 ExportImage cannot write to SSE-KMS buckets; expected S3-managed encryption", error.Message);
    }

    [Fact]
    public void Bucket_WithS3ManagedEncryption_ShouldBeAccepted()
    {
        var stack = NewStack();
        var bucket = new Bucket(stack, "Sse", new BucketProps { Encryption = BucketEncryption.S3_MANAGED });

        var vm = new ExportedVmImage(stack, "Vm", new ExportedVmImageProps { ImageId = Image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = bucket });

        Assert.NotNull(vm.Resource);
    }

    [Theory]
    [InlineData("111111111111", "eu-west-1", "is in region eu-west-1, the stack in us-east-1")]
    [InlineData("222222222222", "us-east-1", "is in account 222222222222, the stack in 111111111111")]
    public void Bucket_OfAnotherAccountOrRegion_ShouldFailAtSynth(string account, string region, string message)
    {
        var stack = new Stack(new App(), "Env", new StackProps { Env = new Amazon.CDK.Environment { Account = "111111111111", Region = "us-east-1" } });
        var bucket = Bucket.FromBucketAttributes(stack, "Elsewhere", new BucketAttributes { BucketName = "elsewhere", Account = account, Region = region });

        var error = Assert.Throws<ArgumentException>(() => new ExportedVmImage(stack, "Vm", new ExportedVmImageProps { ImageId = Image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = bucket }));

        Assert.Contains($"ExportedVmImage 'Env/Vm': Bucket 'Env/Elsewhere' {message}; expected a bucket of the stack's", error.Message);
    }

    [Fact]
    public void DiskImageFormat_WhenNotGiven_ShouldFailAtSynth()
    {
        var stack = NewStack();

        var error = Assert.Throws<ArgumentException>(() => new ExportedVmImage(stack, "Vm", new ExportedVmImageProps { ImageId = Image, Bucket = new Bucket(stack, "B") }));

        Assert.Equal("ExportedVmImage 'TestStack/Vm': DiskImageFormat is required; expected VMDK, RAW or VHD.", error.Message);
    }

    public static TheoryData<string, string> BadProps => new()
    {
        { "ImageId=ami-xyz", "ExportedVmImage 'TestStack/Vm': ImageId 'ami-xyz' is not valid; expected 'ami-' followed by 8 or 17 lower-case hexadecimal digits" },
        { "ImageId=", "ExportedVmImage 'TestStack/Vm': ImageId '' is not valid" },
        { "Description=long", "ExportedVmImage 'TestStack/Vm': Description is 300 characters long; at most 255 are allowed" },
        { "Prefix=long", "ExportedVmImage 'TestStack/Vm': Prefix is 901 characters long; at most 900 are allowed" },
        { "Tags=aws", "ExportedVmImage 'TestStack/Vm': Tags key 'aws:owner' is not valid; expected 1 to 128 characters, not starting with 'aws:'" },
        { "Tags=many", "ExportedVmImage 'TestStack/Vm': Tags has 51 entries; at most 45 are allowed (5 of the 50 are the owner tags" },
        { "RemovalPolicy=SNAPSHOT", "ExportedVmImage 'TestStack/Vm': RemovalPolicy 'SNAPSHOT' is not valid; expected RETAIN (keep the exported artifact) or DESTROY" },
    };

    [Theory]
    [MemberData(nameof(BadProps))]
    public void BadProp_ShouldFailAtSynthNamingPropValueAndWhatIsValid(string change, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => Build(p =>
        {
            switch (change)
            {
                case "ImageId=ami-xyz": p.ImageId = "ami-xyz"; break;
                case "ImageId=": p.ImageId = ""; break;
                case "Description=long": p.Description = new string('d', 300); break;
                case "Prefix=long": p.Prefix = new string('p', 901); break;
                case "Tags=aws": p.Tags = new Dictionary<string, string> { ["aws:owner"] = "x" }; break;
                case "Tags=many": p.Tags = Enumerable.Range(0, 51).ToDictionary(i => $"k{i}", _ => "v"); break;
                case "RemovalPolicy=SNAPSHOT": p.RemovalPolicy = RemovalPolicy.SNAPSHOT; break;
            }
        }));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void TokenValues_ShouldBeLeftForTheHandlerToCheckAtDeploy()
    {
        var stack = NewStack();
        var image = new CfnParameter(stack, "Image", new CfnParameterProps { Type = "String" });

        new ExportedVmImage(stack, "Vm", new ExportedVmImageProps { ImageId = image.ValueAsString, DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Bucket(stack, "B") });

        Assert.Equal("{\"Ref\":\"Image\"}", Properties(Of(stack)).GetProperty("ImageId").Compact());
    }
}

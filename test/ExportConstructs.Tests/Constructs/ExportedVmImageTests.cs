using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using static ExportConstructs.Tests.Constructs.Synthesized;

namespace ExportConstructs.Tests.Constructs;

[Collection(CdkCollection.Name)]
public sealed class ExportedVmImageTests
{
    private const string Image = "ami-0123456789abcdef0";

    private static (Stack Stack, ExportedVmImage Export) Build(Action<ExportedVmImageProps>? change = null)
    {
        var stack = NewStack();
        var props = new ExportedVmImageProps
        {
            ImageId = Image,
            DiskImageFormat = DiskImageFormat.RAW,
            Bucket = new Bucket(stack, "Bucket"),
        };
        change?.Invoke(props);
        return (stack, new ExportedVmImage(stack, "Vm", props));
    }

    private static JsonElement Properties(Synthesized s) => Assert.Single(s.OfType(ResourceTypes.ExportedVmImage)).Resource.GetProperty("Properties");

    [Fact]
    public void Resource_ShouldCarryEveryPropToTheHandler()
    {
        var (stack, _) = Build(p =>
        {
            p.Prefix = "vm/";
            p.Description = "nightly";
            p.Tags = new Dictionary<string, string> { ["team"] = "infra" };
            p.RemovalPolicy = RemovalPolicy.DESTROY;
            p.WaitForCompletion = false;
        });

        var s = Of(stack);

        s.Template.HasResourceProperties(ResourceTypes.ExportedVmImage, Match.ObjectEquals(new Dictionary<string, object>
        {
            ["ServiceToken"] = Match.AnyValue(),
            ["ImageId"] = Image,
            ["DiskImageFormat"] = "RAW",
            ["S3Bucket"] = new Dictionary<string, object> { ["Ref"] = Match.StringLikeRegexp("^Bucket") },
            ["S3Prefix"] = "vm/",
            ["Description"] = "nightly",
            ["RoleName"] = new Dictionary<string, object> { ["Ref"] = Match.StringLikeRegexp("^VmServiceRole") },
            ["Tags"] = new Dictionary<string, object> { ["team"] = "infra" },
            ["RemovalPolicy"] = "destroy",
            ["WaitForCompletion"] = "false",
        }));
    }

    [Fact]
    public void Defaults_ShouldBeExportsPrefixRetainAndWait()
    {
        var p = Properties(Of(Build().Stack));

        Assert.Equal(("exports/", "retain", "true"), (p.GetProperty("S3Prefix").GetString(), p.GetProperty("RemovalPolicy").GetString(), p.GetProperty("WaitForCompletion").GetString()));
        Assert.False(p.TryGetProperty("Tags", out _));
        Assert.False(p.TryGetProperty("Description", out _));
    }

    [Fact]
    public void CloudFormationDeletionPolicy_ShouldStayDeleteSoTheHandlerCanCancel()
    {
        var s = Of(Build(p => p.RemovalPolicy = RemovalPolicy.RETAIN).Stack);

        var resource = Assert.Single(s.OfType(ResourceTypes.ExportedVmImage)).Resource;
        Assert.Equal("Delete", resource.GetProperty("DeletionPolicy").GetString());
    }

    [Fact]
    public void Attributes_ShouldReadTheHandlersDataByContractNames()
    {
        var (stack, export) = Build();
        foreach (var (name, value) in new[] { ("Id", export.ExportImageTaskId), ("OutBucket", export.S3Bucket), ("Key", export.S3Key), ("Uri", export.S3Uri), ("Format", export.DiskImageFormat) })
            new CfnOutput(stack, name, new CfnOutputProps { Value = value });

        var outputs = Of(stack).Json.GetProperty("Outputs");

        // After a long wait (the default), attributes come from the result resource.
        var logicalId = stack.GetLogicalId((CfnElement)export.Node.FindChild("Result").Node.DefaultChild!);
        Assert.Equal($"{{\"Fn::GetAtt\":[\"{logicalId}\",\"ExportImageTaskId\"]}}", outputs.GetProperty("Id").GetProperty("Value").Compact());
        Assert.Contains("\"S3Bucket\"]", outputs.GetProperty("OutBucket").GetProperty("Value").Compact());
        Assert.Contains("\"S3Key\"]", outputs.GetProperty("Key").GetProperty("Value").Compact());
        Assert.Contains("\"S3Uri\"]", outputs.GetProperty("Uri").GetProperty("Value").Compact());
        Assert.Contains("\"DiskImageFormat\"]", outputs.GetProperty("Format").GetProperty("Value").Compact());
    }

    [Fact]
    public void DefaultServiceRole_ShouldTrustVmieWithExternalIdAndWriteOnlyUnderThePrefix()
    {
        var s = Of(Build(p => p.Prefix = "vm/").Stack);

        s.Template.HasResourceProperties("AWS::IAM::Role", Match.ObjectLike(new Dictionary<string, object>
        {
            ["AssumeRolePolicyDocument"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["Statement"] = new object[] { Match.ObjectLike(new Dictionary<string, object>
                {
                    ["Principal"] = new Dictionary<string, object> { ["Service"] = "vmie.amazonaws.com" },
                    ["Condition"] = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["sts:ExternalId"] = "vmimport" } },
                }) },
            }),
        }));
        var put = Assert.Single(s.StatementsFor("s3:PutObject"));
        Assert.Contains("/vm/*", put.GetProperty("Resource").Compact());
    }

    [Fact]
    public void HandlerRole_ShouldGetScopedExportPermissions()
    {
        var s = Of(Build(p => p.Tags = new Dictionary<string, string> { ["a"] = "b" }).Stack);

        var export = Assert.Single(s.StatementsFor("ec2:ExportImage")).GetProperty("Resource").Compact();
        Assert.Contains($":image/{Image}", export);
        Assert.Contains(":export-image-task/*", export);
        Assert.Contains(":export-image-task/*", Assert.Single(s.StatementsFor("ec2:CancelExportTask")).GetProperty("Resource").Compact());
        // Two CreateTags statements: the owner tags at creation, and re-tagging this stack's exports with user keys.
        var tagging = s.StatementsFor("ec2:CreateTags");
        var atCreation = Assert.Single(tagging, t => t.GetProperty("Condition").GetProperty("StringEquals").TryGetProperty("ec2:CreateAction", out _));
        Assert.Equal("ExportImage", atCreation.GetProperty("Condition").GetProperty("StringEquals").GetProperty("ec2:CreateAction").GetString());
        var retag = Assert.Single(tagging, t => !t.Equals(atCreation) && Strings(t.GetProperty("Action")).Contains("ec2:DeleteTags"));
        var conditions = retag.GetProperty("Condition");
        Assert.Equal("""{"Ref":"AWS::StackId"}""", conditions.GetProperty("StringEquals").GetProperty($"aws:ResourceTag/{Tagging.StackTag}").Compact());
        Assert.Equal(Tagging.OwnerKeyPrefix + "*", conditions.GetProperty("ForAllValues:StringNotLike").GetProperty("aws:TagKeys").GetString());
        Assert.Equal("false", conditions.GetProperty("Null").GetProperty("aws:TagKeys").GetString());
        var pass = Assert.Single(s.StatementsFor("iam:PassRole"));
        Assert.Equal("vmie.amazonaws.com", pass.GetProperty("Condition").GetProperty("StringEquals").GetProperty("iam:PassedToService").GetString());
        Assert.Contains("VmServiceRole", pass.GetProperty("Resource").Compact());
        Assert.Empty(s.StatementsFor("s3:DeleteObject"));
    }

    [Fact]
    public void HandlerRole_UnderDestroy_ShouldMayDeleteOnlyExportFilesOfThatBucketFromAPolicyTheExportDependsOn()
    {
        var (stack, vm) = Build(p => { p.RemovalPolicy = RemovalPolicy.DESTROY; p.Prefix = "vm/"; });
        var s = Of(stack);

        var delete = Assert.Single(s.StatementsFor("s3:DeleteObject"));
        // Any prefix: after a prefix change the old file still lies under the old one.
        Assert.EndsWith("/*export-ami-*\"]]}", delete.GetProperty("Resource").Compact());
        Assert.Equal(["s3:DeleteObject", "s3:DeleteObjectVersion"], Strings(delete.GetProperty("Action")));
        var policy = Assert.Single(s.OfType("AWS::IAM::Policy"), p => p.Resource.GetRawText().Contains("s3:DeleteObject")).Id;
        Assert.Contains(policy, s.Resources.GetProperty(stack.GetLogicalId((CfnElement)vm.Resource.Node.DefaultChild!)).GetProperty("DependsOn").Compact());
    }

    [Fact]
    public void Template_ShouldHaveNoWildcardAction()
    {
        var stack = NewStack();
        var bucket = new Bucket(stack, "Bucket");
        new ExportedVmImage(stack, "Vm", new ExportedVmImageProps { ImageId = Image, DiskImageFormat = DiskImageFormat.VHD, Bucket = bucket, RemovalPolicy = RemovalPolicy.DESTROY, Tags = new Dictionary<string, string> { ["a"] = "b" } });
        new AppStreamAmiExport(stack, "As", new AppStreamAmiExportProps { ImageName = "img", RemovalPolicy = RemovalPolicy.DESTROY });
        ((ExportedVmImage)stack.Node.FindChild("Vm")).GrantRead(new Role(stack, "Reader", new RoleProps { AssumedBy = new AccountRootPrincipal() }));

        var actions = Of(stack).Statements().SelectMany(st => Strings(st.GetProperty("Action"))).ToList();

        Assert.NotEmpty(actions);
        Assert.All(actions, a => Assert.DoesNotContain("*", a));
    }

    [Fact]
    public void GivenRole_ShouldBeUsedAndPassedInsteadOfANewOne()
    {
        var (stack, export) = Build(p => p.Role = Role.FromRoleName(p.Bucket.Stack, "VmImport", "vmimport"));

        var s = Of(stack);

        Assert.Equal("vmimport", Properties(s).GetProperty("RoleName").GetString());
        Assert.Contains("role/vmimport", Assert.Single(s.StatementsFor("iam:PassRole")).GetProperty("Resource").Compact());
        Assert.Empty(s.StatementsFor("s3:PutObject"));
        Assert.Same(export.ServiceRole, export.ServiceRole);
    }

    [Fact]
    public void GrantRead_ShouldAllowReadingExactlyTheExportedObject()
    {
        var (stack, export) = Build();
        var reader = new Role(stack, "Reader", new RoleProps { AssumedBy = new AccountRootPrincipal() });

        export.GrantRead(reader);

        var s = Of(stack);
        var read = Assert.Single(s.StatementsFor("s3:GetObject"), st => st.GetProperty("Resource").Compact().Contains("\"S3Key\"]"));
        Assert.Equal(["s3:GetObject"], Strings(read.GetProperty("Action")));
    }

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

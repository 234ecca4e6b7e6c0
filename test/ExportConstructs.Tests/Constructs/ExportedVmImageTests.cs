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
/// The ExportedVmImage construct as synthesized: the resource, its defaults and attributes, the roles and their rights.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class ExportedVmImageTests
{
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
            ["ConstructPath"] = "TestStack/Vm",
            // Not waited for: a watcher follows the export for its completion event, every PollInterval.
            ["Watch"] = new Dictionary<string, object>
            {
                ["IntervalSeconds"] = "300",
                ["Poller"] = new Dictionary<string, object> { ["Ref"] = Match.StringLikeRegexp("^ExportConstructsProviderPollerStateMachine") },
            },
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
}

using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using ExportConstructs.Contract;
using static ExportConstructs.Tests.Constructs.Synthesized;

namespace ExportConstructs.Tests.Constructs;

[Collection(CdkCollection.Name)]
public sealed class AppStreamAmiExportTests
{
    private static (Stack Stack, AppStreamAmiExport Export) Build(Action<AppStreamAmiExportProps>? change = null)
    {
        var stack = NewStack();
        var props = new AppStreamAmiExportProps { ImageName = "Office-Apps_2026.11" };
        change?.Invoke(props);
        return (stack, new AppStreamAmiExport(stack, "As", props));
    }

    [Fact]
    public void Resource_ShouldCarryEveryPropToTheHandler()
    {
        var (stack, _) = Build(p =>
        {
            p.AmiName = "office-ami";
            p.AmiDescription = "exported";
            p.Tags = new Dictionary<string, string> { ["team"] = "euc" };
            p.RemovalPolicy = RemovalPolicy.DESTROY;
        });

        Of(stack).Template.HasResourceProperties(ResourceTypes.AppStreamAmiExport, Match.ObjectEquals(new Dictionary<string, object>
        {
            ["ServiceToken"] = Match.AnyValue(),
            ["ImageName"] = "Office-Apps_2026.11",
            ["AmiName"] = "office-ami",
            ["IamRoleArn"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new object[] { Match.StringLikeRegexp("^AsServiceRole"), "Arn" } },
            ["AmiDescription"] = "exported",
            ["Tags"] = new Dictionary<string, object> { ["team"] = "euc" },
            ["RemovalPolicy"] = "destroy",
            ["WaitForCompletion"] = "true",
            ["Wait"] = Match.ObjectLike(new Dictionary<string, object> { ["TimeoutSeconds"] = "21600", ["IntervalSeconds"] = "300" }),
            ["ConstructPath"] = "TestStack/As",
        }));
    }

    [Fact]
    public void AmiName_WhenNotGiven_ShouldBeLeftForTheHandlerToGenerate()
    {
        var p = Assert.Single(Of(Build().Stack).OfType(ResourceTypes.AppStreamAmiExport)).Resource.GetProperty("Properties");

        Assert.False(p.TryGetProperty("AmiName", out _));
    }

    [Fact]
    public void MachineImage_ShouldBootALaunchTemplateFromTheExportedAmi()
    {
        var (stack, export) = Build(p => p.OperatingSystem = OperatingSystemType.LINUX);
        new LaunchTemplate(stack, "Lt", new LaunchTemplateProps { MachineImage = export.MachineImage });

        var s = Of(stack);

        var logicalId = stack.GetLogicalId((CfnElement)export.Node.FindChild("Result").Node.DefaultChild!);
        var data = Assert.Single(s.OfType("AWS::EC2::LaunchTemplate")).Resource.GetProperty("Properties").GetProperty("LaunchTemplateData");
        Assert.Equal($"{{\"Fn::GetAtt\":[\"{logicalId}\",\"AmiId\"]}}", data.GetProperty("ImageId").Compact());
        Assert.StartsWith("#!/bin/bash", export.MachineImage.GetImage(export).UserData.Render());
    }

    [Fact]
    public void MachineImage_ByDefault_ShouldBeWindows()
    {
        var (_, export) = Build();

        var config = export.MachineImage.GetImage(export);

        Assert.Equal(OperatingSystemType.WINDOWS, config.OsType);
        Assert.StartsWith("<powershell>", config.UserData.Render());
    }

    [Fact]
    public void Attributes_ShouldReadTheHandlersDataByContractNames()
    {
        var (stack, export) = Build();
        foreach (var (name, value) in new[] { ("Task", export.TaskId), ("Ami", export.AmiId), ("Arn", export.ImageArn), ("Name", export.AmiName) })
            new CfnOutput(stack, name, new CfnOutputProps { Value = value });

        var outputs = Of(stack).Json.GetProperty("Outputs");

        Assert.Contains("\"TaskId\"]", outputs.GetProperty("Task").GetProperty("Value").Compact());
        Assert.Contains("\"AmiId\"]", outputs.GetProperty("Ami").GetProperty("Value").Compact());
        Assert.Contains("\"ImageArn\"]", outputs.GetProperty("Arn").GetProperty("Value").Compact());
        Assert.Contains("\"AmiName\"]", outputs.GetProperty("Name").GetProperty("Value").Compact());
    }

    [Fact]
    public void DefaultServiceRole_ShouldTrustAppStreamAndOnlyCopyDescribeAndTag()
    {
        var s = Of(Build().Stack);

        s.Template.HasResourceProperties("AWS::IAM::Role", Match.ObjectLike(new Dictionary<string, object>
        {
            ["AssumeRolePolicyDocument"] = Match.ObjectLike(new Dictionary<string, object>
            {
                ["Statement"] = new object[] { Match.ObjectLike(new Dictionary<string, object> { ["Principal"] = new Dictionary<string, object> { ["Service"] = "appstream.amazonaws.com" } }) },
            }),
        }));
        Assert.Single(s.StatementsFor("ec2:CopyImage"));
        Assert.Contains(s.StatementsFor("ec2:DescribeImages"), st => st.GetProperty("Resource").GetString() == "*");
    }

    [Fact]
    public void HandlerRole_ShouldGetTheAppStreamTaskActionsOnStarAndPassOnlyItsRoleToAppStream()
    {
        var s = Of(Build().Stack);

        // The Service Authorization Reference lists no resource type for these: an image ARN would never match.
        // Reading tasks is among the provider's cleanup rights, which outlive the export (a removed export's Delete reads its task).
        foreach (var action in new[] { "appstream:CreateExportImageTask", "appstream:GetExportImageTask", "appstream:ListExportImageTasks" })
            Assert.Equal("\"*\"", Assert.Single(s.StatementsFor(action)).GetProperty("Resource").Compact());
        var pass = Assert.Single(s.StatementsFor("iam:PassRole"));
        Assert.Equal("appstream.amazonaws.com", pass.GetProperty("Condition").GetProperty("StringEquals").GetProperty("iam:PassedToService").GetString());
    }

    [Fact]
    public void HandlerRole_ShouldMayDeregisterOnlyAmisAndSnapshotsTaggedWithThisStacksId()
    {
        var s = Of(Build(p => p.RemovalPolicy = RemovalPolicy.DESTROY).Stack);

        foreach (var action in new[] { "ec2:DeregisterImage", "ec2:DeleteSnapshot" })
        {
            var statement = Assert.Single(s.StatementsFor(action));
            // This stack's id as the value, not just the tag key: another stack's AMI is never ours to remove.
            Assert.Equal("""{"Ref":"AWS::StackId"}""", statement.GetProperty("Condition").GetProperty("StringEquals").GetProperty($"ec2:ResourceTag/{Tagging.StackTag}").Compact());
            // Image and snapshot ARNs carry no account.
            Assert.Contains(":ec2:\",{\"Ref\":\"AWS::Region\"},\"::", statement.GetProperty("Resource").Compact());
        }
    }

    [Fact]
    public void GivenRole_ShouldBeUsedInsteadOfANewOne()
    {
        var (stack, _) = Build(p => p.Role = Role.FromRoleArn(new Stack(), "R", "arn:aws:iam::123456789012:role/AppStreamExport"));

        var s = Of(stack);

        Assert.Equal("arn:aws:iam::123456789012:role/AppStreamExport", Assert.Single(s.OfType(ResourceTypes.AppStreamAmiExport)).Resource.GetProperty("Properties").GetProperty("IamRoleArn").GetString());
        Assert.Empty(s.StatementsFor("ec2:CopyImage"));
    }

    public static TheoryData<string, string> BadProps => new()
    {
        { "ImageName=bad name", "AppStreamAmiExport 'TestStack/As': ImageName 'bad name' is not valid; expected 1 to 101 characters" },
        { "AmiName=a", "AppStreamAmiExport 'TestStack/As': AmiName 'a' is not valid; expected 3 to 128 characters" },
        { "AmiDescription=long", "AppStreamAmiExport 'TestStack/As': AmiDescription is 257 characters long; at most 256 are allowed" },
        { "Tags=50", "AppStreamAmiExport 'TestStack/As': Tags has 50 entries; at most 45 are allowed (5 of the 50 are the owner tags exportconstructs:*" },
        { "RemovalPolicy=RETAIN_ON_UPDATE_OR_DELETE", "AppStreamAmiExport 'TestStack/As': RemovalPolicy 'RETAIN_ON_UPDATE_OR_DELETE' is not valid" },
    };

    [Theory]
    [MemberData(nameof(BadProps))]
    public void BadProp_ShouldFailAtSynthNamingPropValueAndWhatIsValid(string change, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => Build(p =>
        {
            switch (change)
            {
                case "ImageName=bad name": p.ImageName = "bad name"; break;
                case "AmiName=a": p.AmiName = "a"; break;
                case "AmiDescription=long": p.AmiDescription = new string('d', 257); break;
                case "Tags=50": p.Tags = Enumerable.Range(0, 50).ToDictionary(i => $"k{i}", _ => "v"); break;
                case "RemovalPolicy=RETAIN_ON_UPDATE_OR_DELETE": p.RemovalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE; break;
            }
        }));

        Assert.Contains(message, error.Message);
    }
}

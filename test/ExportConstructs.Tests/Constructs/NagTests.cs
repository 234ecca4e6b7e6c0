using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Infra;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.Constructs.Synthesized;

namespace ExportConstructs.Tests.Constructs;

/// <summary>
/// cdk-nag's AwsSolutions rules (npm cdk-nag, run by <c>.ci/nag.js</c> on the synthesized template):
/// no error or warning is left unsuppressed, every suppression says why, and IAM4/IAM5 ones name
/// the exact wildcard they accept.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class NagTests
{
    /// <summary>A stack using every option of both constructs.</summary>
    private static Stack EveryOption()
    {
        var stack = NewStack("EveryOption");
        // The user's own buckets: the export bucket logs its accesses to another one (cdk-nag's S1).
        var accessLogs = new Bucket(stack, "AccessLogs", new BucketProps { EnforceSSL = true, BlockPublicAccess = BlockPublicAccess.BLOCK_ALL });
        var made = new Bucket(stack, "Exports", new BucketProps
        {
            EnforceSSL = true,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            Versioned = true,
            ServerAccessLogsBucket = accessLogs,
        });
        var imported = Bucket.FromBucketName(stack, "Existing", "existing-exports");
        var vmie = new Role(stack, "Vmimport", new RoleProps
        {
            AssumedBy = new ServicePrincipal("vmie.amazonaws.com"),
        });
        var appStreamRole = new Role(stack, "AppStreamRole", new RoleProps { AssumedBy = new ServicePrincipal("appstream.amazonaws.com") });
        var tags = new Dictionary<string, string> { ["team"] = "exports", ["cost-centre"] = "42" };

        // ExportedVmImage: short path, DESTROY, own role, a bucket made in the stack, every optional prop.
        var shortVm = new ExportedVmImage(stack, "ShortVm", new ExportedVmImageProps
        {
            ImageId = "ami-0123456789abcdef0",
            DiskImageFormat = DiskImageFormat.RAW,
            Bucket = made,
            Prefix = "raw/",
            Description = "short path",
            Role = vmie,
            Tags = tags,
            RemovalPolicy = RemovalPolicy.DESTROY,
            WaitForCompletion = true,
            Timeout = Duration.Minutes(50),
            PollInterval = Duration.Seconds(30),
        });
        // Long path (the default 6 hours), RETAIN, default role, an imported bucket, a parameter as the image.
        var image = new CfnParameter(stack, "ImageId", new CfnParameterProps { Type = "String", Default = "ami-0fedcba9876543210" });
        new ExportedVmImage(stack, "LongVm", new ExportedVmImageProps
        {
            ImageId = image.ValueAsString,
            DiskImageFormat = DiskImageFormat.VHD,
            Bucket = imported,
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        // No wait.
        new ExportedVmImage(stack, "StartOnlyVm", new ExportedVmImageProps
        {
            ImageId = "ami-0123456789abcdef1",
            DiskImageFormat = DiskImageFormat.VMDK,
            Bucket = imported,
            Prefix = "",
            WaitForCompletion = false,
        });

        // AppStreamAmiExport: long path with DESTROY and every optional prop; short path with its own role; no wait.
        var longAmi = new AppStreamAmiExport(stack, "LongAmi", new AppStreamAmiExportProps
        {
            ImageName = "Office-Apps",
            AmiName = "office-apps-export",
            AmiDescription = "long path",
            Tags = tags,
            RemovalPolicy = RemovalPolicy.DESTROY,
            Timeout = Duration.Hours(3),
            PollInterval = Duration.Minutes(2),
            OperatingSystem = OperatingSystemType.WINDOWS,
        });
        new AppStreamAmiExport(stack, "ShortAmi", new AppStreamAmiExportProps
        {
            ImageName = "Tools",
            Role = appStreamRole,
            RemovalPolicy = RemovalPolicy.RETAIN,
            Timeout = Duration.Minutes(40),
        });
        new AppStreamAmiExport(stack, "StartOnlyAmi", new AppStreamAmiExportProps { ImageName = "Later", WaitForCompletion = false });

        // A chain: a Linux AppStream image → AMI → VMDK in the bucket made in the stack.
        var linux = new AppStreamAmiExport(stack, "LinuxAmi", new AppStreamAmiExportProps { ImageName = "Linux-Apps", OperatingSystem = OperatingSystemType.LINUX });
        new ExportedVmImage(stack, "LinuxVm", new ExportedVmImageProps
        {
            ImageId = linux.AmiId,
            DiskImageFormat = DiskImageFormat.VMDK,
            Bucket = made,
            Prefix = "linux/",
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        var reader = new Role(stack, "Reader", new RoleProps { AssumedBy = new AccountRootPrincipal() });
        shortVm.GrantRead(reader);

        // Rules on the completion events, on both constructs.
        shortVm.OnExportCompleted("Completed");
        longAmi.OnExportFailed("Failed");
        longAmi.OnExportStateChange("AnyOutcome");
        return stack;
    }

    private static (int ExitCode, string Output) Nag(string templateFile) =>
        Repo.Run("node", $".ci/nag.js \"{templateFile}\"", Repo.Root, new Dictionary<string, string?> { ["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1" });

    private static string TemplateFile(Synthesized s, string stackName) => Path.Combine(s.AssemblyDirectory, stackName + ".template.json");

    [Fact]
    public void EveryOption_ShouldLeaveNoAwsSolutionsFindingUnsuppressed()
    {
        var s = Of(EveryOption());

        var (exitCode, output) = Nag(TemplateFile(s, "EveryOption"));

        Assert.True(exitCode == 0, "cdk-nag findings left unsuppressed, or suppressions refused:\n" + output);
        Assert.Contains("0 left (0 errors, 0 warnings)", output);
    }

    [Fact]
    public void ManyExports_WhoseGrantsOverflowIntoManagedPolicies_ShouldLeaveNoAwsSolutionsFindingUnsuppressed()
    {
        // 120 distinct AMIs: the CDK moves the shared ec2:ExportImage statement into an OverflowPolicy.
        var stack = NewStack("ManyExports");
        var bucket = Bucket.FromBucketName(stack, "Existing", "existing-exports");
        var role = new Role(stack, "Vmimport", new RoleProps { AssumedBy = new ServicePrincipal("vmie.amazonaws.com") });
        for (var i = 0; i < 120; i++)
            new ExportedVmImage(stack, $"Vm{i}", new ExportedVmImageProps
            {
                ImageId = "ami-" + (0x1000 + i).ToString("x17", System.Globalization.CultureInfo.InvariantCulture),
                DiskImageFormat = DiskImageFormat.VMDK,
                Bucket = bucket,
                Role = role,
                Timeout = Duration.Minutes(55),
            });
        var s = Of(stack);
        // Its wildcard (export-image-task/*) moved with it, and so did the suppression.
        Assert.Contains(s.OfType("AWS::IAM::ManagedPolicy"), p => p.Resource.TryGetProperty("Metadata", out var m) && m.TryGetProperty("cdk_nag", out _));

        var (exitCode, output) = Nag(TemplateFile(s, "ManyExports"));

        Assert.True(exitCode == 0, "cdk-nag findings left unsuppressed, or suppressions refused:\n" + output);
    }

    [Fact]
    public void Sample_ShouldLeaveNoAwsSolutionsFindingUnsuppressed()
    {
        var app = new App(new AppProps { Outdir = Directory.CreateTempSubdirectory("sample-nag-").FullName });
        var s = Of(new SampleStack(app, "Sample"));

        var (exitCode, output) = Nag(TemplateFile(s, "Sample"));

        Assert.True(exitCode == 0, "cdk-nag findings left unsuppressed, or suppressions refused:\n" + output);
    }

    [Fact]
    public void Suppressions_ShouldEachApplyToAFindingThatIsThereWithoutThem()
    {
        var s = Of(EveryOption());
        var template = JsonNode.Parse(File.ReadAllText(TemplateFile(s, "EveryOption")))!;
        // Without the construct's suppression of one resource, its findings are reported again.
        var resources = template["Resources"]!.AsObject();
        var (id, resource) = resources.First(r => r.Key.StartsWith("ExportConstructsProviderHandlerRoleDefaultPolicy", StringComparison.Ordinal));
        resource!["Metadata"]!.AsObject().Remove("cdk_nag");
        var stripped = Path.Combine(s.AssemblyDirectory, "stripped.template.json");
        File.WriteAllText(stripped, template.ToJsonString());

        var (exitCode, output) = Nag(stripped);

        Assert.Equal(1, exitCode);
        foreach (var finding in new[] { "Resource::*", "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:export-image-task/*", "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::image/*", "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>::snapshot/*" })
            Assert.Contains($"error AwsSolutions-IAM5[{finding}] on {id}", output);
        Assert.Contains("4 left (4 errors, 0 warnings)", output);
    }

    [Fact]
    public void Suppressions_OfIamWildcards_ShouldNameEachFindingAndGiveAReason()
    {
        var s = Of(EveryOption());

        var rules = s.Resources.EnumerateObject()
            .Where(r => r.Value.TryGetProperty("Metadata", out var m) && m.TryGetProperty("cdk_nag", out _))
            .SelectMany(r => r.Value.GetProperty("Metadata").GetProperty("cdk_nag").GetProperty("rules_to_suppress").EnumerateArray().Select(rule => (r.Name, Rule: rule)))
            .ToList();

        Assert.NotEmpty(rules);
        foreach (var (id, rule) in rules)
        {
            Assert.True(rule.GetProperty("reason").GetString()!.Length >= 40, $"{id}: a reason that says why: {rule.Compact()}");
            if (rule.GetProperty("id").GetString() is "AwsSolutions-IAM4" or "AwsSolutions-IAM5")
                Assert.True(rule.TryGetProperty("applies_to", out var applies) && applies.GetArrayLength() > 0, $"{id}: an IAM suppression names its findings: {rule.Compact()}");
        }
    }
}

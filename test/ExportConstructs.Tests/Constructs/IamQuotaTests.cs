using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Tests.CloudFormation;
using Xunit.Abstractions;
using static ExportConstructs.Tests.Constructs.Synthesized;

namespace ExportConstructs.Tests.Constructs;

/// <summary>
/// IAM's quotas on the handler role, measured on the synthesized template as IAM counts them
/// (aws-facts §10): every inline policy of one role (its own <c>Policies</c>, each
/// <c>AWS::IAM::Policy</c> / <c>AWS::IAM::RolePolicy</c> attached to it, the CDK's DefaultPolicy
/// among them) shares 10,240 characters; a managed policy holds 6,144; a role takes 10 managed
/// policies by default. A policy's size is its document as JSON without whitespace, with every
/// intrinsic function replaced by the value it takes at deploy time (realistic lengths, <see cref="DeployTimeValues"/>).
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class IamQuotaTests(ITestOutputHelper output)
{
    private const int InlineQuota = 10_240;
    private const int ManagedPolicyQuota = 6_144;
    private const int ManagedPoliciesPerRole = 10;
    private const int ResourceQuota = 500;

    [Fact]
    public void HandlerRole_OfAStackWith100Exports_ShouldStayWithinIamQuotas()
    {
        var m = Measure("IamQuota100", vmImages: 60, appStream: 40);

        Report("100 exports (60 VM over 3 buckets, 40 AppStream, shared service roles)", m);
        Assert.True(m.Resources <= ResourceQuota, $"{m.Resources} resources; CloudFormation allows {ResourceQuota}.");
        Assert.True(m.InlineTotal <= InlineQuota, $"The handler role's inline policies take {m.InlineTotal} characters; IAM allows {InlineQuota}.");
        Assert.All(m.Managed, p => Assert.True(p.Size <= ManagedPolicyQuota, $"Managed policy {p.Id} takes {p.Size} characters; IAM allows {ManagedPolicyQuota}."));
        Assert.True(m.Managed.Count <= ManagedPoliciesPerRole, $"{m.Managed.Count} managed policies; a role takes {ManagedPoliciesPerRole} by default.");
    }

    /// <summary>
    /// Growth, reported rather than asserted. What grows: the shared <c>ec2:ExportImage</c> statement
    /// by one image ARN per distinct AMI (53 characters with a 17-digit id), <c>s3:GetBucketLocation</c>
    /// by a bucket ARN per bucket, <c>iam:PassRole</c> by a role ARN per distinct service role, and one
    /// FileCleanup policy per bucket with a DESTROY export. The CDK moves the ExportImage statement
    /// into a managed OverflowPolicy, and it never splits one statement: at 120 distinct AMIs it is
    /// over 6,144 characters, so the 200-export stack synthesizes but would not deploy.
    /// </summary>
    [Fact]
    public void HandlerRole_GrowthPerExport_ShouldBeKnown()
    {
        var one = Measure("IamQuota1", vmImages: 1, appStream: 0);
        var oneAppStream = Measure("IamQuota1As", vmImages: 0, appStream: 1);
        var hundred = Measure("IamQuota100", vmImages: 60, appStream: 40);
        var twoHundred = Measure("IamQuota200", vmImages: 120, appStream: 80);
        var hundredVm = Measure("IamQuota100Vm", vmImages: 100, appStream: 0);
        var hundredAs = Measure("IamQuota100As", vmImages: 0, appStream: 100);

        Report("1 VM export", one);
        Report("1 AppStream export", oneAppStream);
        Report("100 exports (60 VM, 40 AppStream)", hundred);
        Report("200 exports (120 VM, 80 AppStream)", twoHundred);
        Report("100 VM exports", hundredVm);
        Report("100 AppStream exports", hundredAs);
        output.WriteLine($"growth 100 -> 200 exports (60/40 mix): {(twoHundred.Total - hundred.Total) / 100.0:F1} characters per export (inline + managed)");
        output.WriteLine($"growth per VM export (1 -> 100 VM, 3 buckets from the 3rd on): {(hundredVm.Total - one.Total) / 99.0:F1} characters");
        output.WriteLine($"growth per AppStream export (1 -> 100 AppStream): {(hundredAs.Total - oneAppStream.Total) / 99.0:F1} characters");

        Assert.True(twoHundred.Resources <= ResourceQuota, $"{twoHundred.Resources} resources; CloudFormation allows {ResourceQuota}.");
        Assert.True(hundred.Total >= one.Total);
    }

    [Fact]
    public void HandlerRole_Of100ExportsWithTheirOwnServiceRoles_IsMeasured()
    {
        // What a user gets by default: each export creates its own VM Import/Export or AppStream role,
        // so PassRole lists one role ARN per export. Reported, not asserted: the issue's quota case is
        // the shared-role stack above.
        var m = Measure("IamQuota100Own", vmImages: 60, appStream: 40, sharedRoles: false);

        Report("100 exports, each with its own service role (the default)", m);
        Assert.True(m.Resources <= ResourceQuota, $"{m.Resources} resources; CloudFormation allows {ResourceQuota}.");
    }

    private void Report(string title, Measurement m)
    {
        output.WriteLine($"== {title}: {m.Resources} resources");
        foreach (var p in m.Inline) output.WriteLine($"   inline  {p.Id,-60} {p.Size,6}");
        output.WriteLine($"   inline total {m.InlineTotal} of {InlineQuota}{Over(m.InlineTotal, InlineQuota)}");
        // The CDK moves DefaultPolicy statements that do not fit its own estimate into OverflowPolicyN
        // managed policies; one statement is never split, so a statement over 6,144 cannot be deployed.
        foreach (var p in m.Managed) output.WriteLine($"   managed {p.Id,-60} {p.Size,6} of {ManagedPolicyQuota}{Over(p.Size, ManagedPolicyQuota)}");
        foreach (var (statement, size) in m.Largest) output.WriteLine($"   largest statement {size,6}: {Cut(statement)}");
    }

    private static string Over(int size, int quota) => size > quota ? $"  OVER IAM's quota by {size - quota}" : "";

    private static string Cut(string s) => s.Length <= 200 ? s : s[..200] + "…";

    private sealed record PolicySize(string Id, int Size);

    private sealed record Measurement(int Resources, List<PolicySize> Inline, List<PolicySize> Managed, List<(string Statement, int Size)> Largest)
    {
        public int InlineTotal => Inline.Sum(p => p.Size);
        public int Total => InlineTotal + Managed.Sum(p => p.Size);
    }

    /// <summary>
    /// Chained exports (an AppStream export's AmiId as a VM export's ImageId): each distinct AMI gets
    /// a policy of its own (aws-facts §10), so these grow the inline total. The largest stack of
    /// chains that fits is measured and reported; the synth-time check refuses one over the quota.
    /// </summary>
    [Fact]
    public void HandlerRole_OfChainedExports_ShouldBeMeasuredAndCheckedAtSynth()
    {
        var one = Measure("Chains1", vmImages: 0, appStream: 0, chains: 1);
        var forty = Measure("Chains38", vmImages: 0, appStream: 0, chains: 38);
        var perChain = (forty.InlineTotal - one.InlineTotal) / 37.0;
        var fit = (int)((InlineQuota - one.InlineTotal) / perChain) + 1;
        Report("1 chain (AppStream export -> VM export)", one);
        Report("38 chains", forty);
        output.WriteLine($"growth per chain: {perChain:F1} inline characters; about {fit} chains fit in one stack's handler role");

        Assert.True(forty.InlineTotal <= InlineQuota, $"38 chains take {forty.InlineTotal} inline characters; IAM allows {InlineQuota}.");
        Assert.True(forty.Resources <= ResourceQuota);
        // Over the quota, synth fails with a message that says what grew.
        var error = Assert.ThrowsAny<Exception>(() => Measure("Chains90", vmImages: 0, appStream: 0, chains: 90));
        Assert.Contains("the handler role's inline policies would take about", error.Message);
        Assert.Contains("IAM allows 10240 per role", error.Message);
    }

    private static Measurement Measure(string stackName, int vmImages, int appStream, bool sharedRoles = true, int chains = 0)
    {
        var stack = NewStack(stackName);
        var buckets = Enumerable.Range(0, 3).Select(i => new Bucket(stack, $"Bucket{i}")).ToArray();
        IRole? vmRole = null, appStreamRole = null;
        if (sharedRoles)
        {
            vmRole = new Role(stack, "VmImportRole", new RoleProps { AssumedBy = new ServicePrincipal("vmie.amazonaws.com") });
            appStreamRole = new Role(stack, "AppStreamRole", new RoleProps { AssumedBy = new ServicePrincipal("appstream.amazonaws.com") });
        }
        // 55 minutes: the short path, one resource per export.
        var timeout = Duration.Minutes(55);
        for (var i = 0; i < vmImages; i++)
            new ExportedVmImage(stack, $"Vm{i}", new ExportedVmImageProps
            {
                ImageId = "ami-" + (0x1000 + i).ToString("x17"),
                DiskImageFormat = DiskImageFormat.VMDK,
                Bucket = buckets[i % buckets.Length],
                Role = vmRole,
                RemovalPolicy = i % 2 == 0 ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
                Timeout = timeout,
            });
        for (var i = 0; i < appStream; i++)
            new AppStreamAmiExport(stack, $"As{i}", new AppStreamAmiExportProps
            {
                ImageName = $"Office-Apps_2026.{i:D2}",
                Role = appStreamRole,
                RemovalPolicy = i % 2 == 0 ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
                Timeout = timeout,
            });

        for (var i = 0; i < chains; i++)
        {
            var source = new AppStreamAmiExport(stack, $"Source{i}", new AppStreamAmiExportProps
            {
                ImageName = $"Linux-Apps_2026.{i:D2}", Role = appStreamRole, Timeout = timeout,
                OperatingSystem = Amazon.CDK.AWS.EC2.OperatingSystemType.LINUX,
            });
            new ExportedVmImage(stack, $"Chained{i}", new ExportedVmImageProps
            {
                ImageId = source.AmiId, DiskImageFormat = DiskImageFormat.VMDK, Bucket = buckets[i % buckets.Length], Role = vmRole, Timeout = timeout,
            });
        }

        // ExportConstructsProvider/HandlerRole
        var handlerRole = (string)stack.Resolve(stack.GetLogicalId((CfnElement)ExportProvider.Of(stack).HandlerRole.Node.DefaultChild!));
        var template = Of(stack).Json;
        var resources = template.GetProperty("Resources");

        var resolver = new DeployTimeValues(stackName, resources);
        var inline = new List<PolicySize>();
        var managed = new List<PolicySize>();
        var statements = new List<(string, int)>();
        void Add(List<PolicySize> into, string id, JsonElement document)
        {
            var text = Size(resolver.Resolve(document));
            into.Add(new PolicySize(id, text.Length));
            foreach (var s in JsonNode.Parse(text)!["Statement"]!.AsArray()) statements.Add((s!.ToJsonString(Compact), s.ToJsonString(Compact).Length));
        }

        var role = resources.GetProperty(handlerRole).GetProperty("Properties");
        if (role.TryGetProperty("Policies", out var own))
            foreach (var p in own.EnumerateArray()) Add(inline, $"{handlerRole}.Policies[{p.GetProperty("PolicyName")}]", p.GetProperty("PolicyDocument"));
        var managedArns = role.TryGetProperty("ManagedPolicyArns", out var arns) ? arns.EnumerateArray().Select(a => a.Compact()).ToHashSet() : [];
        var roleRef = $"{{\"Ref\":\"{handlerRole}\"}}";
        foreach (var r in resources.EnumerateObject())
        {
            var type = r.Value.GetProperty("Type").GetString();
            if (type is not ("AWS::IAM::Policy" or "AWS::IAM::RolePolicy" or "AWS::IAM::ManagedPolicy")) continue;
            var p = r.Value.GetProperty("Properties");
            var attached = type == "AWS::IAM::RolePolicy"
                ? p.GetProperty("RoleName").Compact() == roleRef
                : p.TryGetProperty("Roles", out var roles) && roles.EnumerateArray().Any(x => x.Compact() == roleRef);
            if (type == "AWS::IAM::ManagedPolicy" && managedArns.Contains($"{{\"Ref\":\"{r.Name}\"}}")) attached = true;
            if (attached) Add(type == "AWS::IAM::ManagedPolicy" ? managed : inline, r.Name, p.GetProperty("PolicyDocument"));
        }
        Assert.NotEmpty(inline); // the handler's DefaultPolicy at least: a measurement that finds nothing measured nothing

        return new Measurement(resources.EnumerateObject().Count(), inline, managed,
            [.. statements.OrderByDescending(s => s.Item2).Take(3)]);
    }

    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The document as IAM counts it: JSON with no whitespace outside strings, characters not escaped.</summary>
    private static string Size(JsonNode? document) => document!.ToJsonString(Compact);
}

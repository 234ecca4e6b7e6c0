using Amazon.CDK;
using Amazon.CDK.Assertions;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.S3;
using Constructs;
using ExportConstructs.Contract;
using ExportConstructs.Tests.CloudFormation;
using static ExportConstructs.Tests.Constructs.Synthesized;

namespace ExportConstructs.Tests.Constructs;

/// <summary>
/// One export's result feeding another in the same stack: AppStream image → AMI → VMDK. The
/// handler's shared default policy must never name the AppStream export's AmiId (the handler
/// would depend on the export that depends on the handler); every synthesized stack is checked
/// for cycles by <see cref="Synthesized.Of"/>.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class ChainedExportTests
{
    /// <summary>The two orders: the VM export's scope first in the tree, or the AppStream export's.</summary>
    public static TheoryData<bool, bool> PathsAndOrders => new()
    {
        { false, false }, { false, true }, { true, false }, { true, true },
    };

    private static (Stack Stack, AppStreamAmiExport Source, ExportedVmImage Vm) Chain(bool longPath, bool vmScopeFirst,
        Action<AppStreamAmiExportProps>? source = null, string name = "Chain")
    {
        var stack = NewStack(name);
        // Scopes made in one order, constructs in the other: tree order and construction order differ.
        var first = new Construct(stack, "First");
        var second = new Construct(stack, "Second");
        var timeout = longPath ? Duration.Hours(3) : Duration.Minutes(50);
        var props = new AppStreamAmiExportProps { ImageName = "Linux-Apps", OperatingSystem = OperatingSystemType.LINUX, Timeout = timeout };
        source?.Invoke(props);
        var appStream = new AppStreamAmiExport(vmScopeFirst ? second : first, "Ami", props);
        var vm = new ExportedVmImage(vmScopeFirst ? first : second, "Vm", new ExportedVmImageProps
        {
            ImageId = appStream.AmiId,
            DiskImageFormat = DiskImageFormat.VMDK,
            Bucket = new Bucket(stack, "Bucket"),
            Timeout = timeout,
        });
        return (stack, appStream, vm);
    }

    private static string LogicalId(IConstruct c) => (string)Stack.Of(c).Resolve(Stack.Of(c).GetLogicalId((CfnElement)c.Node.DefaultChild!));

    [Theory]
    [MemberData(nameof(PathsAndOrders))]
    public void Chain_OnEachPathInEitherOrder_ShouldSynthesizeAnAcyclicTemplate(bool longPath, bool vmScopeFirst)
    {
        var (stack, source, vm) = Chain(longPath, vmScopeFirst);

        // Synthesized.Of throws, printing the loop, when the template has a dependency cycle.
        var s = Of(stack);

        var template = new StackTemplate(s.Json);
        var vmId = LogicalId(vm.Resource);
        var attributesOfSource = LogicalId(source.Attributes);
        Assert.Contains(attributesOfSource, template.Dependencies(vmId));
        // The VM export is created after the AppStream export completed, and deleted before it.
        var order = template.Order.ToList();
        Assert.True(order.IndexOf(attributesOfSource) < order.IndexOf(vmId));
    }

    [Theory]
    [MemberData(nameof(PathsAndOrders))]
    public void Chain_ShouldGrantExportImageOnExactlyThatAmiInAPolicyOnlyTheVmExportDependsOn(bool longPath, bool vmScopeFirst)
    {
        var (stack, source, vm) = Chain(longPath, vmScopeFirst);
        var s = Of(stack);
        var template = new StackTemplate(s.Json);
        var amiRef = $"{{\"Fn::GetAtt\":[\"{LogicalId(source.Attributes)}\",\"AmiId\"]}}";

        var policies = s.OfType("AWS::IAM::Policy").Where(p => p.Resource.GetProperty("Properties").GetProperty("PolicyDocument").Compact().Contains(amiRef)).ToList();

        var (policyId, policy) = Assert.Single(policies);
        var statement = Assert.Single(policy.GetProperty("Properties").GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray());
        Assert.Equal("ec2:ExportImage", statement.GetProperty("Action").GetString());
        Assert.Contains("image/", statement.GetProperty("Resource").Compact());
        Assert.Contains(amiRef, statement.GetProperty("Resource").Compact());
        // Only the VM export depends on it: not the handler, not the Provider, not the AppStream export.
        var dependents = template.Resources.Where(r => template.Dependencies(r.LogicalId).Contains(policyId)).Select(r => r.LogicalId);
        Assert.Equal([LogicalId(vm.Resource)], dependents);
        Assert.StartsWith("ExportConstructsProviderGrants", policyId);
    }

    [Fact]
    public void TwoExportsOfOneChainedAmi_ShouldShareOnePolicy()
    {
        var (stack, source, _) = Chain(longPath: false, vmScopeFirst: false);
        var vhd = new ExportedVmImage(stack, "Vhd", new ExportedVmImageProps
        {
            ImageId = source.AmiId, DiskImageFormat = DiskImageFormat.VHD, Bucket = new Bucket(stack, "Other"), Timeout = Duration.Minutes(50),
        });

        var s = Of(stack);

        var grants = s.OfType("AWS::IAM::Policy").Where(p => p.Id.StartsWith("ExportConstructsProviderGrants", StringComparison.Ordinal)
            && p.Resource.GetProperty("Properties").GetProperty("PolicyDocument").Compact().Contains("ec2:ExportImage")).ToList();
        var (policyId, _) = Assert.Single(grants);
        var template = new StackTemplate(s.Json);
        Assert.Contains(policyId, template.Dependencies(LogicalId(vhd.Resource)));
    }

    [Fact]
    public void LiteralImageIds_ShouldStayInTheSharedStatement()
    {
        var stack = NewStack("Literal");
        var bucket = new Bucket(stack, "Bucket");
        foreach (var (id, ami) in new[] { ("A", "ami-0123456789abcdef0"), ("B", "ami-0fedcba9876543210") })
            new ExportedVmImage(stack, id, new ExportedVmImageProps { ImageId = ami, DiskImageFormat = DiskImageFormat.VMDK, Bucket = bucket, Timeout = Duration.Minutes(50) });

        var s = Of(stack);

        var statement = Assert.Single(s.StatementsFor("ec2:ExportImage"));
        var resources = statement.GetProperty("Resource").Compact();
        Assert.Contains("image/ami-0123456789abcdef0", resources);
        Assert.Contains("image/ami-0fedcba9876543210", resources);
        Assert.Contains("export-image-task/*", resources);
    }

    [Fact]
    public void ImageIdFromAParameter_ShouldStayShared_AndNeverNameARole()
    {
        var stack = NewStack("Parameter");
        var imageId = new CfnParameter(stack, "ImageId", new CfnParameterProps { Default = "ami-0123456789abcdef0" });
        new ExportedVmImage(stack, "Vm", new ExportedVmImageProps { ImageId = imageId.ValueAsString, DiskImageFormat = DiskImageFormat.VMDK, Bucket = Bucket.FromBucketName(stack, "B", "my-bucket"), Timeout = Duration.Minutes(50) });

        var s = Of(stack);

        Assert.DoesNotContain(s.OfType("AWS::IAM::Policy"), p => p.Id.StartsWith("ExportConstructsProviderGrants", StringComparison.Ordinal));
        Assert.Contains("{\"Ref\":\"ImageId\"}", Assert.Single(s.StatementsFor("ec2:ExportImage")).GetProperty("Resource").Compact());
    }

    [Fact]
    public void SourceThatDoesNotWait_ShouldFailAtSynthNamingBothConstructs()
    {
        var (stack, _, _) = Chain(longPath: false, vmScopeFirst: true, source: p => p.WaitForCompletion = false, name: "NoWait");

        var error = Assert.ThrowsAny<Exception>(() => Of(stack));

        Assert.Contains("ExportedVmImage 'NoWait/First/Vm': ImageId is the AmiId of AppStreamAmiExport 'NoWait/Second/Ami', which has WaitForCompletion = false", error.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WindowsSource_ShouldWarnAtSynth(bool windows)
    {
        var (stack, _, _) = Chain(longPath: false, vmScopeFirst: false,
            source: p => p.OperatingSystem = windows ? OperatingSystemType.WINDOWS : OperatingSystemType.LINUX, name: "Os" + windows);

        Of(stack);

        var warnings = Amazon.CDK.Assertions.Annotations.FromStack(stack).FindWarning("*", Match.StringLikeRegexp("NotExportable"));
        Assert.Equal(windows ? 1 : 0, warnings.Length);
        if (windows) Assert.True(warnings[0].Entry.Data!.ToString()!.Contains("AppStreamAmiExport 'OsTrue/First/Ami'"), warnings[0].Entry.Data!.ToString());
    }
}

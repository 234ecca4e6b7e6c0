using System.Text.Json;
using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using static ExportConstructs.Tests.Constructs.Synthesized;

namespace ExportConstructs.Tests.Constructs;

[Collection(CdkCollection.Name)]
public sealed class ExportProviderTests
{
    private static void AddExports(Stack stack, int vmImages, int appStream)
    {
        var bucket = new Bucket(stack, "Bucket");
        for (var i = 0; i < vmImages; i++)
            new ExportedVmImage(stack, $"Vm{i}", new ExportedVmImageProps { ImageId = "ami-0123456789abcdef0", DiskImageFormat = DiskImageFormat.VMDK, Bucket = bucket });
        for (var i = 0; i < appStream; i++)
            new AppStreamAmiExport(stack, $"As{i}", new AppStreamAmiExportProps { ImageName = $"image{i}" });
    }

    [Fact]
    public void Stack_WithManyExports_ShouldHaveOneProviderAndOneHandlerFunction()
    {
        var stack = NewStack();
        AddExports(stack, vmImages: 3, appStream: 2);

        var s = Of(stack);

        s.Template.ResourceCountIs("AWS::Lambda::Function", 4); // the handler (onEvent, isComplete and poll) + 3 framework functions
        s.Template.ResourceCountIs("AWS::StepFunctions::StateMachine", 2); // the provider's waiter and the poller
        var tokens = s.OfType(ResourceTypes.ExportedVmImage).Concat(s.OfType(ResourceTypes.AppStreamAmiExport))
            .Select(r => r.Resource.GetProperty("Properties").GetProperty("ServiceToken").ToString()).Distinct();
        Assert.Single(tokens);
        Assert.Equal(5, s.OfType(ResourceTypes.ExportedVmImage).Count() + s.OfType(ResourceTypes.AppStreamAmiExport).Count());
    }

    [Fact]
    public void HandlerRole_WithManyExports_ShouldShareOneStatementPerActionListingEachExportsResources()
    {
        var stack = NewStack();
        var bucket = new Bucket(stack, "Bucket");
        foreach (var (id, image) in new[] { ("A", "ami-0123456789abcdef0"), ("B", "ami-0fedcba9876543210") })
            new ExportedVmImage(stack, id, new ExportedVmImageProps { ImageId = image, DiskImageFormat = DiskImageFormat.RAW, Bucket = bucket });

        var s = Of(stack);

        var export = Assert.Single(s.StatementsFor("ec2:ExportImage")).GetProperty("Resource").Compact();
        Assert.Contains("image/ami-0123456789abcdef0", export);
        Assert.Contains("image/ami-0fedcba9876543210", export);
        Assert.Equal(2, Assert.Single(s.StatementsFor("iam:PassRole")).GetProperty("Resource").GetArrayLength());
        Assert.Single(s.StatementsFor("ec2:DescribeExportImageTasks"));
    }

    [Fact]
    public void HandlerFunctions_ShouldBeTheAotBootstrapOnProvidedAl2023()
    {
        var stack = NewStack();
        AddExports(stack, 1, 1);

        var s = Of(stack);

        var handlers = s.OfType("AWS::Lambda::Function").Select(f => f.Resource.GetProperty("Properties"))
            .Where(p => p.GetProperty("Runtime").GetString() == "provided.al2023").ToList();
        // One function serves onEvent, isComplete and the poller (fewer moving parts; it tells them apart by the event).
        var handler = Assert.Single(handlers);
        Assert.Equal(HandlerNames.Exports, handler.GetProperty("Handler").GetString());
        Assert.Equal("[\"x86_64\"]", handler.GetProperty("Architectures").Compact());
    }

    [Fact]
    public void FrameworkFunctions_ByDefault_ShouldRunOnNodejs24WithNoOlderRuntimeOrMappingInTheTemplate()
    {
        var stack = NewStack();
        AddExports(stack, 1, 1);

        var s = Of(stack);

        var runtimes = s.OfType("AWS::Lambda::Function").Select(f => f.Resource.GetProperty("Properties").GetProperty("Runtime").GetString()).ToList();
        Assert.Equal(3, runtimes.Count(r => r == "nodejs24.x"));
        Assert.False(s.Json.TryGetProperty("Mappings", out _));
        Assert.DoesNotMatch(@"nodejs(1\d|20)\.x", s.Json.Compact());
    }

    [Fact]
    public void FrameworkRuntime_WhenSet_ShouldBeUsedByEveryFrameworkFunction()
    {
        var stack = NewStack();
        ExportProvider.Of(stack, new ExportProviderProps { FrameworkRuntime = new Runtime("nodejs22.x", RuntimeFamily.NODEJS) });
        AddExports(stack, 1, 0);

        var runtimes = Of(stack).OfType("AWS::Lambda::Function").Select(f => f.Resource.GetProperty("Properties").GetProperty("Runtime").GetString());

        Assert.Equal(["nodejs22.x", "nodejs22.x", "nodejs22.x", "provided.al2023"], runtimes.Order());
    }

    [Fact]
    public void FrameworkRuntime_WhenNotNodejs_ShouldFailNamingTheRuntime()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            ExportProvider.Of(NewStack(), new ExportProviderProps { FrameworkRuntime = Runtime.PYTHON_3_12 }));

        Assert.Contains("FrameworkRuntime 'python3.12' is not valid; the Provider framework is Node.js code", error.Message);
    }

    [Fact]
    public void RuntimeMapping_CreatedByAnotherConstructFirst_ShouldBeLeftInPlace()
    {
        var stack = NewStack();
        // What determineLatestNodeRuntime leaves behind when another construct called it first.
        new CfnMapping(stack, "LatestNodeRuntimeMap", new CfnMappingProps { Mapping = new Dictionary<string, IDictionary<string, object>> { ["us-east-1"] = new Dictionary<string, object> { ["value"] = "nodejs20.x" } } });
        AddExports(stack, 1, 0);

        var s = Of(stack);

        Assert.True(s.Json.GetProperty("Mappings").TryGetProperty("LatestNodeRuntimeMap", out _));
    }

    [Fact]
    public void Of_WithPropsAfterTheProviderExists_ShouldFail()
    {
        var stack = NewStack();
        AddExports(stack, 1, 0);

        var error = Assert.Throws<ArgumentException>(() => ExportProvider.Of(stack, new ExportProviderProps { FrameworkRuntime = new Runtime("nodejs22.x", RuntimeFamily.NODEJS) }));

        Assert.Contains("already exists; pass its props in the first call", error.Message);
    }

    [Fact]
    public void HandlerAsset_ShouldBeAZipBesideTheLibraryAssembly()
    {
        var path = HandlerAsset.Path();

        Assert.Equal(Path.GetDirectoryName(typeof(ExportProvider).Assembly.Location), Path.GetDirectoryName(Path.GetDirectoryName(path)));
        using var zip = System.IO.Compression.ZipFile.OpenRead(path);
        var entry = Assert.Single(zip.Entries);
        Assert.Equal("bootstrap", entry.FullName);
        Assert.Equal(Convert.ToInt32("100755", 8), (entry.ExternalAttributes >> 16) & 0xFFFF);
    }
}

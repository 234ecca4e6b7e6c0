using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.Packaging;

/// <summary>
/// The library packed once (<c>dotnet pack constructs/</c>) into a feed of its own, in a fixed test
/// version, and restored into a folder of the tests' own (obj/consumer-packages, reused across
/// runs for the CDK packages, never the machine's NuGet cache).
/// </summary>
public sealed class PackedLibrary : IDisposable
{
    public const string Version = "0.0.0-consumer";

    /// <summary>The URLs a publisher passes when packing (the project has no public home yet).</summary>
    public const string RepositoryUrl = "https://git.example.com/exportconstructs.git";
    public const string ProjectUrl = "https://example.com/exportconstructs";

    public PackedLibrary()
    {
        Work = Directory.CreateTempSubdirectory("exportconstructs-consumer-").FullName;
        Feed = Path.Combine(Work, "feed");
        var (code, output) = Repo.Run("dotnet", $"pack constructs/ExportConstructs.csproj -c Release -o \"{Feed}\" -p:Version={Version} -p:RepositoryUrl={RepositoryUrl} -p:PackageProjectUrl={ProjectUrl} -nologo", Repo.Root);
        if (code != 0) throw new InvalidOperationException(output);
        Packages = Path.Combine(Repo.Root, "test", "ExportConstructs.Tests", "obj", "consumer-packages");
        // The same version is restored from the new feed each run: drop the copy a previous run extracted.
        var stale = Path.Combine(Packages, "exportconstructs", Version);
        if (Directory.Exists(stale)) Directory.Delete(stale, true);
        Package = Assert.Single(Directory.GetFiles(Feed, "*.nupkg"));
    }

    public string Work { get; }
    public string Feed { get; }
    public string Packages { get; }
    public string Package { get; }

    public void Dispose() => Directory.Delete(Work, true);
}

/// <summary>
/// The NuGet package on its own: one package (the contract inside it), loading in net8.0 and
/// net10.0 apps on the oldest and newest Amazon.CDK.Lib this registry serves, synthesizing both
/// exports with the handler asset it carries.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class PackageConsumerTests(PackedLibrary packed) : IClassFixture<PackedLibrary>
{
    [Fact]
    public void Package_ShouldCarryEveryFrameworkAndTheContract_AndDependOnNoUnpublishedPackage()
    {
        using var zip = ZipFile.OpenRead(packed.Package);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();

        foreach (var tfm in new[] { "net8.0", "net9.0", "net10.0" })
        {
            Assert.Contains($"lib/{tfm}/ExportConstructs.dll", entries);
            Assert.Contains($"lib/{tfm}/ExportConstructs.Contract.dll", entries);
        }
        Assert.Contains("contentFiles/any/any/exportconstructs-handler/handler.zip", entries);
        Assert.Contains("LICENSE", entries);
        Assert.Contains("README.md", entries);
        Assert.Single(Directory.GetFiles(packed.Feed, "*.snupkg"));
        using var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var metadata = XDocument.Load(nuspec).Descendants().ToList();
        var dependencies = metadata.Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).ToHashSet();
        Assert.Equal(new HashSet<string> { "Amazon.CDK.Lib", "Constructs" }, dependencies);
        Assert.Equal("Apache-2.0", metadata.Single(e => e.Name.LocalName == "license").Value);
        var repository = metadata.Single(e => e.Name.LocalName == "repository");
        Assert.Equal(("git", PackedLibrary.RepositoryUrl), ((string?)repository.Attribute("type"), (string?)repository.Attribute("url")));
        Assert.Equal(PackedLibrary.ProjectUrl, metadata.Single(e => e.Name.LocalName == "projectUrl").Value);
        Assert.Equal("[2.160.0, 2.277.0]", metadata.Where(e => e.Name.LocalName == "dependency" && (string)e.Attribute("id")! == "Amazon.CDK.Lib").Select(e => (string)e.Attribute("version")!).Distinct().Single());
    }

    public static TheoryData<string, string> Consumers => new()
    {
        { "net10.0", "2.160.0" },
        { "net10.0", "2.277.0" },
        // What `cdk init app` makes for C#: net8.0 on a current CDK (run here on the installed runtime, rolled forward).
        { "net8.0", "2.277.0" },
    };

    [Theory]
    [MemberData(nameof(Consumers))]
    public void PackedLibrary_ShouldSynthesizeBothExportsInAFreshConsumer(string framework, string cdk)
    {
        var app = Path.Combine(packed.Work, $"app-{framework}-{cdk}");
        Directory.CreateDirectory(app);
        var fallback = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        // The local feed in addition to this machine's sources; packages land in the tests' folder, read from the machine's cache where present.
        File.WriteAllText(Path.Combine(app, "NuGet.config"), $"""
            <configuration><packageSources>
              <add key="exportconstructs-local" value="{packed.Feed}" />
            </packageSources></configuration>
            """);
        // Newer CDKs ask for a Constructs this registry does not serve: pinning the ones it serves is
        // enough to load and synthesize (NU1608 warns), which is what catches a binary break.
        var newer = cdk == "2.160.0" ? "" : """
            <PackageReference Include="Constructs" Version="10.0.5" />
            <PackageReference Include="Amazon.CDK.Asset.AwsCliV1" Version="2.2.294" />
            """;
        File.WriteAllText(Path.Combine(app, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType><TargetFramework>{framework}</TargetFramework><ImplicitUsings>enable</ImplicitUsings>
                <RestorePackagesPath>{packed.Packages}</RestorePackagesPath><RestoreFallbackFolders>{fallback}</RestoreFallbackFolders>
                <NoWarn>NU1605;NU1608;NU1903</NoWarn><RollForward>Major</RollForward>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ExportConstructs" Version="{PackedLibrary.Version}" />
                <PackageReference Include="Amazon.CDK.Lib" Version="{cdk}" />
                {newer}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Amazon.CDK;
            using Amazon.CDK.AWS.S3;
            using ExportConstructs;
            var cdk = new App(new AppProps { Outdir = "cdk.out" });
            var stack = new Stack(cdk, "Consumer");
            new ExportedVmImage(stack, "Vm", new ExportedVmImageProps { ImageId = "ami-0123456789abcdef0", DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Bucket(stack, "B") });
            var ami = new AppStreamAmiExport(stack, "As", new AppStreamAmiExportProps { ImageName = "image", Timeout = Duration.Hours(2) });
            Tags.Of(stack).Add("team", "consumer");
            cdk.Synth();
            """);

        var (runCode, runOutput) = Repo.Run("dotnet", "run", app);

        Assert.True(runCode == 0, runOutput);
        Assert.False(Directory.Exists(Path.Combine(app, "lambda")));
        var template = JsonDocument.Parse(File.ReadAllText(Path.Combine(app, "cdk.out", "Consumer.template.json"))).RootElement;
        var resources = template.GetProperty("Resources").EnumerateObject().Select(r => r.Value).ToList();
        var types = resources.Select(r => r.GetProperty("Type").GetString()).ToList();
        Assert.Contains(ResourceTypes.ExportedVmImage, types);
        Assert.Contains(ResourceTypes.AppStreamAmiExport, types);
        Assert.Contains("AWS::CloudFormation::WaitCondition", types);
        Assert.All(resources.Where(r => r.GetProperty("Type").GetString() is ResourceTypes.ExportedVmImage or ResourceTypes.AppStreamAmiExport),
            r => Assert.Equal("consumer", r.GetProperty("Properties").GetProperty(Tagging.TagsProperty).GetProperty("team").GetString()));
        var assets = Directory.GetFiles(Path.Combine(app, "cdk.out"), "asset.*.zip");
        Assert.Contains(assets, a => new FileInfo(a).Length > 1_000_000); // the AOT bootstrap, shipped in the package
    }
}

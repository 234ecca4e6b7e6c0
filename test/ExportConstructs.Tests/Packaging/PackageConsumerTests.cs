using System.Text.Json;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.Packaging;

/// <summary>
/// The NuGet package on its own: a new project that references only the packed ExportConstructs
/// (no handler sources, no AOT toolchain involved) synthesizes a stack with both constructs.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class PackageConsumerTests
{
    [Fact]
    public void PackedLibrary_ShouldSynthesizeBothExportsInAFreshConsumerProject()
    {
        var work = Directory.CreateTempSubdirectory("consumer-").FullName;
        var feed = Path.Combine(work, "feed");
        // A version of its own, so the global package cache never serves an older pack.
        var version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        foreach (var project in new[] { "contract/ExportConstructs.Contract.csproj", "constructs/ExportConstructs.csproj" })
        {
            var (code, output) = Repo.Run("dotnet", $"pack {project} -c Release -o \"{feed}\" -p:Version={version} -nologo", Repo.Root);
            Assert.True(code == 0, output);
        }

        var app = Path.Combine(work, "app");
        Directory.CreateDirectory(app);
        // The local feed in addition to the sources this machine is configured with (for the CDK packages).
        File.WriteAllText(Path.Combine(app, "NuGet.config"), $"""
            <configuration><packageSources>
              <add key="exportconstructs-local" value="{feed}" />
            </packageSources></configuration>
            """);
        File.WriteAllText(Path.Combine(app, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
              <ItemGroup><PackageReference Include="ExportConstructs" Version="{version}" /></ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Amazon.CDK;
            using Amazon.CDK.AWS.S3;
            using ExportConstructs;
            var cdk = new App(new AppProps { Outdir = "cdk.out" });
            var stack = new Stack(cdk, "Consumer");
            new ExportedVmImage(stack, "Vm", new ExportedVmImageProps { ImageId = "ami-0123456789abcdef0", DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Bucket(stack, "B") });
            new AppStreamAmiExport(stack, "As", new AppStreamAmiExportProps { ImageName = "image" });
            cdk.Synth();
            """);

        var (runCode, runOutput) = Repo.Run("dotnet", "run", app);

        Assert.True(runCode == 0, runOutput);
        Assert.False(Directory.Exists(Path.Combine(app, "lambda")));
        var template = JsonDocument.Parse(File.ReadAllText(Path.Combine(app, "cdk.out", "Consumer.template.json"))).RootElement;
        var types = template.GetProperty("Resources").EnumerateObject().Select(r => r.Value.GetProperty("Type").GetString()).ToList();
        Assert.Contains(ResourceTypes.ExportedVmImage, types);
        Assert.Contains(ResourceTypes.AppStreamAmiExport, types);
        var assets = Directory.GetFiles(Path.Combine(app, "cdk.out"), "asset.*.zip");
        Assert.Contains(assets, a => new FileInfo(a).Length > 1_000_000); // the AOT bootstrap, shipped in the package
        Directory.Delete(work, true);
    }
}

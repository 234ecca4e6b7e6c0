using ExportConstructs.Tests.Constructs;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.Packaging;

/// <summary>The build's guard on the handler binary.</summary>
[Collection(CdkCollection.Name)]
public sealed class HandlerAssetBuildTests
{
    private static (int ExitCode, string Output) CheckGlibc(string limit) =>
        Repo.Run("dotnet", $"msbuild constructs/ExportConstructs.csproj -t:CheckHandlerGlibc -p:TargetFramework=net10.0 -p:HandlerMaxGlibc={limit} -nologo", Repo.Root);

    [Fact]
    public void GlibcCheck_WhenTheBinaryNeedsANewerGlibcThanTheLimit_ShouldFailTheBuild()
    {
        var (exitCode, output) = CheckGlibc("2.17");

        Assert.NotEqual(0, exitCode);
        Assert.Matches(@"The handler bootstrap needs GLIBC_2\.\d+, but provided\.al2023 has glibc 2\.17", output);
    }

    [Fact]
    public void GlibcCheck_AtAmazonLinux2023sGlibc_ShouldPass()
    {
        var (exitCode, output) = CheckGlibc("2.34");

        Assert.True(exitCode == 0, output);
        Assert.Contains("(limit 2.34)", output);
    }
}

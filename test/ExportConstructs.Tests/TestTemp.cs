using System.Runtime.CompilerServices;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: Xunit.TestFramework("ExportConstructs.Tests.TestTempFramework", "ExportConstructs.Tests")]

namespace ExportConstructs.Tests;

/// <summary>
/// Everything a test run writes to the temp folder goes under one folder of its own, deleted when
/// the run ends: cloud assemblies of synthesized stacks (each with a copy of the handler asset),
/// jsii's runtime files, the packed library and its consumer apps, and whatever the Node.js and
/// dotnet processes the tests start write there (they inherit TMPDIR). Without it a run left about
/// 1.3 GB behind in the system temp folder.
/// </summary>
internal static class TestTemp
{
    public static string Root { get; private set; } = "";

    [ModuleInitializer]
    internal static void Isolate()
    {
        Root = Directory.CreateTempSubdirectory("exportconstructs-tests-").FullName;
        // .NET reads TMPDIR on each Path.GetTempPath() call; child processes inherit it.
        Environment.SetEnvironmentVariable("TMPDIR", Root);
    }

    public static void Delete()
    {
        // A process still ending (jsii's Node.js runtime removes its own files as it exits) can make
        // one pass find a folder not yet empty: a few passes, then what is left stays in this folder.
        for (var pass = 0; pass < 5 && Directory.Exists(Root); pass++)
        {
            try
            {
                Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>
/// xunit's own framework, disposed by the test host when the run ends (xunit 2 has no assembly
/// fixture; a ProcessExit handler does not run, since the host process is ended from outside).
/// </summary>
public sealed class TestTempFramework : XunitTestFramework
{
    public TestTempFramework(IMessageSink sink) : base(sink) => DisposalTracker.Add(new Cleanup());

    private sealed class Cleanup : IDisposable
    {
        public void Dispose() => TestTemp.Delete();
    }
}

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

    private const string Prefix = "exportconstructs-tests-";
    private const string OwnerFile = ".owner-pid";

    /// <summary>How old a folder without an owner file (a run of an older checkout) must be to count as abandoned.</summary>
    private static readonly TimeSpan UnownedAge = TimeSpan.FromHours(6);

    [ModuleInitializer]
    internal static void Isolate()
    {
        SweepAbandoned(Path.GetTempPath());
        Root = Directory.CreateTempSubdirectory(Prefix).FullName;
        File.WriteAllText(Path.Combine(Root, OwnerFile), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // .NET reads TMPDIR on each Path.GetTempPath() call; child processes inherit it.
        Environment.SetEnvironmentVariable("TMPDIR", Root);
    }

    /// <summary>
    /// Deletes the folders of earlier runs whose test host is gone. The end-of-run cleanup below does
    /// not always get to run (the test host may be ended from outside, and then neither disposal nor
    /// ProcessExit handlers run), so each run also removes what finished runs left: at most the
    /// folders of runs still going remain. A folder without an owner file (from a checkout before this
    /// sweep) is taken as abandoned once it is <see cref="UnownedAge"/> old.
    /// </summary>
    internal static void SweepAbandoned(string tempFolder)
    {
        foreach (var folder in Directory.EnumerateDirectories(tempFolder, Prefix + "*"))
        {
            var owner = Path.Combine(folder, OwnerFile);
            if (File.Exists(owner) ? int.TryParse(File.ReadAllText(owner), out var pid) && Running(pid) : Directory.GetLastWriteTimeUtc(folder) > DateTime.UtcNow - UnownedAge) continue;
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another run may be sweeping it at the same moment; what is left goes next time.
            }
        }
    }

    private static bool Running(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
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
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
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

using System.Diagnostics;

namespace ExportConstructs.Fakes;

/// <summary>The repository the tests run from, and running its tools.</summary>
internal static class Repo
{
    /// <summary>The folder holding ExportConstructs.sln, found upwards from the test assembly.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ExportConstructs.sln"))) return dir.FullName;
        throw new InvalidOperationException("ExportConstructs.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs a command to its end and returns its exit code and combined output.</summary>
    public static (int ExitCode, string Output) Run(string file, string arguments, string workingDirectory, IDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>()) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

using System.Diagnostics;
using System.Text;
using ExportConstructs.LiveApp;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using Xunit.Abstractions;

namespace ExportConstructs.Tests.Live;

/// <summary>What one CDK CLI command did.</summary>
internal sealed record CdkRun(string Command, int ExitCode, bool TimedOut, TimeSpan Took, string Output)
{
    /// <summary>The command, how it ended, and the last lines it printed (CloudFormation's failure reasons are there).</summary>
    public string Describe(int lines = 80)
    {
        var all = Output.Split('\n');
        var end = TimedOut ? "was stopped after " + Took : $"exited with {ExitCode} after {Took:hh\\:mm\\:ss}";
        return $"`{Command}` {end}; its last {Math.Min(lines, all.Length)} lines:\n" + string.Join('\n', all.TakeLast(lines));
    }
}

/// <summary>
/// Runs the pinned CDK CLI (`npx cdk`, from the repository's node_modules) on the live app, built
/// next to the test assembly's project. Each command is bounded in time; stopping the CLI does not
/// stop a CloudFormation operation, which the suite's clean-up waits for.
/// </summary>
internal sealed class LiveCdk(LiveSettings settings, ITestOutputHelper output)
{
    private readonly string _work = Directory.CreateTempSubdirectory("exportconstructs-live-").FullName;

    /// <summary>Where the CLI writes the cloud assembly (never the root's cdk.out, which belongs to the sample app).</summary>
    public string OutputDirectory => Path.Combine(_work, "cdk.out");

    /// <summary>Everything the CLI printed, as it prints it (xunit shows a test's output only at its end): <c>tail -f</c> it to follow a run.</summary>
    public string LogFile => Path.Combine(_work, "cdk.log");

    /// <summary>The live app's own build output (with its runtimeconfig and deps), same configuration as the tests.</summary>
    private static string AppDll()
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))!); // bin/<configuration>/net10.0/
        var dll = Path.Combine(Repo.Root, "test", "ExportConstructs.LiveApp", "bin", configuration, "net10.0", "ExportConstructs.LiveApp.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} not found: build ExportConstructs.sln first.");
    }

    /// <summary><c>cdk deploy</c> of the stack exporting <paramref name="imageId"/>, with the failing resource when <paramref name="fail"/>.</summary>
    public Task<CdkRun> DeployAsync(string imageId, bool fail, TimeSpan limit) =>
        RunAsync(["deploy", settings.StackName, "--require-approval", "never", "--progress", "events"], imageId, fail, limit);

    /// <summary><c>cdk synth</c> with the arguments a deploy gives: needs no account.</summary>
    public Task<CdkRun> SynthAsync(bool fail, TimeSpan limit) => RunAsync(["synth", settings.StackName, "--quiet"], settings.ImageId, fail, limit);

    /// <summary><c>cdk destroy</c> of the stack.</summary>
    public Task<CdkRun> DestroyAsync(TimeSpan limit) => RunAsync(["destroy", settings.StackName, "--force"], settings.ImageId, fail: false, limit);

    private async Task<CdkRun> RunAsync(string[] command, string imageId, bool fail, TimeSpan limit)
    {
        var start = new ProcessStartInfo("npx") { WorkingDirectory = Repo.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        // --no: never download a CLI; the build's `npm ci` installed the pinned one.
        string[] arguments =
        [
            "--no", "cdk", .. command,
            "--app", $"dotnet \"{AppDll()}\"",
            "--output", OutputDirectory,
            "--no-notices",
            "-c", $"{LiveStack.Context.StackName}={settings.StackName}",
            "-c", $"{LiveStack.Context.ImageId}={imageId}",
            "-c", $"{LiveStack.Context.BucketName}={settings.BucketName}",
            "-c", $"{LiveStack.Context.RemovalPolicy}=destroy",
            "-c", $"{LiveStack.Context.Fail}={(fail ? "true" : "false")}",
        ];
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // One region for the CLI and the suite's own clients, whatever the profile says.
        start.Environment["AWS_REGION"] = settings.Region;
        start.Environment["AWS_DEFAULT_REGION"] = settings.Region;
        start.Environment["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1";
        start.Environment["npm_config_update_notifier"] = "false";
        var text = "npx " + string.Join(' ', arguments.Select(a => a.Contains(' ') ? $"'{a}'" : a));
        output.WriteLine($"(the CLI's output also goes to {LogFile})");

        var all = new StringBuilder();
        await using var log = new StreamWriter(LogFile, append: true) { AutoFlush = true };
        void Line(string? line)
        {
            if (line is null) return;
            lock (all)
            {
                all.AppendLine(line);
                log.WriteLine(line);
            }
            try { output.WriteLine(line); } catch (InvalidOperationException) { /* the test has ended */ }
        }
        Line($"$ {text}");
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(limit);
        var timedOut = false;
        try { await process.WaitForExitAsync(deadline.Token); }
        catch (OperationCanceledException)
        {
            timedOut = true;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.WaitForExit(); // drains the asynchronous readers
        lock (all) return new CdkRun(text, timedOut ? -1 : process.ExitCode, timedOut, clock.Elapsed, all.ToString());
    }
}

namespace ExportConstructs.Tests;

public sealed class TestTempTests
{
    [Fact]
    public void SweepAbandoned_ShouldDeleteFoldersOfEndedRunsAndKeepThoseOfRunningOnes()
    {
        var temp = Directory.CreateTempSubdirectory("sweep-").FullName;
        var running = Folder(temp, "exportconstructs-tests-running", Environment.ProcessId);
        var ended = Folder(temp, "exportconstructs-tests-ended", int.MaxValue); // no such process
        var older = Folder(temp, "exportconstructs-tests-older", null); // a run from before owner files, long over
        Directory.SetLastWriteTimeUtc(older, DateTime.UtcNow.AddDays(-1));
        var recent = Folder(temp, "exportconstructs-tests-recent", null); // such a run that may still be going
        var other = Folder(temp, "someone-else", null);

        TestTemp.SweepAbandoned(temp);

        Assert.Equal([recent, running, other], Directory.EnumerateDirectories(temp).Order(StringComparer.Ordinal));
        Assert.False(Directory.Exists(ended) || Directory.Exists(older));
        Directory.Delete(temp, recursive: true);
    }

    private static string Folder(string temp, string name, int? pid)
    {
        var folder = Directory.CreateDirectory(Path.Combine(temp, name)).FullName;
        Directory.CreateDirectory(Path.Combine(folder, "nested"));
        File.WriteAllText(Path.Combine(folder, "nested", "file"), "x");
        if (pid is { } owner) File.WriteAllText(Path.Combine(folder, ".owner-pid"), owner.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return folder;
    }
}

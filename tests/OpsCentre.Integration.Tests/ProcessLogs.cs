namespace OpsCentre.Integration.Tests;

/// <summary>The log files every process of the system writes (<see cref="SystemFixture.LogDirectory"/>), read as the processes write on.</summary>
public static class ProcessLogs
{
    public sealed record LogFile(string Path, string Text);

    /// <summary>
    /// Every log file, once one of them has a line that <paramref name="proves"/> the logs hold what the
    /// test just did (so a check of what they must not contain reads logs that are there and current).
    /// </summary>
    public static Task<IReadOnlyList<LogFile>> WhenAnyLineAsync(Func<string, bool> proves, string what) =>
        Testing.Eventually.HoldsAsync(ReadAllAsync, files => files.Any(f => f.Text.Split('\n').Any(proves)), TimeSpan.FromSeconds(15), what,
            describe: files => $"{files.Count} log file(s)");

    /// <summary>Every log file as it is now; fails if there is none, so a check over them cannot pass by reading nothing.</summary>
    public static async Task<IReadOnlyList<LogFile>> ReadAllAsync()
    {
        var files = new List<LogFile>();
        foreach (var path in Directory.EnumerateFiles(SystemFixture.LogDirectory))
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            files.Add(new LogFile(path, await reader.ReadToEndAsync()));
        }

        Assert.NotEmpty(files);
        return files;
    }
}

namespace OpsCentre.Testing;

/// <summary>Finds the repository (the folder holding OpsCentre.sln) and the built outputs in it.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration the tests were built in (Debug or Release), so child processes match.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    /// <summary>Path of a built project's main assembly, e.g. <c>Output("src/Silo", "OpsCentre.Silo")</c>.</summary>
    public static string Output(string projectFolder, string assemblyName)
    {
        var path = Path.Combine(Root, projectFolder, "bin", Configuration, "net10.0", assemblyName + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; build the solution in {Configuration} first.");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OpsCentre.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("OpsCentre.sln not found above " + AppContext.BaseDirectory);
    }
}

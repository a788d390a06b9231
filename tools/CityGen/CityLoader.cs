using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpsCentre.Grains.Imports;

namespace OpsCentre.CityGen;

/// <summary>
/// Loads a city's files through the product's import jobs (<see cref="ImportRunner"/>, the same job rows, checks and
/// writes as <c>POST /api/v1/imports</c>): the division list when there is one, the map, then the rosters that refer to
/// its grids — each all or nothing, for the whole city.
/// </summary>
public static class CityLoader
{
    /// <summary>The files of a city in the order they load, with the import kind of each.</summary>
    public static IReadOnlyList<(string Kind, string File)> Files { get; } =
    [
        (ImportKinds.Divisions, CityFiles.Divisions),
        (ImportKinds.Map, CityFiles.Map),
        (ImportKinds.Workers, CityFiles.Workers),
        (ImportKinds.KeyPersons, CityFiles.KeyPersons),
    ];

    /// <summary>The unit every file of a generated city is imported for: the city.</summary>
    public const string City = "5101";

    /// <summary>
    /// Imports the city's files from <paramref name="directory"/> (a missing division list is skipped); returns the problems
    /// (empty on success). With <paramref name="onlyMissing"/>, a file already imported with success (the same content, for
    /// the city) is skipped: what an interrupted first start left undone is finished, and nothing is done twice.
    /// </summary>
    public static async Task<IReadOnlyList<string>> LoadAsync(NpgsqlDataSource dataSource, string directory, Action<string>? progress = null, bool onlyMissing = false)
    {
        var jobs = new ImportJobStore(dataSource);
        var runner = new ImportRunner(dataSource, jobs, TimeProvider.System, NullLogger<ImportRunner>.Instance);
        if (onlyMissing && await new Grains.Map.MapStore(dataSource).VersionAsync() > 0
            && !await SucceededBeforeAsync(jobs, directory, ImportKinds.Map, CityFiles.Map)
            && !await SucceededBeforeAsync(jobs, directory, ImportKinds.Divisions, CityFiles.Divisions))
        {
            // Finishing what is missing means this generation's files only: a map of another generation (another size, an
            // earlier synthetic city, a centre's own) is never overlaid with this one's grids.
            progress?.Invoke("the database holds another city's map: it is kept as it is, and nothing of this generation is imported");
            return [];
        }

        foreach (var (kind, file) in Files)
        {
            var path = Path.Combine(directory, file);
            if (!File.Exists(path) && kind == ImportKinds.Divisions)
            {
                continue;
            }

            var content = await File.ReadAllBytesAsync(path);
            if (onlyMissing && await jobs.SucceededBeforeAsync(kind, City, content))
            {
                progress?.Invoke($"{file}: imported before, skipped");
                continue;
            }

            progress?.Invoke($"importing {file}");
            var job = await runner.SubmitAndRunAsync(new ImportSubmission(kind, City, City, file, content, "citygen", "citygen:" + Guid.NewGuid()));
            if (job.State != ImportStates.Succeeded)
            {
                return [.. job.Errors.Select(e => $"{file} line {e.Line}{(e.Field is { } f ? " (" + f + ")" : "")}: {e.Reason}").DefaultIfEmpty($"{file}: {job.Failure}")];
            }

            progress?.Invoke($"{file}: {job.RowsRead} read, {job.Changes.Added} added, {job.Changes.Updated} updated, {job.Changes.Ended} ended, {job.Changes.Unchanged} unchanged");
        }

        return [];
    }

    private static async Task<bool> SucceededBeforeAsync(ImportJobStore jobs, string directory, string kind, string file) =>
        File.Exists(Path.Combine(directory, file)) && await jobs.SucceededBeforeAsync(kind, City, await File.ReadAllBytesAsync(Path.Combine(directory, file)));

    /// <summary>Generates a city into a temporary folder and loads it (tests and demos).</summary>
    public static async Task<GeneratedCity> GenerateAndLoadAsync(NpgsqlDataSource dataSource, CitySize size, int seed)
    {
        var city = new CityGenerator(size, seed).Generate();
        var directory = Path.Combine(Path.GetTempPath(), "opscentre-city-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await CityFiles.WriteAsync(city, directory);
            var problems = await LoadAsync(dataSource, directory);
            return problems.Count == 0 ? city : throw new InvalidOperationException(string.Join("; ", problems));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

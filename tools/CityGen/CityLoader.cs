using Npgsql;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Rosters;

namespace OpsCentre.CityGen;

/// <summary>Loads a city's files through the real import path: the map first, then the rosters that refer to its grids.</summary>
public static class CityLoader
{
    /// <summary>Imports map.geojson, workers.csv and key-persons.csv from <paramref name="directory"/>; returns the problems (empty on success).</summary>
    public static async Task<IReadOnlyList<string>> LoadAsync(NpgsqlDataSource dataSource, string directory, Action<string>? progress = null)
    {
        progress?.Invoke("importing the map");
        await using (var map = File.OpenRead(Path.Combine(directory, CityFiles.Map)))
        {
            var result = await new MapImporter(dataSource).ImportAsync(map);
            if (!result.Succeeded)
            {
                return [.. result.Errors.Select(e => $"map feature {e.Index} ({e.Code}): {e.Reason}")];
            }

            progress?.Invoke($"imported {result.Imported} units");
        }

        var rosters = new RosterImporter(dataSource);
        progress?.Invoke("importing grid workers");
        using (var workers = File.OpenText(Path.Combine(directory, CityFiles.Workers)))
        {
            var result = await rosters.ImportWorkersAsync(workers);
            if (!result.Succeeded)
            {
                return [.. result.Errors.Select(e => $"workers line {e.Line} ({e.Id}): {e.Reason}")];
            }

            progress?.Invoke($"imported {result.Imported} workers");
        }

        progress?.Invoke("importing key persons");
        using (var persons = File.OpenText(Path.Combine(directory, CityFiles.KeyPersons)))
        {
            var result = await rosters.ImportKeyPersonsAsync(persons);
            if (!result.Succeeded)
            {
                return [.. result.Errors.Select(e => $"key persons line {e.Line} ({e.Id}): {e.Reason}")];
            }

            progress?.Invoke($"imported {result.Imported} key persons");
        }

        return [];
    }

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

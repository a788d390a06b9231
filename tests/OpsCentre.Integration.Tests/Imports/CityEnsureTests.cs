using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpsCentre.Grains.Imports;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Imports;

/// <summary>
/// The run command's first start (<c>OpsCentre.CityGen ensure</c>, a real process) imports the city's files through the
/// import jobs, and finishes what an interrupted start left: a start killed after the map leaves no city without rosters.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class CityEnsureTests(SystemFixture system)
{
    [Fact]
    public async Task AFirstStartKilledAfterTheMapIsFinishedByTheNextAndLaterStartsImportNothing()
    {
        const string Database = "city_ensure";
        var database = await system.Postgres.CreateDatabaseAsync(Database);
        await using var db = NpgsqlDataSource.Create(database.AppConnectionString);
        var folder = Path.Combine(Path.GetTempPath(), "opscentre-city-ensure-" + Guid.NewGuid().ToString("N")[..8]);
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__OpsCentre"] = database.AppConnectionString, ["OPSCENTRE_DEMO"] = "on", ["Registries__PersonalDataKey"] = system.PersonalDataKey,
        };
        try
        {
            Assert.Equal(0, await CityGenAsync(environment, "generate", "tiny", folder));

            // The first start got as far as the map, through the same job path, and was killed.
            var map = await new ImportRunner(db, new ImportJobStore(db), TimeProvider.System, NullLogger<ImportRunner>.Instance).SubmitAndRunAsync(
                new ImportSubmission(ImportKinds.Map, "5101", "5101", "map.geojson", await File.ReadAllBytesAsync(Path.Combine(folder, "map.geojson")), "citygen", "first-start"));
            Assert.Equal(ImportStates.Succeeded, map.State);
            Assert.Equal(0, await db.ScalarAsync<int>("SELECT count(*)::int FROM grid_worker"));

            Assert.Equal(0, await CityGenAsync(environment, "ensure", "tiny", folder));
            var workers = File.ReadLines(Path.Combine(folder, "workers.csv")).Count() - 1;
            var persons = File.ReadLines(Path.Combine(folder, "key-persons.csv")).Count() - 1;
            Assert.Equal(workers, await db.ScalarAsync<int>("SELECT count(*)::int FROM grid_worker WHERE ended_at IS NULL"));
            Assert.Equal(persons, await db.ScalarAsync<int>("SELECT count(*)::int FROM key_person WHERE ended_at IS NULL"));
            // One job per file the generation wrote (a division list too, when it writes one): the map's was not run again.
            var files = CityGen.CityLoader.Files.Where(f => File.Exists(Path.Combine(folder, f.File))).Select(f => (f.Kind, "succeeded", 1)).Order().ToList();
            Assert.Equal(files,
                await db.RowsAsync("SELECT kind, state, count(*)::int FROM import_job GROUP BY kind, state ORDER BY kind", r => (r.GetString(0), r.GetString(1), r.GetInt32(2))));

            // The demo registries came with it: residents in every grid, some floating ones' registrations ending within 30 days.
            const string Registries = "SELECT (SELECT count(*) FROM registry_person) || '/' || (SELECT count(DISTINCT unit_code) FROM registry_person) || '/' || (SELECT count(*) FROM registry_component)";
            var grids = await db.ScalarAsync<int>("SELECT count(*)::int FROM unit_map WHERE length(code) = 15");
            Assert.Equal($"{grids * CityGen.RegistryScale.Demo.ResidentsPerGrid}/{grids}/{grids * CityGen.RegistryScale.Demo.ComponentsPerGrid}", await db.ScalarAsync<string>(Registries));
            Assert.True(await db.ScalarAsync<int>("SELECT count(*)::int FROM registry_person WHERE residence = 'floating' AND registration_expiry < current_date + 30") > 0);
            var loaded = await db.ScalarAsync<string>(Registries);

            // A later start imports nothing again, and leaves the registries as they are.
            Assert.Equal(0, await CityGenAsync(environment, "ensure", "tiny", folder));
            Assert.Equal(files.Count, await db.ScalarAsync<int>("SELECT count(*)::int FROM import_job"));
            Assert.Equal(loaded, await db.ScalarAsync<string>(Registries));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            NpgsqlConnection.ClearAllPools();
            await system.Postgres.DropDatabaseAsync(Database);
        }
    }

    private static async Task<int> CityGenAsync(Dictionary<string, string> environment, params string[] arguments)
    {
        await using var process = ChildProcess.Start("citygen-" + arguments[0], RepositoryPaths.Output("tools/CityGen", "OpsCentre.CityGen"), environment, arguments);
        return await process.ExitCodeAsync(TimeSpan.FromMinutes(3));
    }
}

using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpsCentre.CityGen;
using OpsCentre.Grains.Units;
using OpsCentre.ServiceDefaults;
using OpsCentre.Silo;
using OpsCentre.Testing;
using Orleans.Runtime;

namespace OpsCentre.Benchmarks;

/// <summary>
/// Memory per active grain: loads a generated city into a private PostgreSQL, starts one silo in
/// this process with the production storage configuration, activates every unit, grid-worker and
/// key-person grain of the city (each reads its identity from the database and holds its state), and
/// prints the growth of the managed heap and of the resident set per activation, per kind and in all.
/// </summary>
public static class GrainMemoryBenchmark
{
    public static async Task RunAsync(CitySize size)
    {
        await using var postgres = await PrivatePostgres.StartAsync();
        var database = await postgres.CreateDatabaseAsync("memory_benchmark");
        await using (var dataSource = NpgsqlDataSource.Create(database.AppConnectionString))
        {
            var load = Stopwatch.StartNew();
            Console.WriteLine($"loading the {size.Name} city …");
            var city = await CityLoader.GenerateAndLoadAsync(dataSource, size, 20261129);
            Console.WriteLine($"loaded {city.Units.Count:N0} units, {city.Workers.Count:N0} workers, {city.KeyPersons.Count:N0} key persons in {load.Elapsed.TotalSeconds:F1} s");
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:OpsCentre"] = database.AppConnectionString,
            ["Orleans:ClusterId"] = "memory-benchmark",
            ["Orleans:SiloPort"] = FreePort.Next().ToString(),
            ["Orleans:GatewayPort"] = FreePort.Next().ToString(),
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // The registries' key, which the silo's stores require (read from the host's configuration).
        builder.Configuration[OpsCentre.Database.Registries.PersonalDataCipher.ConfigurationKey] = OpsCentre.Database.Registries.PersonalDataCipher.NewKey();
        builder.UseOrleans(silo => silo.AddOpsCentreEndpoints(configuration).AddOpsCentreStorage(configuration));
        using var host = builder.Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IGrainFactory>();

        await using var db = NpgsqlDataSource.Create(database.AppConnectionString);
        var units = await IdsAsync(db, "SELECT code FROM unit_map ORDER BY code");
        var workers = await IdsAsync(db, "SELECT id FROM grid_worker ORDER BY id");
        var persons = await IdsAsync(db, "SELECT id FROM key_person ORDER BY id");
        // Every grain kind of the city model: units, grid workers and key persons. Each kind's first 50
        // are activated before measuring, so the runtime's one-off allocations (code, caches, pools) are not counted.
        var kinds = new (string Name, List<Func<Task>> Activations)[]
        {
            ("unit", [.. units.Select(code => (Func<Task>)(() => grains.GetGrain<IUnitGrain>(code).Snapshot()))]),
            ("grid-worker", [.. workers.Select(id => (Func<Task>)(() => grains.GetGrain<Grains.Workers.IWorkerGrain>(id).Snapshot()))]),
            ("key-person", [.. persons.Select(id => (Func<Task>)(() => grains.GetGrain<Grains.KeyPersons.IKeyPersonGrain>(id).Snapshot()))]),
        };
        foreach (var (_, activations) in kinds)
        {
            foreach (var activate1 in activations.Take(50))
            {
                await activate1();
            }
        }

        // Activations as the silo counts them: a grid's unit grain also activates its grid's registry dues (RegistryDuesGrain).
        var management = grains.GetGrain<IManagementGrain>(0);
        async Task<long> ActivationsAsync() => (await management.GetSimpleGrainStatistics()).Sum(s => (long)s.ActivationCount);
        var activationsStart = await ActivationsAsync();
        var (heapStart, rssStart) = Measure();
        long total = 0;
        foreach (var (name, activations) in kinds)
        {
            var rest = activations.Skip(50).ToList();
            var (heapBefore, rssBefore) = Measure();
            var activate = Stopwatch.StartNew();
            foreach (var chunk in rest.Chunk(500))
            {
                await Task.WhenAll(chunk.Select(a => a()));
            }

            var (heapAfter, rssAfter) = Measure();
            total += rest.Count;
            Console.WriteLine($"{name}: activated {rest.Count:N0} grains in {activate.Elapsed.TotalSeconds:F1} s; managed heap {(heapAfter - heapBefore) / (double)Math.Max(1, rest.Count):F0} bytes, resident set {(rssAfter - rssBefore) / (double)Math.Max(1, rest.Count):F0} bytes per grain");
        }

        var (heapEnd, rssEnd) = Measure();
        var activated = await ActivationsAsync() - activationsStart;
        Console.WriteLine($"all kinds: {total:N0} grains (less 50 warm-up of each kind), {activated:N0} activations in the silo "
            + $"(with the grains they activate): {(heapEnd - heapStart) / (double)activated:F0} bytes of managed heap and "
            + $"{(rssEnd - rssStart) / (double)activated:F0} bytes of resident set per activation");
        Console.WriteLine($"managed heap: +{(heapEnd - heapStart) / 1048576.0:F1} MiB = {(heapEnd - heapStart) / (double)total:F0} bytes per active grain");
        Console.WriteLine($"resident set: +{(rssEnd - rssStart) / 1048576.0:F1} MiB = {(rssEnd - rssStart) / (double)total:F0} bytes per active grain");
        Console.WriteLine($"result: {Math.Max(heapEnd - heapStart, rssEnd - rssStart) / (double)total / 1024:F2} KB per active grain (target ≤ 4 KB)");
        // The whole silo as the operating system sees it, holding every grain above (and the runtime's own): measured, not extrapolated.
        var held = await ActivationsAsync();
        Console.WriteLine($"the silo's process holding {held:N0} activations: resident set {rssEnd / 1048576.0:F0} MiB, managed heap {heapEnd / 1048576.0:F0} MiB, "
            + $"{Environment.ProcessorCount} cores, server GC {System.Runtime.GCSettings.IsServerGC}");
        await host.StopAsync();
    }

    private static async Task<List<string>> IdsAsync(NpgsqlDataSource db, string sql)
    {
        var ids = new List<string>();
        await using var command = db.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static (long Heap, long Resident) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }
}

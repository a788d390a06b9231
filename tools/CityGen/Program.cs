using System.Diagnostics;
using Npgsql;
using OpsCentre.CityGen;
using OpsCentre.Grains.Map;

// The demo city: 成都市's real divisions and district boundaries (ChengduDivisions), generated streets, communities and grids.
//   generate <size> <dir> [seed]               write map.geojson, workers.csv, key-persons.csv, divisions.csv; size is one of
//                                              city (all of 成都市), central (510104–510108), large, tiny, suite (CitySize; demo = city)
//   load <dir>                                 import them (ConnectionStrings__OpsCentre) through the real import path
//   ensure <size> <dir> [seed]                 generate (unless <dir> holds a complete generation) and import every file not yet
//                                              imported with success — so a first start killed half-way is finished by the next;
//                                              then make sure the demo alert rules, case categories, departments and accounts exist
//                                              (missing accounts are created, existing ones left alone), and load the demo
//                                              registries once (RegistryDemo; OPSCENTRE_REGISTRY_SCALE=demo|bench, key from
//                                              Registries__PersonalDataKey). Only with OPSCENTRE_DEMO=on.
if (args.Length < 2 || args[0] is not ("generate" or "load" or "ensure"))
{
    Console.Error.WriteLine("usage: OpsCentre.CityGen generate|ensure <city|central|large|tiny|suite> <dir> [seed] | load <dir>");
    return 2;
}

var clock = Stopwatch.StartNew();
void Say(string message) => Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {message}");

try
{
    if (args[0] == "load")
    {
        return await LoadAsync(args[1]);
    }

    if (args[0] == "ensure" && !DemoSeeding.Requested())
    {
        Console.Error.WriteLine($"refusing to seed demo data without {DemoSeeding.FlagVariable}=on: the demo city and its accounts (known passwords) "
            + "belong only in a database made for the demo; scripts/run.sh sets it for the PostgreSQL it provisions itself");
        return 2;
    }

    var size = CitySize.Parse(args[1]);
    var directory = args.ElementAtOrDefault(2) ?? throw new ArgumentException("a directory is required");
    var seed = args.Length > 3 ? int.Parse(args[3]) : 20261129;
    // A generation is complete once its marker is written, after every file: files cut short by a killed start are made again.
    var complete = Path.Combine(directory, ".complete-" + size.Name + "-" + seed);
    if (args[0] == "ensure" && File.Exists(complete))
    {
        Say($"reusing the {size.Name} city generated in {directory}");
    }
    else
    {
        Say($"generating the {size.Name} city (seed {seed})");
        var city = new CityGenerator(size, seed, Say).Generate();
        if (File.Exists(complete))
        {
            File.Delete(complete);
        }

        await CityFiles.WriteAsync(city, directory);
        await File.WriteAllTextAsync(complete, TimeProvider.System.GetUtcNow().ToString("O"));
        Say($"wrote {city.Units.Count} units, {city.Workers.Count} workers, {city.KeyPersons.Count} key persons to {directory}");
    }

    if (args[0] != "ensure")
    {
        return 0;
    }

    var loaded = await LoadAsync(directory, onlyMissing: true);
    return loaded != 0 ? loaded : await EnsureRulesAsync() is var rules and not 0 ? rules : await EnsureRegistriesAsync(seed);
}
catch (Exception ex) when (ex is ArgumentException or IOException or NpgsqlException or InvalidOperationException)
{
    Console.Error.WriteLine("city generation failed: " + ex.Message);
    return 1;
}

async Task<int> LoadAsync(string directory, bool onlyMissing = false)
{
    await using var dataSource = NpgsqlDataSource.Create(ConnectionString());
    var problems = await CityLoader.LoadAsync(dataSource, directory, Say, onlyMissing);
    foreach (var problem in problems.Take(20))
    {
        Console.Error.WriteLine("  " + problem);
    }

    if (problems.Count > 0)
    {
        Console.Error.WriteLine($"nothing imported from that file; {problems.Count} problem(s)");
    }

    return problems.Count == 0 ? 0 : 1;
}

async Task<int> EnsureRulesAsync()
{
    await using var dataSource = NpgsqlDataSource.Create(ConnectionString());
    var rules = await DemoAlertRules.EnsureAsync(new OpsCentre.Grains.Alerts.AlertRuleStore(dataSource));
    Say($"demo alert rules ready ({rules} created, {DemoAlertRules.All.Count - rules} already there)");
    var districts = await new MapStore(dataSource).ChildrenAsync("5101");
    await DemoIncidentCatalog.EnsureAsync(new OpsCentre.Grains.Incidents.IncidentCatalog(dataSource), districts.Select(d => (d.Code, d.Name)));
    Say($"case categories ({DemoIncidentCatalog.Categories.Count}) and departments of {districts.Count} districts ready");
    var accounts = await DemoSeeding.CreateMissingAccountsAsync(dataSource, districts.Select(d => d.Code));
    Say($"demo accounts ready ({(accounts.Count == 0 ? "none created" : "created " + string.Join(", ", accounts))}; existing accounts left as they are)");
    return 0;
}

async Task<int> EnsureRegistriesAsync(int seed)
{
    // One COPY per registry in one transaction: at the benchmark's scale the server's answer to a COPY's end (its GIN
    // indexes updated) takes longer than the default 30 s command timeout.
    await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(ConnectionString()) { CommandTimeout = 0 }.ConnectionString);
    if (await RegistryDemo.LoadedAsync(dataSource))
    {
        Say("registries hold rows already: left as they are");
        return 0;
    }

    var cipher = OpsCentre.Database.Registries.PersonalDataCipher.FromBase64(Environment.GetEnvironmentVariable("Registries__PersonalDataKey"));
    var grids = await RegistryDemo.GridsAsync(dataSource);
    var scale = RegistryScale.Parse(Environment.GetEnvironmentVariable("OPSCENTRE_REGISTRY_SCALE"), grids.Count);
    Say($"generating and loading the {scale.Name} registries of {grids.Count} grids");
    await RegistryDemo.LoadAsync(dataSource, cipher, grids, scale, seed, DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime), Say);
    return 0;
}

static string ConnectionString() =>
    Environment.GetEnvironmentVariable("ConnectionStrings__OpsCentre") is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException("ConnectionStrings__OpsCentre is not set");

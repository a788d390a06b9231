using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpsCentre.CityGen;
using OpsCentre.Database.Devices;
using OpsCentre.Grains;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Devices;
using OpsCentre.Grains.Units;
using OpsCentre.ServiceDefaults;
using OpsCentre.Silo;
using OpsCentre.Testing;
using Orleans.Runtime;

namespace OpsCentre.Benchmarks;

/// <summary>
/// A cold start of the whole city after a long stop. Loads a generated city with the demo rules into a private PostgreSQL,
/// starts one silo in this process with the production configuration (offline after 2 minutes, silence reminders every
/// minute, the startup grace), gives every grid worker a phone and every key person a wristband, activates every unit,
/// worker and key-person grain and has every device report once, so that every device holds its durable wake-up. Stops
/// the silo; the grains' clock moves on by the stop (three hours by default) and the silo starts again on the same
/// database: every reminder is due within its period (the activation storm), every device has been silent for hours.
/// Nine in ten devices report again from the first second (phones and wristbands coming back), one in ten stays silent.
/// Prints, second by second, the activations, the alerts opened and any call that timed out, then: the start, when every
/// device grain was active again (steady state), the reports' latency, and whether the alerts were the silent devices'
/// absence alerts only, opened after the grace and spread, not a storm.
/// </summary>
public static class ColdStartBenchmark
{
    private static readonly string PersonalDataKey = Database.Registries.PersonalDataCipher.NewKey();

    /// <param name="citySilence">
    /// Whether the devices that come back report once only, so that all of them go offline together two minutes later:
    /// a city-wide mobile-network outage right after the start (docs/benchmarks.md, "Cold start of the whole city").
    /// </param>
    public static async Task<int> RunAsync(CitySize size, TimeSpan stop, bool citySilence = false)
    {
        await using var postgres = await PrivatePostgres.StartAsync();
        var database = await postgres.CreateDatabaseAsync("cold_start_benchmark");
        await using var db = NpgsqlDataSource.Create(database.AppConnectionString);
        var load = Stopwatch.StartNew();
        var city = await CityLoader.GenerateAndLoadAsync(db, size, 20261204);
        await DemoAlertRules.EnsureAsync(new AlertRuleStore(db));
        var credentials = new DeviceCredentialStore(db);
        var devices = new List<(string Id, double Lat, double Lon)>();
        foreach (var worker in city.Workers)
        {
            await credentials.IssueAsync("cold-phone-" + worker.Id, DeviceKinds.WorkerPhone, worker.Id);
            devices.Add(("cold-phone-" + worker.Id, worker.Lat, worker.Lon));
        }

        foreach (var person in city.KeyPersons)
        {
            await credentials.IssueAsync("cold-band-" + person.Id, DeviceKinds.Wristband, person.Id);
            devices.Add(("cold-band-" + person.Id, person.Lat, person.Lon));
        }

        Console.WriteLine($"{size.Name} city: {city.Units.Count:N0} units, {city.Workers.Count:N0} workers, {city.KeyPersons.Count:N0} key persons, "
            + $"{devices.Count:N0} devices, loaded in {load.Elapsed.TotalSeconds:F0} s");

        var clock = new ShiftedClock();
        var timeouts = new TimeoutCounter();
        var seq = 0L;
        DeviceStatus StatusOf((string Id, double Lat, double Lon) d)
        {
            var n = Interlocked.Increment(ref seq);
            return new($"cold-{n}", n, clock.GetUtcNow(), d.Lat, d.Lon, 5, 80, true, d.Id.StartsWith("cold-band-", StringComparison.Ordinal) ? true : null);
        }

        // Before the stop: every grain of the city model active, every device heard once and watched by its reminder.
        using (var before = BuildSilo(database.AppConnectionString, clock, timeouts))
        {
            await before.StartAsync();
            var grains = before.Services.GetRequiredService<IGrainFactory>();
            var warm = Stopwatch.StartNew();
            await InChunksAsync(city.Units.Select(u => (Func<Task>)(() => grains.GetGrain<IUnitGrain>(u.Code).Snapshot())));
            await InChunksAsync(city.Workers.Select(w => (Func<Task>)(() => grains.GetGrain<Grains.Workers.IWorkerGrain>(w.Id).Snapshot())));
            await InChunksAsync(city.KeyPersons.Select(p => (Func<Task>)(() => grains.GetGrain<Grains.KeyPersons.IKeyPersonGrain>(p.Id).Snapshot())));
            await InChunksAsync(devices.Select(d => (Func<Task>)(() => grains.GetGrain<IDeviceGrain>(d.Id).Report([StatusOf(d)]))));
            Console.WriteLine($"before the stop: every grain active and every device heard in {warm.Elapsed.TotalSeconds:F0} s; "
                + $"{await ScalarAsync(db, "SELECT count(*) FROM orleans_reminder"):N0} reminders; "
                + $"{await ScalarAsync(db, "SELECT count(*) FROM alert WHERE state = 'firing'"):N0} alerts firing");
            var stopping = Stopwatch.StartNew();
            await before.StopAsync();
            Console.WriteLine($"stopped in {stopping.Elapsed.TotalSeconds:F1} s (every active grain deactivated, its state written)");
        }

        // The long stop, for the grains' clock; Orleans' reminders are all due within their periods of the start, whatever the stop.
        clock.Offset = stop;
        var restartedAt = clock.GetUtcNow();
        var firingBefore = await ScalarAsync(db, "SELECT count(*) FROM alert WHERE state = 'firing'");
        timeouts.Reset();
        var start = Stopwatch.StartNew();
        using var after = BuildSilo(database.AppConnectionString, clock, timeouts);
        await after.StartAsync();
        var started = start.Elapsed;
        Console.WriteLine($"after a stop of {stop.TotalHours:F0} h: the silo started in {started.TotalSeconds:F1} s");
        var management = after.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var factory = after.Services.GetRequiredService<IGrainFactory>();

        // Nine in ten devices come back at once, as the city's phones and wristbands do, and go on reporting every 30 s
        // (a device that reported once and then fell silent would go offline two minutes later: another benchmark);
        // the first report of each is timed, the cold one.
        var returning = devices.Where((_, i) => i % 10 != 0).ToList();
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        using var watching = new CancellationTokenSource();
        var reports = Task.Run(async () =>
        {
            await InChunksAsync(returning.Select(d => (Func<Task>)(async () =>
            {
                var sent = Stopwatch.GetTimestamp();
                await factory.GetGrain<IDeviceGrain>(d.Id).Report([StatusOf(d)]);
                latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            })));
        });
        var cadence = Task.Run(async () =>
        {
            await reports;
            if (citySilence)
            {
                return;
            }

            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(30));
            while (await timer.WaitForNextTickAsync(watching.Token).AsTask().ContinueWith(t => !t.IsCanceled && t.Result))
            {
                // Spread over the 30 s, as devices' clocks are: a tenth of them every 3 s.
                foreach (var part in returning.Chunk(Math.Max(1, returning.Count / 10)))
                {
                    await InChunksAsync(part.Select(d => (Func<Task>)(() => factory.GetGrain<IDeviceGrain>(d.Id).Report([StatusOf(d)]))));
                    await Task.Delay(TimeSpan.FromSeconds(3));
                }
            }
        });

        // Watched until every device grain is active again, the grace is over (2 minutes plus a phase within the
        // 1-minute reminder period) and the absence alerts have had a minute more to open.
        var grace = TimeSpan.FromMinutes(2) + TimeSpan.FromMinutes(1);
        TimeSpan? steady = null;
        var maxPerSecond = 0L;
        var lastAlerts = 0L;
        var withinGrace = 0L;
        while (start.Elapsed < grace + TimeSpan.FromMinutes(1.5))
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var statistics = await management.GetSimpleGrainStatistics();
            var deviceActivations = statistics.Where(s => s.GrainType.Contains("Device", StringComparison.OrdinalIgnoreCase)).Sum(s => s.ActivationCount);
            var alerts = await ScalarAsync(db, "SELECT count(*) FROM alert WHERE raised_at >= @t", restartedAt);
            maxPerSecond = Math.Max(maxPerSecond, alerts - lastAlerts);
            lastAlerts = alerts;
            if (start.Elapsed < TimeSpan.FromMinutes(2))
            {
                withinGrace = alerts;
            }

            if (steady is null && deviceActivations >= devices.Count && reports.IsCompleted)
            {
                steady = start.Elapsed;
            }

            if ((int)start.Elapsed.TotalSeconds % 10 == 0)
            {
                Console.WriteLine($"  {start.Elapsed.TotalSeconds,4:F0} s: {statistics.Sum(s => s.ActivationCount),9:N0} activations ({deviceActivations:N0} devices), "
                    + $"{latencies.Count:N0} reports back, {alerts:N0} alerts opened since the start, {timeouts.Count} timeouts");
            }
        }

        await reports;
        watching.Cancel();
        await cadence;
        var sorted = latencies.Order().ToArray();
        double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
        var opened = await ScalarAsync(db, "SELECT count(*) FROM alert WHERE raised_at >= @t", restartedAt);
        var absence = await ScalarAsync(db, "SELECT count(*) FROM alert WHERE raised_at >= @t AND rule_id = 'worker-device-silent'", restartedAt);
        var silentPhones = devices.Where((d, i) => i % 10 == 0 && d.Id.StartsWith("cold-phone-", StringComparison.Ordinal)).Count();
        Console.WriteLine($"steady state (every device grain active, every report answered): {(steady is { } s ? $"{s.TotalSeconds:F1} s" : "not reached")} after the start");
        Console.WriteLine($"reports of the {returning.Count:N0} devices back: p50 {Percentile(0.5):F1} / p99 {Percentile(0.99):F1} / max {Percentile(1):F1} ms");
        Console.WriteLine($"calls timed out: {timeouts.Count}");
        Console.WriteLine($"alerts firing before the stop: {firingBefore:N0}; opened within the first 2 minutes (the grace): {withinGrace:N0}; "
            + $"opened in all: {opened:N0}, of them {absence:N0} silent phones' (worker-device-silent; {silentPhones:N0} phones stayed silent); most in one second: {maxPerSecond:N0}");
        // The city's counters once everything has settled: the workers whose phones report now, none counted twice or lost.
        var onlinePhones = citySilence ? 0 : returning.Count(d => d.Id.StartsWith("cold-phone-", StringComparison.Ordinal));
        var city5101 = (await factory.GetGrain<IUnitGrain>("5101").Totals()).Counters;
        Console.WriteLine($"the city counts {city5101.WorkersOnline:N0} workers online; {onlinePhones:N0} phones are reporting");
        await using (var command = db.CreateCommand("SELECT rule_id, count(*), min(raised_at), max(raised_at) FROM alert WHERE raised_at >= @t GROUP BY rule_id ORDER BY 2 DESC"))
        {
            command.Parameters.AddWithValue("t", restartedAt);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var (first, last) = (reader.GetFieldValue<DateTimeOffset>(2) - restartedAt, reader.GetFieldValue<DateTimeOffset>(3) - restartedAt);
                Console.WriteLine($"  {reader.GetString(0)}: {reader.GetInt64(1):N0}, opened {first.TotalSeconds:F0} – {last.TotalSeconds:F0} s after the start");
            }
        }

        await after.StopAsync();
        await postgres.DropDatabaseAsync("cold_start_benchmark");
        return steady is not null && timeouts.Count == 0 && withinGrace == 0 && city5101.WorkersOnline == onlinePhones ? 0 : 1;
    }

    private static IHost BuildSilo(string connectionString, TimeProvider clock, TimeoutCounter timeouts)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:OpsCentre"] = connectionString,
            ["Orleans:ClusterId"] = "cold-start-benchmark",
            ["Orleans:ServiceId"] = "cold-start-benchmark",
            ["Orleans:SiloPort"] = FreePort.Next().ToString(),
            ["Orleans:GatewayPort"] = FreePort.Next().ToString(),
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // The registries' key, which the silo's stores require (read from the host's configuration).
        builder.Configuration[OpsCentre.Database.Registries.PersonalDataCipher.ConfigurationKey] = PersonalDataKey;
        builder.Logging.AddProvider(timeouts);
        builder.UseOrleans(silo =>
        {
            silo.AddOpsCentreEndpoints(configuration).AddOpsCentreStorage(configuration);
            silo.Services.AddKeyedSingleton(TimeProviderNames.Grains, clock);
        });
        return builder.Build();
    }

    private static async Task InChunksAsync(IEnumerable<Func<Task>> calls)
    {
        foreach (var chunk in calls.Chunk(500))
        {
            await Task.WhenAll(chunk.Select(c => c()));
        }
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql, DateTimeOffset? t = null)
    {
        await using var command = db.CreateCommand(sql);
        if (t is { } at)
        {
            command.Parameters.AddWithValue("t", at);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>The system's clock moved on by <see cref="Offset"/>: the grains' clock across the benchmark's stop.</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
    }

    /// <summary>Counts what the silo logs about calls that timed out.</summary>
    private sealed class TimeoutCounter : ILoggerProvider
    {
        private int _count;

        public int Count => _count;

        public void Reset() => _count = 0;

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(TimeoutCounter counter) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (exception is TimeoutException || exception?.InnerException is TimeoutException
                    || formatter(state, exception).Contains("timed out", StringComparison.OrdinalIgnoreCase)
                    || formatter(state, exception).Contains("did not arrive on time", StringComparison.OrdinalIgnoreCase))
                {
                    Interlocked.Increment(ref counter._count);
                }
            }
        }
    }
}

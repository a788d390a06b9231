using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using OpsCentre.Database.Devices;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Devices;
using OpsCentre.Silo;
using OpsCentre.Testing;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace OpsCentre.Grains.Tests.Devices;

/// <summary>
/// A calm restart: a whole cluster stopped for hours and started again. On a database and a cluster of the test's own
/// (a clock of its own too), so the stop and start touch nothing the other tests rely on; in the shared collection, so
/// it never runs beside them.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class CalmRestartTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(2); // Devices:OfflineAfter, the default grace

    [Fact]
    public async Task AfterALongStopSilentDevicesWaitOutTheStartupGraceAndOnlyThoseStillSilentThenRaiseTheirAbsenceAlerts()
    {
        var database = await fixture.Postgres.CreateDatabaseAsync("calm_restart");
        await using var db = NpgsqlDataSource.Create(database.AppConnectionString);
        var city = await CityGen.CityLoader.GenerateAndLoadAsync(db, CityGen.CitySize.Tiny, seed: 11);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));
        var (stays, returns) = (city.Workers[0], city.Workers.First(w => w.Grid != city.Workers[0].Grid));
        var (staying, returning) = ("calm-stays-" + Guid.NewGuid().ToString("N")[..8], "calm-back-" + Guid.NewGuid().ToString("N")[..8]);
        var credentials = new DeviceCredentialStore(db);
        await credentials.IssueAsync(staying, "worker-phone", stays.Id);
        await credentials.IssueAsync(returning, "worker-phone", returns.Id);
        var rule = new RuleDraft("t-calm-silent", "Phone silent 10 min", "absence", SubjectKinds.Device, "5101", AlertSeverity.Warning,
            """{"signal":"status","afterSeconds":600}""", 0, 0, null, true);
        Assert.Equal(ChangeOutcome.Stored, (await new AlertRuleStore(db).SaveAsync(rule, 0, "tests", "calm-rule")).Outcome);
        var seq = 0L;
        DeviceStatus StatusOf(CityGen.GeneratedWorker w) => new($"op-{Guid.NewGuid():N}", ++seq, clock.GetUtcNow(), w.Lat, w.Lon, 5, 80, true, null);

        // Both phones report, then the whole cluster stops for three hours.
        await using (var before = await StartClusterAsync(database.AppConnectionString, clock))
        {
            await before.Client.GetGrain<IDeviceGrain>(staying).Report([StatusOf(stays)]);
            await before.Client.GetGrain<IDeviceGrain>(returning).Report([StatusOf(returns)]);
            await before.StopAllSilosAsync();
        }

        clock.Advance(TimeSpan.FromHours(3));
        var restartedAt = clock.GetUtcNow();
        await using var after = await StartClusterAsync(database.AppConnectionString, clock);
        async Task<int> AlertsOfAsync(string device) =>
            (await db.RowsAsync("SELECT 1 FROM alert WHERE rule_id = 't-calm-silent' AND subject_id = @d", r => r.GetInt32(0), ("d", device))).Count;

        // Their reminders wake both (overdue since the stop): offline, silent for hours — and no absence alert yet.
        await GrainKit.EventuallyAsync(async () => !(await after.Client.GetGrain<IDeviceGrain>(staying).Health()).Online, "the silent phone is offline", seconds: 30);
        await GrainKit.EventuallyAsync(async () => !(await after.Client.GetGrain<IDeviceGrain>(returning).Health()).Online, "the other phone is offline", seconds: 30);
        await Consistently.HoldsAsync(async () => await AlertsOfAsync(staying) + await AlertsOfAsync(returning), n => n == 0, TimeSpan.FromSeconds(3),
            "no absence alert within the grace, though both have been silent for three hours");

        // One phone comes back within the grace; once it has passed, only the one still silent raises its alert.
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal([StatusOutcome.Applied], await after.Client.GetGrain<IDeviceGrain>(returning).Report([StatusOf(returns)]));
        clock.Advance(Grace); // past the grace and any device's phase within the (2 s) reminder period
        await GrainKit.EventuallyAsync(async () => await AlertsOfAsync(staying) == 1, "the phone still silent raises its absence alert", seconds: 30);
        var raisedAt = (await db.RowsAsync("SELECT raised_at FROM alert WHERE rule_id = 't-calm-silent' AND subject_id = @d", r => r.GetFieldValue<DateTimeOffset>(0), ("d", staying))).Single();
        Assert.True(raisedAt >= restartedAt + Grace, $"raised at {raisedAt}, not before the grace ended ({restartedAt + Grace})");
        await Consistently.HoldsAsync(async () => await AlertsOfAsync(returning), n => n == 0, TimeSpan.FromSeconds(1), "the phone that came back raises none");

        await after.StopAllSilosAsync();
    }

    [Fact]
    public void ReminderPhasesAreSpreadOverThePeriodAndStablePerGrain()
    {
        var period = TimeSpan.FromMinutes(1);
        var phases = Enumerable.Range(0, 2000).Select(i => DurableWakeUp.PhaseOf($"dev-worker-phone-{i:D6}", period)).ToList();
        Assert.All(phases, p => Assert.InRange(p, TimeSpan.Zero, period - TimeSpan.FromMilliseconds(1)));
        // 2,000 devices registered in one second would all tick in that second; spread, no second of the minute holds more than a tenth.
        Assert.True(phases.GroupBy(p => (int)p.TotalSeconds).Max(g => g.Count()) < 200, "phases bunch in one second");
        Assert.Equal(60, phases.Select(p => (int)p.TotalSeconds).Distinct().Count());
        Assert.Equal(DurableWakeUp.PhaseOf("dev-1", period), DurableWakeUp.PhaseOf("dev-1", period));
    }

    private static async Task<InProcessTestCluster> StartClusterAsync(string connectionString, FakeTimeProvider clock)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:OpsCentre"] = connectionString,
            ["Orleans:Reminders:MinimumReminderPeriod"] = "00:00:01",
            ["Devices:OfflineAfter"] = "00:02:00",
            ["Devices:SilenceReminderPeriod"] = "00:00:02",
            ["Alerts:RuleRefresh"] = "00:00:00.050",
            ["Alerts:ReminderPeriod"] = "00:00:02",
        }).Build();
        var builder = new InProcessTestClusterBuilder(1);
        // The same service before and after the stop: the reminders and the devices' state are its.
        builder.Options.ServiceId = "calm-restart";
        builder.Options.ClusterId = "calm-restart";
        builder.ConfigureSilo((_, silo) =>
        {
            // The registries' key (the notification dispatcher seals subscriptions' secrets with it); the test host's own configuration has none.
            silo.Services.AddSingleton(OpsCentre.Database.Registries.PersonalDataCipher.FromBase64(OpsCentre.Database.Registries.PersonalDataCipher.NewKey()));
            silo.AddOpsCentreStorage(configuration);
            silo.Services.AddKeyedSingleton<TimeProvider>(TimeProviderNames.Grains, clock);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}

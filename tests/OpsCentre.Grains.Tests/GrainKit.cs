using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsCentre.CityGen;
using OpsCentre.Database.Devices;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Devices;
using OpsCentre.Grains.Units;
using OpsCentre.Testing;
using Orleans.Runtime;

namespace OpsCentre.Grains.Tests;

/// <summary>
/// What the grain tests share: parts of the city taken from the fixture's allocator, devices and their
/// statuses, rules that every silo has picked up, the alert list the database keeps, unit counters,
/// killing and restoring silos, and waiting (<see cref="Eventually"/> and <see cref="Consistently"/>,
/// with the errors of a cluster that is still noticing a dead silo counted as "not yet").
/// </summary>
public sealed class GrainKit(ClusterFixture fixture)
{
    // One sequence for every status of the run: each device sees its statuses in increasing seq.
    private static long s_seq;

    public NpgsqlDataSource Db => fixture.Db;

    /// <summary>The run's allocator: a fresh worker, key person or grid for each test that changes one.</summary>
    public TestCity Fresh => fixture.Fresh;

    public AlertRuleStore Rules => new(Db);

    // ---- devices

    /// <summary>A device of <paramref name="kind"/> bound to <paramref name="boundTo"/>, its key issued in the database as provisioning does.</summary>
    public async Task<IDeviceGrain> DeviceForAsync(string boundTo, string kind = "worker-phone")
    {
        var deviceId = $"dev-{kind}-{Guid.NewGuid():N}"[..24];
        await new DeviceCredentialStore(Db).IssueAsync(deviceId, kind, boundTo);
        return fixture.Client.GetGrain<IDeviceGrain>(deviceId);
    }

    /// <summary>A phone for <paramref name="worker"/>, or for a fresh worker from the allocator.</summary>
    public async Task<(IDeviceGrain Device, GeneratedWorker Worker)> WorkerDeviceAsync(GeneratedWorker? worker = null)
    {
        worker ??= Fresh.Worker();
        return (await DeviceForAsync(worker.Id), worker);
    }

    /// <summary>A status at the grain clock's now, with the next seq.</summary>
    public DeviceStatus Status(double lat, double lon, double battery = 80, bool? onDuty = true, bool? strapIntact = null) =>
        new($"op-{Guid.NewGuid():N}", Interlocked.Increment(ref s_seq), fixture.GrainClock.GetUtcNow(), lat, lon, 5, battery, onDuty, strapIntact);

    /// <summary>A worker's phone status, at the worker's home position unless told otherwise.</summary>
    public DeviceStatus Status(GeneratedWorker worker, double battery, double? lat = null, double? lon = null) =>
        Status(lat ?? worker.Lat, lon ?? worker.Lon, battery);

    /// <summary>A wristband's status: strap intact, no duty flag.</summary>
    public DeviceStatus BandStatus(double lat, double lon) => Status(lat, lon, battery: 90, onDuty: null, strapIntact: true);

    // ---- rules and alerts

    /// <summary>Stores a rule (a new one, or the next version) and waits until every silo's copy of the rules has it.</summary>
    public async Task<AlertRule> SaveRuleAsync(RuleDraft draft, int expectedVersion = 0)
    {
        Assert.Empty(draft.Validate());
        var (outcome, rule) = await Rules.SaveAsync(draft, expectedVersion, "tests", Guid.NewGuid().ToString("N"));
        Assert.Equal(ChangeOutcome.Stored, outcome);
        await RulesEverywhereAsync();
        return rule!;
    }

    /// <summary>Silences <paramref name="ruleId"/> in <paramref name="unitScope"/> and waits until every silo's copy of the rules has the silence.</summary>
    public async Task SilenceAsync(string unitScope, string ruleId, DateTimeOffset startsAt, DateTimeOffset endsAt, string reason)
    {
        await Rules.CreateSilenceAsync(unitScope, ruleId, startsAt, endsAt, reason, "tests", Guid.NewGuid().ToString("N"));
        await RulesEverywhereAsync();
    }

    public static RuleDraft Battery(string id, string scope, int pending = 0, int recovery = 60, EscalationPolicy? escalation = null, double below = 20) =>
        new(id, "Battery low " + id, "threshold", SubjectKinds.Device, scope, AlertSeverity.Warning,
            $$"""{"metric":"batteryPct","op":"<","value":{{below}}}""", pending, recovery, escalation, true);

    public sealed record ListedAlert(string Id, string State, string ResponsibleUnitCode, int RuleVersion);

    /// <summary>The alerts of one rule for one subject, oldest first, from the list the database keeps beside the log.</summary>
    public async Task<IReadOnlyList<ListedAlert>> AlertsAsync(string ruleId, string subjectId) =>
        await Db.RowsAsync(
            "SELECT id, state, responsible_unit_code, rule_version FROM alert WHERE rule_id = @r AND subject_id = @s ORDER BY raised_at, last_seq",
            r => new ListedAlert(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3)),
            ("r", ruleId), ("s", subjectId));

    public Task<IReadOnlyList<ListedAlert>> WaitForAlertsAsync(string ruleId, string subjectId, Func<IReadOnlyList<ListedAlert>, bool> condition, string what, int seconds = 15) =>
        EventuallyAsync(() => AlertsAsync(ruleId, subjectId), condition, what, seconds);

    /// <summary>Fails unless the alerts of one rule for one subject satisfy <paramref name="condition"/> throughout <paramref name="period"/>.</summary>
    public Task<IReadOnlyList<ListedAlert>> AlertsStayAsync(string ruleId, string subjectId, Func<IReadOnlyList<ListedAlert>, bool> condition, string what, TimeSpan period) =>
        Consistently.HoldsAsync(() => AlertsAsync(ruleId, subjectId), condition, period, what, a => string.Join(", ", a.Select(x => $"{x.State}@{x.ResponsibleUnitCode}")));

    public async Task<string[]> HistoryAsync(string alertId) =>
        [.. (await fixture.Client.GetGrain<IAlertGrain>(alertId).Detail())!.History.Select(h => h.Type)];

    // ---- units

    /// <summary>The unit's counters as its grain totals them now.</summary>
    public async Task<UnitCounters> CountersAsync(string unitCode) =>
        (await fixture.Client.GetGrain<IUnitGrain>(unitCode).Totals()).Counters;

    // ---- silos

    /// <summary>Kills the silo an activation lives on; returns once it is gone.</summary>
    public async Task KillSiloHostingAsync(GrainId grain)
    {
        var stats = await fixture.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var host = stats.Single(s => s.GrainId == grain).SiloAddress;
        await fixture.Cluster.KillSiloAsync(fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(host)));
    }

    /// <summary>Brings the cluster back to two silos after a kill.</summary>
    public async Task RestoreClusterAsync()
    {
        await fixture.Cluster.StartAdditionalSiloAsync();
        await fixture.Cluster.WaitForLivenessToStabilizeAsync();
    }

    // ---- waiting

    /// <summary>Errors of a cluster that is still noticing a dead silo or placing an activation again.</summary>
    public static bool IsTransient(Exception error) => error is OrleansException or TimeoutException;

    /// <summary><see cref="Eventually.HoldsAsync{T}"/> with the cluster's transient errors counted as "not yet".</summary>
    public static Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, string what, int seconds = 15, Func<T, string>? describe = null) =>
        Eventually.HoldsAsync(probe, condition, TimeSpan.FromSeconds(seconds), what, IsTransient, TimeSpan.FromMilliseconds(100), describe);

    public static Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 15) =>
        EventuallyAsync(condition, held => held, what, seconds);

    /// <summary>Retries <paramref name="action"/> while the cluster answers with transient errors (callers retry with the same op id).</summary>
    public static Task<T> RetryAsync<T>(Func<Task<T>> action, string what, int seconds = 90) =>
        Eventually.SucceedsAsync(action, TimeSpan.FromSeconds(seconds), what, IsTransient, TimeSpan.FromMilliseconds(200));

    private Task RulesEverywhereAsync() => EventuallyAsync(async () =>
    {
        var revision = await Rules.RevisionAsync();
        foreach (var silo in fixture.Cluster.Silos)
        {
            if ((await silo.ServiceProvider.GetRequiredService<RuleBook>().CurrentAsync()).Revision < revision)
            {
                return false;
            }
        }

        return true;
    }, "every silo's copy of the rules up to date");
}

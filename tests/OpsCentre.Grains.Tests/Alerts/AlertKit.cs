using Npgsql;
using OpsCentre.Database.Devices;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Devices;
using Orleans.Runtime;

namespace OpsCentre.Grains.Tests.Alerts;

/// <summary>What the alert tests share: rules and devices in the real database, and looks at the alert list the database keeps.</summary>
public sealed class AlertKit(ClusterFixture fixture)
{
    private long _seq;

    public NpgsqlDataSource Db { get; } = NpgsqlDataSource.Create(fixture.Database.AppConnectionString);

    public AlertRuleStore Rules => new(Db);

    /// <summary>Stores a rule (a new one, or the next version) and waits until every silo's copy of the rules has it.</summary>
    public async Task<AlertRule> SaveRuleAsync(RuleDraft draft, int expectedVersion = 0)
    {
        Assert.Empty(draft.Validate());
        var (outcome, rule) = await Rules.SaveAsync(draft, expectedVersion, "tests", Guid.NewGuid().ToString("N"));
        Assert.Equal(ChangeOutcome.Stored, outcome);
        await Task.Delay(300); // Alerts:RuleRefresh is 50 ms in this cluster
        return rule!;
    }

    public static RuleDraft Battery(string id, string scope, int pending = 0, int recovery = 60, EscalationPolicy? escalation = null, double below = 20) =>
        new(id, "Battery low " + id, "threshold", SubjectKinds.Device, scope, AlertSeverity.Warning,
            $$"""{"metric":"batteryPct","op":"<","value":{{below}}}""", pending, recovery, escalation, true);

    public async Task<(IDeviceGrain Device, CityGen.GeneratedWorker Worker)> WorkerDeviceAsync(int workerIndex)
    {
        var worker = fixture.City.Workers[workerIndex];
        var deviceId = $"dev-alert-{workerIndex}-{Guid.NewGuid():N}"[..24];
        await new DeviceCredentialStore(Db).IssueAsync(deviceId, "worker-phone", worker.Id);
        return (fixture.Client.GetGrain<IDeviceGrain>(deviceId), worker);
    }

    public DeviceStatus Status(CityGen.GeneratedWorker worker, double battery, double? lat = null, double? lon = null) =>
        new($"op-{Guid.NewGuid():N}", Interlocked.Increment(ref _seq), fixture.GrainClock.GetUtcNow(), lat ?? worker.Lat, lon ?? worker.Lon, 5, battery, OnDuty: true, StrapIntact: null);

    public sealed record ListedAlert(string Id, string State, string ResponsibleUnitCode, int RuleVersion);

    /// <summary>The alerts of one rule for one subject, oldest first, from the list the database keeps beside the log.</summary>
    public async Task<IReadOnlyList<ListedAlert>> AlertsAsync(string ruleId, string subjectId)
    {
        await using var command = Db.CreateCommand(
            "SELECT id, state, responsible_unit_code, rule_version FROM alert WHERE rule_id = @r AND subject_id = @s ORDER BY raised_at, last_seq");
        command.Parameters.AddWithValue("r", ruleId);
        command.Parameters.AddWithValue("s", subjectId);
        var alerts = new List<ListedAlert>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            alerts.Add(new ListedAlert(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
        }

        return alerts;
    }

    public Task<IReadOnlyList<ListedAlert>> WaitForAlertsAsync(string ruleId, string subjectId, Func<IReadOnlyList<ListedAlert>, bool> condition, string what, int seconds = 15) =>
        OpsCentre.Testing.Eventually.HoldsAsync(() => AlertsAsync(ruleId, subjectId), condition, TimeSpan.FromSeconds(seconds), what);

    public async Task<string[]> HistoryAsync(string alertId) =>
        [.. (await fixture.Client.GetGrain<IAlertGrain>(alertId).Detail())!.History.Select(h => h.Type)];

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
}

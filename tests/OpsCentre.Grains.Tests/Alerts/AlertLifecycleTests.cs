using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Devices;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.Alerts;

[Collection(nameof(ClusterCollection))]
public sealed class AlertLifecycleTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    private async Task<long> WarningsInGridAsync(string grid) => (await _kit.CountersAsync(grid)).AlertsWarning;

    [Fact]
    public async Task ThresholdFiresOnceForARunOfLowReadingsAndResolvesOnceAfterRecovery()
    {
        var (device, worker) = await _kit.WorkerDeviceAsync();
        await _kit.SaveRuleAsync(GrainKit.Battery("t-threshold", worker.Grid, recovery: 60));
        var warningsBefore = await WarningsInGridAsync(worker.Grid);

        foreach (var battery in new[] { 15.0, 12, 9, 5, 4 })
        {
            await device.Report([_kit.Status(worker, battery)]);
        }

        var alerts = await _kit.AlertsAsync("t-threshold", device.GetPrimaryKeyString());
        var alert = Assert.Single(alerts);
        Assert.Equal(AlertStates.Firing, alert.State);
        Assert.Equal(["alert.raised"], await _kit.HistoryAsync(alert.Id));
        await GrainKit.EventuallyAsync(async () => await WarningsInGridAsync(worker.Grid) == warningsBefore + 1, "the grid counts the firing warning");

        // Recovered, but not yet for the recovery period: still firing, and one good reading is no new episode.
        await device.Report([_kit.Status(worker, 80)]);
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(59));
        await device.Report([_kit.Status(worker, 81)]);
        Assert.Equal(AlertStates.Firing, Assert.Single(await _kit.AlertsAsync("t-threshold", device.GetPrimaryKeyString())).State);

        // The device's own timer resolves it once the recovery period has passed.
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(2));
        await _kit.WaitForAlertsAsync("t-threshold", device.GetPrimaryKeyString(), a => a is [{ State: AlertStates.Resolved }], "resolved after recovery");
        Assert.Equal(["alert.raised", "alert.resolved"], await _kit.HistoryAsync(alert.Id));
        await GrainKit.EventuallyAsync(async () => await WarningsInGridAsync(worker.Grid) == warningsBefore, "the grid no longer counts it");

        // A new episode is a new alert.
        await device.Report([_kit.Status(worker, 3)]);
        var both = await _kit.AlertsAsync("t-threshold", device.GetPrimaryKeyString());
        Assert.Equal([AlertStates.Resolved, AlertStates.Firing], both.Select(a => a.State));
        Assert.NotEqual(both[0].Id, both[1].Id);
    }

    [Fact]
    public async Task PendingPeriodIsRespectedAndAConditionThatClearsEarlyNeverFires()
    {
        var (device, worker) = await _kit.WorkerDeviceAsync();
        await _kit.SaveRuleAsync(GrainKit.Battery("t-pending", worker.Grid, pending: 120, recovery: 0));
        var subject = device.GetPrimaryKeyString();

        // A blip: low, then fine again within the pending period.
        await device.Report([_kit.Status(worker, 10)]);
        Assert.Equal(AlertStates.Pending, Assert.Single(await _kit.AlertsAsync("t-pending", subject)).State);
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(30));
        await device.Report([_kit.Status(worker, 60)]);
        var blip = Assert.Single(await _kit.AlertsAsync("t-pending", subject));
        Assert.Equal(AlertStates.Resolved, blip.State);
        Assert.Equal(["alert.pending", "alert.resolved"], await _kit.HistoryAsync(blip.Id));

        // Low for longer than the pending period: fires when it ends, from the device's own timer.
        await device.Report([_kit.Status(worker, 10)]);
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(119));
        await device.Report([_kit.Status(worker, 9)]);
        Assert.Equal(AlertStates.Pending, (await _kit.AlertsAsync("t-pending", subject))[1].State);
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(2));
        var fired = await _kit.WaitForAlertsAsync("t-pending", subject, a => a.Count == 2 && a[1].State == AlertStates.Firing, "fired after the pending period");
        Assert.Equal(["alert.pending", "alert.raised"], await _kit.HistoryAsync(fired[1].Id));
    }

    [Fact]
    public async Task SilenceSuppressesAndItsExpiryUnsuppresses()
    {
        var (device, worker) = await _kit.WorkerDeviceAsync();
        await _kit.SaveRuleAsync(GrainKit.Battery("t-silenced", worker.Grid));
        var now = fixture.GrainClock.GetUtcNow();
        await _kit.SilenceAsync(worker.Grid, "t-silenced", now - TimeSpan.FromMinutes(1), now + TimeSpan.FromMinutes(10), "replacing batteries");
        var warningsBefore = await WarningsInGridAsync(worker.Grid);

        await device.Report([_kit.Status(worker, 5)]);
        var alert = Assert.Single(await _kit.AlertsAsync("t-silenced", device.GetPrimaryKeyString()));
        Assert.Equal(AlertStates.Suppressed, alert.State);
        Assert.Equal(warningsBefore, await WarningsInGridAsync(worker.Grid));

        fixture.GrainClock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        await _kit.WaitForAlertsAsync("t-silenced", device.GetPrimaryKeyString(), a => a is [{ State: AlertStates.Firing }], "fires when the silence ends");
        Assert.Equal(["alert.suppressed", "alert.raised"], await _kit.HistoryAsync(alert.Id));
        await GrainKit.EventuallyAsync(async () => await WarningsInGridAsync(worker.Grid) == warningsBefore + 1, "the grid counts it once it fires");
    }

    [Fact]
    public async Task UnacknowledgedAlertEscalatesStepByStepAndAnAcknowledgedOneStops()
    {
        var (device, worker) = await _kit.WorkerDeviceAsync();
        var district = worker.Grid[..6];
        var (other, otherWorker) = await _kit.WorkerDeviceAsync(_kit.Fresh.Worker(within: district));
        var community = worker.Grid[..12];
        await _kit.SaveRuleAsync(GrainKit.Battery("t-escalate", district, escalation: new EscalationPolicy(60)));
        await device.Report([_kit.Status(worker, 5)]);
        await other.Report([_kit.Status(otherWorker, 5)]);
        var alert = Assert.Single(await _kit.AlertsAsync("t-escalate", device.GetPrimaryKeyString()));
        var otherAlert = Assert.Single(await _kit.AlertsAsync("t-escalate", other.GetPrimaryKeyString()));
        Assert.Equal(worker.Grid, alert.ResponsibleUnitCode);

        string[] expected = [community, worker.Grid[..9], worker.Grid[..6]];
        for (var step = 0; step < expected.Length; step++)
        {
            fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
            await _kit.WaitForAlertsAsync("t-escalate", device.GetPrimaryKeyString(), a => a[0].ResponsibleUnitCode == expected[step], $"escalated to {expected[step]}");
            if (step == 0)
            {
                await _kit.WaitForAlertsAsync("t-escalate", other.GetPrimaryKeyString(), a => a[0].ResponsibleUnitCode == otherWorker.Grid[..12], "the other escalated to its community");
                var ack = await fixture.Client.GetGrain<IAlertGrain>(otherAlert.Id).Acknowledge("community.staff", "ack-1", "on my way");
                Assert.Equal(AlertActionOutcome.Done, ack.Outcome);
                Assert.Equal("community.staff", ack.Alert!.AcknowledgedBy);
            }
        }

        // At the district it stays, and is urged there again a timeout later (the policy names no other interval);
        // the acknowledged one never went further than its first step.
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
        await GrainKit.EventuallyAsync(async () => (await _kit.HistoryAsync(alert.Id)).Length == 5, "urged again at the district");
        await _kit.AlertsStayAsync("t-escalate", device.GetPrimaryKeyString(), a => a[0].ResponsibleUnitCode == worker.Grid[..6], "still at the district", TimeSpan.FromMilliseconds(500));
        Assert.Equal(["alert.raised", "alert.escalated", "alert.escalated", "alert.escalated", "alert.urged"], await _kit.HistoryAsync(alert.Id));
        var acknowledged = (await _kit.AlertsAsync("t-escalate", other.GetPrimaryKeyString()))[0];
        Assert.Equal(AlertStates.Acknowledged, acknowledged.State);
        Assert.Equal(otherWorker.Grid[..12], acknowledged.ResponsibleUnitCode);

        // Repeating the acknowledgement changes nothing.
        var again = await fixture.Client.GetGrain<IAlertGrain>(otherAlert.Id).Acknowledge("someone.else", "ack-2", null);
        Assert.Equal(AlertActionOutcome.AlreadyDone, again.Outcome);
        Assert.Equal(["alert.raised", "alert.escalated", "alert.acknowledged"], await _kit.HistoryAsync(otherAlert.Id));
    }

    [Fact]
    public async Task AWorkerOutsideTheAssignedGridRaisesAZoneAlertForTheWorker()
    {
        var (device, worker) = await _kit.WorkerDeviceAsync();
        var elsewhere = _kit.Fresh.City.Workers.First(w => w.Grid[..9] != worker.Grid[..9]);   // only a position in another street
        await _kit.SaveRuleAsync(new RuleDraft(
            "t-zone", "Worker outside the assigned grid", "zone", SubjectKinds.Worker, worker.Grid, AlertSeverity.Info,
            """{"zone":"assigned-grid","trigger":"leave"}""", 0, 0, null, true));

        // Positions reach the worker one-way, so the test waits for what follows from them.
        await device.Report([_kit.Status(worker, 80)]);
        await _kit.AlertsStayAsync("t-zone", worker.Id, a => a.Count == 0, "no zone alert inside the grid", TimeSpan.FromMilliseconds(300));
        await device.Report([_kit.Status(worker, 80, elsewhere.Lat, elsewhere.Lon)]);
        await _kit.WaitForAlertsAsync("t-zone", worker.Id, a => a is [{ State: AlertStates.Firing }], "zone alert for the worker");
        await device.Report([_kit.Status(worker, 80)]);
        await _kit.WaitForAlertsAsync("t-zone", worker.Id, a => a is [{ State: AlertStates.Resolved }], "resolved once back in the grid");
    }

    [Fact]
    public async Task ARuleEditTakesEffectWithoutARestart()
    {
        var (device, worker) = await _kit.WorkerDeviceAsync();
        var rule = await _kit.SaveRuleAsync(GrainKit.Battery("t-edit", worker.Grid, below: 20));
        await device.Report([_kit.Status(worker, 30)]);
        Assert.Empty(await _kit.AlertsAsync("t-edit", device.GetPrimaryKeyString()));

        await _kit.SaveRuleAsync(GrainKit.Battery("t-edit", worker.Grid, below: 40), expectedVersion: rule.Version);
        await device.Report([_kit.Status(worker, 30)]);
        var alert = Assert.Single(await _kit.AlertsAsync("t-edit", device.GetPrimaryKeyString()));
        Assert.Equal(AlertStates.Firing, alert.State);
        Assert.Equal(2, alert.RuleVersion);

        // Switching the rule off ends the episode.
        await _kit.SaveRuleAsync(GrainKit.Battery("t-edit", worker.Grid, below: 40) with { Enabled = false }, expectedVersion: 2);
        await device.Report([_kit.Status(worker, 30)]);
        Assert.Equal(AlertStates.Resolved, Assert.Single(await _kit.AlertsAsync("t-edit", device.GetPrimaryKeyString())).State);
    }

    [Fact]
    public async Task ConcurrentAlertsInOneDistrictGetGapFreeSequenceNumbers()
    {
        var first = _kit.Fresh.Worker();
        var district = first.Grid[..6];
        List<CityGen.GeneratedWorker> workers = [first, .. _kit.Fresh.Workers(15, within: district)];
        Assert.True(workers.Count >= 8, "enough workers in one district");
        await _kit.SaveRuleAsync(GrainKit.Battery("t-concurrent", district));
        var devices = await Task.WhenAll(workers.Select(w => _kit.WorkerDeviceAsync(w)));

        await Task.WhenAll(devices.Select(d => d.Device.Report([_kit.Status(d.Worker, 2)])));

        foreach (var (device, _) in devices)
        {
            Assert.Single(await _kit.AlertsAsync("t-concurrent", device.GetPrimaryKeyString()));
        }

        var (count, min, max, distinct) = (await _kit.Db.RowsAsync(
            "SELECT count(*), min(seq), max(seq), count(DISTINCT seq) FROM event_log WHERE district_code = @d",
            r => (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3)), ("d", district))).Single();
        Assert.True(count >= workers.Count);
        Assert.Equal(1, min);
        Assert.Equal(count, max);
        Assert.Equal(count, distinct);
    }
}

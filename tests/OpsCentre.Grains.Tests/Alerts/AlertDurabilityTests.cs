using OpsCentre.Grains.Alerts;

namespace OpsCentre.Grains.Tests.Alerts;

/// <summary>
/// Alerts whose only remaining trigger is the passing of time, after the silo holding them died. The
/// tests watch the alert list in PostgreSQL, never the grains: calling a grain would reactivate it and
/// let its activation notice the time, proving nothing about the durable wake-up (the reminder).
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class AlertDurabilityTests(ClusterFixture fixture)
{
    private readonly AlertKit _kit = new(fixture);

    [Fact]
    public async Task AbsenceFiresFromTheDevicesOwnWakeUpEvenAfterItsSiloWasKilled()
    {
        var (device, worker) = await _kit.WorkerDeviceAsync(40);
        await _kit.SaveRuleAsync(new RuleDraft(
            "t-silent", "Device silent", "absence", SubjectKinds.Device, worker.Grid, AlertSeverity.Warning,
            """{"signal":"status","afterSeconds":600,"deviceKinds":["worker-phone"]}""", 0, 0, null, true));
        await device.Report([_kit.Status(worker, 80)]);
        await _kit.KillSiloHostingAsync(device.GetGrainId());

        fixture.GrainClock.Advance(TimeSpan.FromSeconds(601));
        var alerts = await _kit.WaitForAlertsAsync("t-silent", device.GetPrimaryKeyString(), a => a is [{ State: AlertStates.Firing }], "silence alert after the silo died", seconds: 60);

        await _kit.RestoreClusterAsync();
        // The next status ends the silence, and the episode with it.
        await device.Report([_kit.Status(worker, 80)]);
        await _kit.WaitForAlertsAsync("t-silent", device.GetPrimaryKeyString(), a => a is [{ State: AlertStates.Resolved }], "resolved by the next status");
        Assert.Equal(["alert.raised", "alert.resolved"], await _kit.HistoryAsync(alerts[0].Id));
    }

    [Fact]
    public async Task EscalationContinuesAfterTheSiloHostingTheAlertIsKilled()
    {
        var (device, worker) = await _kit.WorkerDeviceAsync(42);
        await _kit.SaveRuleAsync(AlertKit.Battery("t-escalate-kill", worker.Grid, escalation: new EscalationPolicy(60)));
        await device.Report([_kit.Status(worker, 5)]);
        var alert = Assert.Single(await _kit.AlertsAsync("t-escalate-kill", device.GetPrimaryKeyString()));
        Assert.Equal(worker.Grid, alert.ResponsibleUnitCode);

        await _kit.KillSiloHostingAsync(fixture.Client.GetGrain<IAlertGrain>(alert.Id).GetGrainId());
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
        await _kit.WaitForAlertsAsync("t-escalate-kill", device.GetPrimaryKeyString(), a => a[0].ResponsibleUnitCode == worker.Grid[..12], "escalated after the silo died", seconds: 60);

        await _kit.RestoreClusterAsync();
        Assert.Equal(["alert.raised", "alert.escalated"], await _kit.HistoryAsync(alert.Id));
    }
}

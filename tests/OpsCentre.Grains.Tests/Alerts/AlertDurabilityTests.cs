using OpsCentre.Grains.Alerts;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.Alerts;

/// <summary>
/// Alerts whose only remaining trigger is the passing of time, after the silo holding them died. The
/// tests watch the alert list in PostgreSQL, never the grains: calling a grain would reactivate it and
/// let its activation notice the time, proving nothing about the durable wake-up (the reminder).
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class AlertDurabilityTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    [Fact]
    public async Task AbsenceFiresFromTheDevicesOwnWakeUpEvenAfterItsSiloWasKilled()
    {
        var (device, worker) = await _kit.WorkerDeviceAsync();
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
        var (device, worker) = await _kit.WorkerDeviceAsync();
        await _kit.SaveRuleAsync(GrainKit.Battery("t-escalate-kill", worker.Grid, escalation: new EscalationPolicy(60)));
        await device.Report([_kit.Status(worker, 5)]);
        var alert = Assert.Single(await _kit.AlertsAsync("t-escalate-kill", device.GetPrimaryKeyString()));
        Assert.Equal(worker.Grid, alert.ResponsibleUnitCode);

        await _kit.KillSiloHostingAsync(fixture.Client.GetGrain<IAlertGrain>(alert.Id).GetGrainId());
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
        await _kit.WaitForAlertsAsync("t-escalate-kill", device.GetPrimaryKeyString(), a => a[0].ResponsibleUnitCode == worker.Grid[..12], "escalated after the silo died", seconds: 60);

        await _kit.RestoreClusterAsync();
        Assert.Equal(["alert.raised", "alert.escalated"], await _kit.HistoryAsync(alert.Id));
    }

    [Fact]
    public async Task ASubjectThatCrashedBeforeRememberingItsAlertTakesItOverInsteadOfOpeningASecond()
    {
        var (device, worker) = await _kit.WorkerDeviceAsync();
        await _kit.SaveRuleAsync(GrainKit.Battery("t-forgotten", worker.Grid));
        await device.Report([_kit.Status(worker, 80)]);
        var beforeTheAlert = await DeviceStateAsync(device.GetPrimaryKeyString());
        await device.Report([_kit.Status(worker, 5)]);
        var alert = Assert.Single(await _kit.AlertsAsync("t-forgotten", device.GetPrimaryKeyString()));

        // The crash between the alert's commit and the device's own write: its stored state from before the
        // alert, and its silo gone.
        await RestoreDeviceStateAsync(device.GetPrimaryKeyString(), beforeTheAlert);
        await _kit.KillSiloHostingAsync(device.GetGrainId());
        await device.Report([_kit.Status(worker, 4)]);

        Assert.Equal(alert.Id, Assert.Single(await _kit.AlertsAsync("t-forgotten", device.GetPrimaryKeyString())).Id);
        Assert.Equal(["alert.raised"], await _kit.HistoryAsync(alert.Id));
        // It is the device's alert again: the end of the episode resolves it.
        await device.Report([_kit.Status(worker, 90)]);
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
        await device.Report([_kit.Status(worker, 90)]);
        await _kit.WaitForAlertsAsync("t-forgotten", device.GetPrimaryKeyString(), a => a is [{ State: AlertStates.Resolved }], "the adopted alert resolved");
        await _kit.RestoreClusterAsync();
    }

    private async Task<byte[]> DeviceStateAsync(string deviceId) =>
        (await _kit.Db.ScalarAsync<byte[]?>("SELECT payload FROM orleans_grain_state WHERE grain_type = 'device' AND grain_key = @k", ("k", deviceId)))
        ?? throw new InvalidOperationException($"no stored state for {deviceId}");

    private async Task RestoreDeviceStateAsync(string deviceId, byte[] payload) =>
        Assert.Equal(1, await _kit.Db.ExecuteAsync("UPDATE orleans_grain_state SET payload = @p WHERE grain_type = 'device' AND grain_key = @k", ("k", deviceId), ("p", payload)));
}

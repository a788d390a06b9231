using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Devices;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.Alerts;

/// <summary>
/// What makes a rule or an alert protected (critical, about a key person or a device of theirs), and that a resolution by
/// hand cannot hide a condition that still holds.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class ProtectedRulesTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    private static AlertRule Rule(string subjectKind, string severity, string parameters = """{"metric":"batteryPct","op":"<","value":20}""") =>
        new("r", 1, "r", "threshold", subjectKind, "5101", severity, parameters, 0, 0, null, true, "tests", DateTimeOffset.UnixEpoch);

    [Fact]
    public void ARuleIsProtectedWhenCriticalAndItMayRaiseAlertsAboutAKeyPersonOrTheirDevice()
    {
        Assert.True(Rule(SubjectKinds.KeyPerson, AlertSeverity.Critical).IsProtected());
        Assert.False(Rule(SubjectKinds.KeyPerson, AlertSeverity.Warning).IsProtected());
        Assert.True(Rule(SubjectKinds.Device, AlertSeverity.Critical, """{"metric":"strapIntact","op":"==","value":0,"deviceKinds":["wristband"]}""").IsProtected());
        Assert.True(Rule(SubjectKinds.Device, AlertSeverity.Critical, """{"metric":"batteryPct","op":"<","value":5,"deviceKinds":["worker-phone","person-phone"]}""").IsProtected());
        // Without deviceKinds a device rule targets every device, wristbands too.
        Assert.True(Rule(SubjectKinds.Device, AlertSeverity.Critical).IsProtected());
        Assert.False(Rule(SubjectKinds.Device, AlertSeverity.Critical, """{"metric":"batteryPct","op":"<","value":5,"deviceKinds":["worker-phone"]}""").IsProtected());
        Assert.False(Rule(SubjectKinds.Worker, AlertSeverity.Critical).IsProtected());
        Assert.False(Rule(SubjectKinds.Incident, AlertSeverity.Critical).IsProtected());
    }

    [Fact]
    public async Task AWristbandsAlertNamesItsKeyPersonAndIsProtectedWhileAWorkerPhonesIsNot()
    {
        var person = _kit.Fresh.KeyPerson();
        var band = await _kit.DeviceForAsync(person.Id, DeviceKinds.Wristband);
        var (phone, worker) = await _kit.WorkerDeviceAsync();
        var rule = await _kit.SaveRuleAsync(new RuleDraft("t-protected-battery", "t-protected-battery", "threshold", SubjectKinds.Device, "5101",
            AlertSeverity.Critical, """{"metric":"batteryPct","op":"<","value":3,"deviceKinds":["wristband","worker-phone"]}""", 0, 0, null, true));
        Assert.True(rule.IsProtected());

        await band.Report([_kit.Status(person.Lat, person.Lon, battery: 2, onDuty: null, strapIntact: true)]);
        await phone.Report([_kit.Status(worker, 2)]);
        var bandAlert = Assert.Single(await _kit.AlertsAsync(rule.Id, band.GetPrimaryKeyString()));
        var phoneAlert = Assert.Single(await _kit.AlertsAsync(rule.Id, phone.GetPrimaryKeyString()));

        var aboutPerson = (await fixture.Client.GetGrain<IAlertGrain>(bandAlert.Id).Current())!;
        Assert.Equal(new AlertSubject(SubjectKinds.Device, band.GetPrimaryKeyString(), person.Id), aboutPerson.Subject);
        Assert.Equal(person.Id, aboutPerson.Subject.KeyPerson());
        Assert.True(aboutPerson.IsProtected());
        var aboutWorker = (await fixture.Client.GetGrain<IAlertGrain>(phoneAlert.Id).Current())!;
        Assert.Null(aboutWorker.Subject.KeyPerson());
        Assert.False(aboutWorker.IsProtected());

        // The alert list, kept by the database, knows the same.
        Assert.Equal(person.Id, await _kit.Db.ScalarAsync<string>("SELECT key_person_id FROM alert WHERE id = @id", ("id", bandAlert.Id)));
        Assert.Equal(DBNull.Value, await _kit.Db.ScalarAsync<object>("SELECT key_person_id FROM alert WHERE id = @id", ("id", phoneAlert.Id)));
    }

    [Fact]
    public async Task AnAlertResolvedByHandWhileTheConditionHoldsComesBackAsANewAlertAfterTheRecoveryPeriod()
    {
        var (device, worker) = await _kit.WorkerDeviceAsync();
        await _kit.SaveRuleAsync(GrainKit.Battery("t-hand-resolved", worker.Grid, recovery: 60));
        var subject = device.GetPrimaryKeyString();
        await device.Report([_kit.Status(worker, 5)]);
        var first = Assert.Single(await _kit.AlertsAsync("t-hand-resolved", subject));
        Assert.Equal(AlertStates.Firing, first.State);

        // Resolved by hand; the battery is still low.
        var resolved = await fixture.Client.GetGrain<IAlertGrain>(first.Id).Resolve("street.operator", "hand-1", "looks fine to me");
        Assert.Equal(AlertActionOutcome.Done, resolved.Outcome);

        // Within the recovery period after the resolution: no new alert, however many low readings arrive.
        for (var i = 0; i < 5; i++)
        {
            fixture.GrainClock.Advance(TimeSpan.FromSeconds(11));
            await device.Report([_kit.Status(worker, 4)]);
        }

        await _kit.AlertsStayAsync("t-hand-resolved", subject, a => a is [{ State: AlertStates.Resolved }], "no new alert yet", TimeSpan.FromMilliseconds(300));

        // Past it, the device's own wake-up opens the next episode: a new alert, firing at once.
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(6));
        var both = await _kit.WaitForAlertsAsync("t-hand-resolved", subject, a => a.Count == 2 && a[1].State == AlertStates.Firing, "a new alert after the recovery period");
        Assert.NotEqual(first.Id, both[1].Id);
        Assert.Equal(["alert.raised"], await _kit.HistoryAsync(both[1].Id));

        // A resolution by hand once the condition has cleared stays resolved.
        await device.Report([_kit.Status(worker, 80)]);
        Assert.Equal(AlertActionOutcome.Done, (await fixture.Client.GetGrain<IAlertGrain>(both[1].Id).Resolve("street.operator", "hand-2", "swapped")).Outcome);
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(120));
        await device.Report([_kit.Status(worker, 81)]);
        await _kit.AlertsStayAsync("t-hand-resolved", subject, a => a.Count == 2 && a.All(x => x.State == AlertStates.Resolved), "no third alert", TimeSpan.FromMilliseconds(500));
    }
}

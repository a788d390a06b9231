using System.Globalization;
using OpsCentre.Database.Devices;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Devices;
using OpsCentre.Grains.KeyPersons;
using OpsCentre.Grains.Tests.Alerts;
using OpsCentre.Grains.Units;

namespace OpsCentre.Grains.Tests.KeyPersons;

[Collection(nameof(ClusterCollection))]
public sealed class KeyPersonRulesTests(ClusterFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    private readonly AlertKit _kit = new(fixture);
    private long _seq;

    private async Task<(IDeviceGrain Device, CityGen.GeneratedKeyPerson Person)> DeviceAsync(int index, string kind = "wristband")
    {
        var person = fixture.City.KeyPersons[index];
        var deviceId = $"dev-kp-{index}-{kind[0]}-{Guid.NewGuid():N}"[..24];
        await new DeviceCredentialStore(_kit.Db).IssueAsync(deviceId, kind, person.Id);
        return (fixture.Client.GetGrain<IDeviceGrain>(deviceId), person);
    }

    private Task<IReadOnlyList<StatusOutcome>> PostAsync(IDeviceGrain device, double lat, double lon) =>
        device.Report([new DeviceStatus(Guid.NewGuid().ToString("N"), Interlocked.Increment(ref _seq), fixture.GrainClock.GetUtcNow(), lat, lon, 5, 90, null, true)]);

    private Task<KeyPersonSnapshot> PersonAsync(string id, Func<KeyPersonSnapshot, bool> until, string what) =>
        OpsCentre.Testing.Eventually.HoldsAsync(async () => (await fixture.Client.GetGrain<IKeyPersonGrain>(id).Snapshot())!, until, TimeSpan.FromSeconds(15), what);

    private Task AbnormalInGridAsync(string grid, long expected) => OpsCentre.Testing.Eventually.HoldsAsync(
        async () => (await fixture.Client.GetGrain<IUnitGrain>(grid).Totals()).Counters.KeyPersonsAbnormal, n => n == expected, TimeSpan.FromSeconds(10), $"{expected} abnormal in the grid");

    private static RuleDraft Rule(string id, string kind, string scope, string parameters, int pending = 0, string severity = AlertSeverity.Critical) =>
        new(id, id, kind, SubjectKinds.KeyPerson, scope, severity, parameters, pending, 0, null, true);

    [Fact]
    public async Task LeavingTheAllowedAreaIsDetectedOnceForAJitteryRunAndClearedOnceAndTheGridCountsThePerson()
    {
        var (band, person) = await DeviceAsync(1);
        await _kit.SaveRuleAsync(Rule("t-kp-zone", "zone", person.Grid, """{"zone":"allowed","trigger":"leave","marginM":50}"""));
        var abnormalBefore = (await fixture.Client.GetGrain<IUnitGrain>(person.Grid).Totals()).Counters.KeyPersonsAbnormal;

        await PostAsync(band, person.Lat, person.Lon);
        await PersonAsync(person.Id, p => p.Lat is not null, "first position");
        foreach (var jitter in new[] { 0.0, 0.0004, -0.0003, 0.0002, 0.0001 })
        {
            await PostAsync(band, 39.9042 + jitter, 116.4074 - jitter);   // Beijing, far outside 成都
        }

        var alerts = await _kit.WaitForAlertsAsync("t-kp-zone", person.Id, a => a is [{ State: AlertStates.Firing }], "one zone alert");
        await PersonAsync(person.Id, p => p.State == "violation", "the person is in violation");
        await AbnormalInGridAsync(person.Grid, abnormalBefore + 1);

        await PostAsync(band, person.Lat, person.Lon);
        await _kit.WaitForAlertsAsync("t-kp-zone", person.Id, a => a is [{ State: AlertStates.Resolved }], "cleared once");
        await PersonAsync(person.Id, p => p.State == "normal", "normal again");
        await AbnormalInGridAsync(person.Grid, abnormalBefore);
        Assert.Equal(["alert.raised", "alert.resolved"], await _kit.HistoryAsync(alerts[0].Id));
    }

    [Fact]
    public async Task DeviceSeparationFiresAfterItsPeriodAndNotBefore()
    {
        var (band, person) = await DeviceAsync(2);
        var (phone, _) = await DeviceAsync(2, "person-phone");
        await _kit.SaveRuleAsync(Rule("t-kp-separation", "threshold", person.Grid, """{"metric":"deviceSeparationM","op":">","value":200}""", pending: 600, severity: AlertSeverity.Warning));

        await PostAsync(band, person.Lat, person.Lon);
        await PostAsync(phone, person.Lat + 0.005, person.Lon);   // about 550 m north
        await _kit.WaitForAlertsAsync("t-kp-separation", person.Id, a => a is [{ State: AlertStates.Pending }], "pending separation");

        fixture.GrainClock.Advance(TimeSpan.FromSeconds(599));
        await Task.Delay(300);
        Assert.Equal(AlertStates.Pending, (await _kit.AlertsAsync("t-kp-separation", person.Id)).Single().State);
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(2));
        output.WriteLine(string.Join(", ", (await fixture.Client.GetGrain<IKeyPersonGrain>(person.Id).Snapshot())!.OpenAlerts));
        output.WriteLine(string.Join(", ", (await _kit.AlertsAsync("t-kp-separation", person.Id)).Select(a => a.State)));
        await _kit.WaitForAlertsAsync("t-kp-separation", person.Id, a => a is [{ State: AlertStates.Firing }], "separation after its period");
        await PersonAsync(person.Id, p => p.State == "attention" && p.DeviceSeparationM > 500, "attention, with the distance");
    }

    [Fact]
    public async Task ACurfewIsBreachedOnlyInsideItsWindowInShanghaiTime()
    {
        var (band, person) = await DeviceAsync(3);
        var local = TimeZoneInfo.ConvertTime(fixture.GrainClock.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        string At(int hours) => local.AddHours(hours).ToString("HH:mm", CultureInfo.InvariantCulture);
        await _kit.SaveRuleAsync(Rule("t-kp-curfew-now", "time-window", person.Grid, $$"""{"from":"{{At(-1)}}","to":"{{At(1)}}","zone":"home","trigger":"leave","marginM":20}"""));
        await _kit.SaveRuleAsync(Rule("t-kp-curfew-later", "time-window", person.Grid, $$"""{"from":"{{At(3)}}","to":"{{At(4)}}","zone":"home","trigger":"leave","marginM":20}"""));

        await PostAsync(band, person.Lat + 0.01, person.Lon);   // about 1.1 km from home
        await _kit.WaitForAlertsAsync("t-kp-curfew-now", person.Id, a => a is [{ State: AlertStates.Firing }], "breach inside the window");
        Assert.Empty(await _kit.AlertsAsync("t-kp-curfew-later", person.Id));
    }

    [Fact]
    public async Task AMissedCheckInRaisesAnAlertFromThePersonsOwnTimer()
    {
        var person = fixture.City.KeyPersons[4];
        await _kit.SaveRuleAsync(Rule("t-kp-check-in", "absence", person.Grid, """{"signal":"checkIn","afterSeconds":3600}""", severity: AlertSeverity.Warning));
        var grain = fixture.Client.GetGrain<IKeyPersonGrain>(person.Id);
        await grain.CheckIn(fixture.GrainClock.GetUtcNow());
        Assert.Empty(await _kit.AlertsAsync("t-kp-check-in", person.Id));

        fixture.GrainClock.Advance(TimeSpan.FromSeconds(3601));
        await _kit.WaitForAlertsAsync("t-kp-check-in", person.Id, a => a is [{ State: AlertStates.Firing }], "missed check-in");
        await grain.CheckIn(fixture.GrainClock.GetUtcNow());
        await _kit.WaitForAlertsAsync("t-kp-check-in", person.Id, a => a is [{ State: AlertStates.Resolved }], "checked in again");
    }
}

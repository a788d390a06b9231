using System.Globalization;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Devices;
using OpsCentre.Grains.KeyPersons;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.KeyPersons;

[Collection(nameof(ClusterCollection))]
public sealed class KeyPersonRulesTests(ClusterFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    private readonly GrainKit _kit = new(fixture);

    /// <summary>A wristband for a fresh key person (their grid the test's alone).</summary>
    private async Task<(IDeviceGrain Device, CityGen.GeneratedKeyPerson Person)> BandAsync(Func<CityGen.GeneratedKeyPerson, bool>? where = null)
    {
        var person = _kit.Fresh.KeyPerson(where: where);
        return (await _kit.DeviceForAsync(person.Id, "wristband"), person);
    }

    private bool FarInsideTheirDistrict(CityGen.GeneratedKeyPerson person, double metres)
    {
        var district = _kit.Fresh.City.Units.Single(u => u.Code == person.Grid[..6]).Geometry;
        var home = district.Factory.CreatePoint(new NetTopologySuite.Geometries.Coordinate(person.Lon, person.Lat));
        return district.Boundary.Distance(home) * 111_000 * Math.Cos(person.Lat * Math.PI / 180) > metres;
    }

    private Task<IReadOnlyList<StatusOutcome>> PostAsync(IDeviceGrain device, double lat, double lon) => device.Report([_kit.BandStatus(lat, lon)]);

    private Task<KeyPersonSnapshot> PersonAsync(string id, Func<KeyPersonSnapshot, bool> until, string what) =>
        GrainKit.EventuallyAsync(async () => (await fixture.Client.GetGrain<IKeyPersonGrain>(id).Snapshot())!, until, what);

    private Task AbnormalInGridAsync(string grid, long expected) =>
        GrainKit.EventuallyAsync(async () => (await _kit.CountersAsync(grid)).KeyPersonsAbnormal, n => n == expected, $"{expected} abnormal in the grid", seconds: 10);

    private static RuleDraft Rule(string id, string kind, string scope, string parameters, int pending = 0, string severity = AlertSeverity.Critical) =>
        new(id, id, kind, SubjectKinds.KeyPerson, scope, severity, parameters, pending, 0, null, true);

    [Fact]
    public async Task LeavingTheAllowedAreaIsDetectedOnceForAJitteryRunAndClearedOnceAndTheGridCountsThePerson()
    {
        // The allowed area is the person's district and the rule's margin 50 m: a home that near a (real, winding) district
        // border would never count as back inside, so the person is one who lives well inside their district.
        var (band, person) = await BandAsync(p => FarInsideTheirDistrict(p, metres: 300));
        await _kit.SaveRuleAsync(Rule("t-kp-zone", "zone", person.Grid, """{"zone":"allowed","trigger":"leave","marginM":50}"""));
        var abnormalBefore = (await _kit.CountersAsync(person.Grid)).KeyPersonsAbnormal;

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
        var (band, person) = await BandAsync();
        var phone = await _kit.DeviceForAsync(person.Id, "person-phone");
        await _kit.SaveRuleAsync(Rule("t-kp-separation", "threshold", person.Grid, """{"metric":"deviceSeparationM","op":">","value":200}""", pending: 600, severity: AlertSeverity.Warning));

        await PostAsync(band, person.Lat, person.Lon);
        await PostAsync(phone, person.Lat + 0.005, person.Lon);   // about 550 m north
        await _kit.WaitForAlertsAsync("t-kp-separation", person.Id, a => a is [{ State: AlertStates.Pending }], "pending separation");

        fixture.GrainClock.Advance(TimeSpan.FromSeconds(599));
        await _kit.AlertsStayAsync("t-kp-separation", person.Id, a => a.Single().State == AlertStates.Pending, "pending a second before its period ends", TimeSpan.FromMilliseconds(300));
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(2));
        output.WriteLine(string.Join(", ", (await fixture.Client.GetGrain<IKeyPersonGrain>(person.Id).Snapshot())!.OpenAlerts));
        output.WriteLine(string.Join(", ", (await _kit.AlertsAsync("t-kp-separation", person.Id)).Select(a => a.State)));
        await _kit.WaitForAlertsAsync("t-kp-separation", person.Id, a => a is [{ State: AlertStates.Firing }], "separation after its period");
        await PersonAsync(person.Id, p => p.State == "attention" && p.DeviceSeparationM > 500, "attention, with the distance");
    }

    [Fact]
    public async Task ACurfewIsBreachedOnlyInsideItsWindowInShanghaiTime()
    {
        var (band, person) = await BandAsync();
        var local = TimeZoneInfo.ConvertTime(fixture.GrainClock.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        string At(int hours) => local.AddHours(hours).ToString("HH:mm", CultureInfo.InvariantCulture);
        await _kit.SaveRuleAsync(Rule("t-kp-curfew-now", "time-window", person.Grid, $$"""{"from":"{{At(-1)}}","to":"{{At(1)}}","zone":"home","trigger":"leave","marginM":20}"""));
        await _kit.SaveRuleAsync(Rule("t-kp-curfew-later", "time-window", person.Grid, $$"""{"from":"{{At(3)}}","to":"{{At(4)}}","zone":"home","trigger":"leave","marginM":20}"""));

        await PostAsync(band, person.Lat + 0.01, person.Lon);   // about 1.1 km from home
        await _kit.WaitForAlertsAsync("t-kp-curfew-now", person.Id, a => a is [{ State: AlertStates.Firing }], "breach inside the window");
        Assert.Empty(await _kit.AlertsAsync("t-kp-curfew-later", person.Id));
    }

    [Fact]
    public async Task ACurfewBreachInAQueueUploadedLaterIsJudgedAtTheTimeThePersonWasThere()
    {
        var (band, person) = await BandAsync();
        var now = fixture.GrainClock.GetUtcNow();
        var local = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        string At(int hours) => local.AddHours(hours).ToString("HH:mm", CultureInfo.InvariantCulture);
        // A window that ended an hour ago: a position judged at its arrival would never be inside it.
        await _kit.SaveRuleAsync(Rule("t-kp-curfew-replayed", "time-window", person.Grid, $$"""{"from":"{{At(-3)}}","to":"{{At(-1)}}","zone":"home","trigger":"leave","marginM":20}""", pending: 300));

        // Queued while the band had no signal: away from home from 2.5 h ago for 40 minutes (inside the window), then home.
        DeviceStatus Queued(int minutesAgo, double lat, double lon) => _kit.BandStatus(lat, lon) with { At = now.AddMinutes(-minutesAgo) };
        var away = new[] { 150, 140, 130, 120, 110 }.Select(m => Queued(m, person.Lat + 0.01, person.Lon));
        var home = new[] { 100, 60, 20 }.Select(m => Queued(m, person.Lat, person.Lon));
        var outcomes = await band.Report([Queued(160, person.Lat, person.Lon), .. away, .. home]);
        Assert.All(outcomes, o => Assert.Equal(StatusOutcome.Applied, o));

        var alerts = await _kit.WaitForAlertsAsync("t-kp-curfew-replayed", person.Id, a => a is [{ State: AlertStates.Resolved }], "one curfew alert, found and ended in the replay");
        var detail = (await fixture.Client.GetGrain<IAlertGrain>(alerts[0].Id).Detail())!;
        Assert.True(detail.Alert.DetectedOnReplay);
        Assert.Equal(now.AddMinutes(-150), detail.Alert.BreachedAt);
        Assert.Equal(now, detail.Alert.RaisedAt);   // raised when it was found, not back-dated
        Assert.Equal(["alert.pending", "alert.raised", "alert.resolved"], await _kit.HistoryAsync(alerts[0].Id));

        // The same position now, outside the window, breaches nothing: the time of the observation decided.
        await PostAsync(band, person.Lat + 0.01, person.Lon);
        await _kit.AlertsStayAsync("t-kp-curfew-replayed", person.Id, a => a.Count == 1, "no second alert for a position outside the window", TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public async Task AMissedCheckInRaisesAnAlertFromThePersonsOwnTimer()
    {
        var person = _kit.Fresh.KeyPerson();
        await _kit.SaveRuleAsync(Rule("t-kp-check-in", "absence", person.Grid, """{"signal":"checkIn","afterSeconds":3600}""", severity: AlertSeverity.Warning));
        var grain = fixture.Client.GetGrain<IKeyPersonGrain>(person.Id);
        await grain.CheckIn(new KeyPersonCheckIn(fixture.GrainClock.GetUtcNow()));
        Assert.Empty(await _kit.AlertsAsync("t-kp-check-in", person.Id));

        fixture.GrainClock.Advance(TimeSpan.FromSeconds(3601));
        await _kit.WaitForAlertsAsync("t-kp-check-in", person.Id, a => a is [{ State: AlertStates.Firing }], "missed check-in");
        await grain.CheckIn(new KeyPersonCheckIn(fixture.GrainClock.GetUtcNow()));
        await _kit.WaitForAlertsAsync("t-kp-check-in", person.Id, a => a is [{ State: AlertStates.Resolved }], "checked in again");
    }
}

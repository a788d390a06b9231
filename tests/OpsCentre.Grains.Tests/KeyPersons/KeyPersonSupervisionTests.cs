using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.KeyPersons;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.KeyPersons;

/// <summary>Supervision by level (check-in and visit deadlines), visits, forbidden places and the state-change events, on the injected clock.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class KeyPersonSupervisionTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    private static RuleDraft Rule(string id, string kind, string scope, string parameters, string severity = AlertSeverity.Warning) =>
        new(id, id, kind, SubjectKinds.KeyPerson, scope, severity, parameters, 0, 0, null, true);

    /// <summary>Puts the person under a level with supervision begun <paramref name="ago"/> before the grain clock's now, and has their grain read it.</summary>
    private async Task<IKeyPersonGrain> SuperviseAsync(CityGen.GeneratedKeyPerson person, string level, TimeSpan ago)
    {
        await _kit.Db.ExecuteAsync("UPDATE key_person SET supervision_level = @level, supervised_since = @since WHERE id = @id",
            ("level", level), ("since", (fixture.GrainClock.GetUtcNow() - ago).ToUniversalTime()), ("id", person.Id));

        var grain = fixture.Client.GetGrain<IKeyPersonGrain>(person.Id);
        await grain.Reload();
        return grain;
    }

    private async Task<KeyPersonVisit> VisitAsync(CityGen.GeneratedKeyPerson person, string outcome)
    {
        var visit = new KeyPersonVisit(Grains.DistrictIds.New(person.Grid), fixture.GrainClock.GetUtcNow(), outcome);
        await _kit.Db.ExecuteAsync(
            """
            INSERT INTO key_person_visit (id, person_id, visited_at, outcome, recorded_by)
            VALUES (@id, @person, @at, @outcome, 'tests')
            """,
            ("id", visit.Id), ("person", person.Id), ("at", visit.At.ToUniversalTime()), ("outcome", outcome));
        await fixture.Client.GetGrain<IKeyPersonGrain>(person.Id).Visited(visit);
        return visit;
    }

    private Task<List<(string Type, string Payload)>> EventsAboutAsync(string id) =>
        _kit.Db.RowsAsync("SELECT type, payload::text FROM event_log WHERE payload ->> 'id' = @id ORDER BY district_code, seq",
            r => (r.GetString(0), r.GetString(1)), ("id", id));

    [Fact]
    public async Task AVisitFallsOverdueByTheSupervisionLevelAndOnlyAVisitThatFoundThePersonClearsIt()
    {
        var person = _kit.Fresh.KeyPerson();
        await _kit.SaveRuleAsync(Rule("t-kp-visit", "overdue", person.Grid, """{"deadline":"visit"}"""));
        // Strict supervision: a visit every 7 days; supervision began a minute short of that.
        var grain = await SuperviseAsync(person, "strict", TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1));
        Assert.Empty(await _kit.AlertsAsync("t-kp-visit", person.Id));

        fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
        await _kit.WaitForAlertsAsync("t-kp-visit", person.Id, a => a is [{ State: AlertStates.Firing }], "visit overdue");

        await VisitAsync(person, "absent");
        await _kit.AlertsStayAsync("t-kp-visit", person.Id, a => a.Single().State == AlertStates.Firing, "still overdue after a visit that found nobody", TimeSpan.FromMilliseconds(300));

        var visit = await VisitAsync(person, "met");
        await _kit.WaitForAlertsAsync("t-kp-visit", person.Id, a => a is [{ State: AlertStates.Resolved }], "visited");
        var snapshot = (await grain.Snapshot())!;
        Assert.Equal(visit.At + TimeSpan.FromDays(7), snapshot.VisitDue);

        // The same visit told twice is logged once; the log carries ids and the outcome, no notes.
        await grain.Visited(visit);
        var visited = (await EventsAboutAsync(person.Id)).Where(e => e.Type == "keyperson.visited").ToList();
        Assert.Equal(2, visited.Count);
        Assert.All(visited, e => Assert.DoesNotContain("notes", e.Payload));
    }

    [Fact]
    public async Task ACheckInFallsDueByTheSupervisionLevelAndALenientLevelMovesTheDeadline()
    {
        var person = _kit.Fresh.KeyPerson();
        await _kit.SaveRuleAsync(Rule("t-kp-check-in-due", "overdue", person.Grid, """{"deadline":"checkIn"}"""));
        var grain = await SuperviseAsync(person, "strict", TimeSpan.FromDays(1) - TimeSpan.FromSeconds(30));
        Assert.Empty(await _kit.AlertsAsync("t-kp-check-in-due", person.Id));

        fixture.GrainClock.Advance(TimeSpan.FromSeconds(31));
        await _kit.WaitForAlertsAsync("t-kp-check-in-due", person.Id, a => a is [{ State: AlertStates.Firing }], "check-in missed");
        await GrainKit.EventuallyAsync(async () => (await grain.Snapshot())!.State, s => s == "attention", "attention", seconds: 10);

        var checkedInAt = fixture.GrainClock.GetUtcNow();
        await grain.CheckIn(new KeyPersonCheckIn(checkedInAt));
        await _kit.WaitForAlertsAsync("t-kp-check-in-due", person.Id, a => a is [{ State: AlertStates.Resolved }], "checked in");
        Assert.Equal(checkedInAt + TimeSpan.FromDays(1), (await grain.Snapshot())!.CheckInDue);

        await SuperviseAsync(person, "lenient", TimeSpan.FromDays(1));
        Assert.Equal(checkedInAt + TimeSpan.FromDays(30), (await grain.Snapshot())!.CheckInDue);

        // The state changes were told to the screens as durable events: attention, then normal again.
        var states = (await EventsAboutAsync(person.Id)).Where(e => e.Type == "keyperson.state-changed").Select(e => e.Payload).ToList();
        Assert.Equal(2, states.Count);
        Assert.Contains("\"state\":\"attention\"", states[0]);
        Assert.Contains("\"state\":\"normal\"", states[1]);
    }

    [Fact]
    public async Task EnteringAForbiddenPlaceIsAViolationUntilThePersonLeavesIt()
    {
        var person = _kit.Fresh.KeyPerson();
        await _kit.SaveRuleAsync(Rule("t-kp-forbidden", "zone", person.Grid, """{"zone":"forbidden","trigger":"enter","marginM":20}""", AlertSeverity.Critical));
        // A school about 1.1 km north of home, 200 m around.
        var (lat, lon) = (person.Lat + 0.01, person.Lon);
        await _kit.Db.ExecuteAsync(
            """
            INSERT INTO key_person_zone (id, person_id, name, center_lat, center_lon, radius_m, created_by)
            VALUES (@id, @person, 'school', @lat, @lon, 200, 'tests')
            """,
            ("id", "zone-" + Guid.NewGuid().ToString("N")), ("person", person.Id), ("lat", lat), ("lon", lon));

        var grain = fixture.Client.GetGrain<IKeyPersonGrain>(person.Id);
        await grain.Reload();
        Assert.Equal(1, (await grain.Snapshot())!.ForbiddenPlaces);

        var band = await _kit.DeviceForAsync(person.Id, "wristband");
        Task Post(double la, double lo) => band.Report([_kit.BandStatus(la, lo)]);

        await Post(person.Lat, person.Lon);
        await Post(lat + 0.0005, lon);   // 55 m inside the circle
        await _kit.WaitForAlertsAsync("t-kp-forbidden", person.Id, a => a is [{ State: AlertStates.Firing }], "inside the forbidden place");
        await GrainKit.EventuallyAsync(async () => (await grain.Snapshot())!.State, s => s == "violation", "violation", seconds: 10);

        await Post(person.Lat, person.Lon);
        await _kit.WaitForAlertsAsync("t-kp-forbidden", person.Id, a => a is [{ State: AlertStates.Resolved }], "left it");
    }
}

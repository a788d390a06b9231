using OpsCentre.Database.Operations;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.KeyPersons;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.KeyPersons;

/// <summary>Cross-district supervision hand-over (异地协作监管): the answer deadline escalates like any alert; acceptance moves supervision.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class HandOverTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    private HandOvers Store => new(fixture.Db);

    private static Operation Op(string by, string opId, string hash = "h") => new(by, opId, "key-person.hand-over", hash);

    private static string NewOpId() => "op-" + Guid.NewGuid().ToString("N");

    private string GridInAnotherDistrict(string grid) => _kit.Fresh.Grid(where: g => g[..6] != grid[..6]);

    [Fact]
    public async Task AHandOverRequestLeftUnansweredRaisesAnAlertThatEscalatesUntilAnswered()
    {
        var person = _kit.Fresh.KeyPerson();
        await _kit.SaveRuleAsync(new RuleDraft("t-kp-hand-over", "移交超期未答复", "overdue", SubjectKinds.KeyPerson, person.Grid, AlertSeverity.Warning,
            """{"deadline":"handOver"}""", 0, 0, new EscalationPolicy(60), true));
        var grain = fixture.Client.GetGrain<IKeyPersonGrain>(person.Id);
        var (outcome, request) = await Store.RequestAsync(Op("district.staff", NewOpId()), person.Id, GridInAnotherDistrict(person.Grid), "moved house",
            fixture.GrainClock.GetUtcNow(), TimeSpan.FromHours(1));
        Assert.Equal(HandOverOutcome.Done, outcome);
        await grain.Reload();
        await _kit.AlertsStayAsync("t-kp-hand-over", person.Id, a => a.Count == 0, "not yet due", TimeSpan.FromMilliseconds(300));

        fixture.GrainClock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        var raised = await _kit.WaitForAlertsAsync("t-kp-hand-over", person.Id, a => a is [{ State: AlertStates.Firing }], "unanswered request overdue");
        Assert.Equal(person.Grid, raised[0].ResponsibleUnitCode);

        // Unacknowledged, it climbs the levels like any alert (督办 records).
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
        await _kit.WaitForAlertsAsync("t-kp-hand-over", person.Id, a => a[0].ResponsibleUnitCode == person.Grid[..12], "escalated to the community");
        Assert.Equal(["alert.raised", "alert.escalated"], await _kit.HistoryAsync(raised[0].Id));

        // Refused at last: no request is open, the alert resolves and the person stays where they were.
        var (answered, refused) = await Store.AnswerAsync(request!.Id, accept: false, "receiving.staff", "not resident here", fixture.GrainClock.GetUtcNow());
        Assert.Equal(HandOverOutcome.Done, answered);
        Assert.Equal("refused", refused!.State);
        await grain.Reload();
        await _kit.WaitForAlertsAsync("t-kp-hand-over", person.Id, a => a is [{ State: AlertStates.Resolved }], "answered");
        Assert.Equal(person.Grid, (await grain.Snapshot())!.GridCode);
    }

    [Fact]
    public async Task AnAcceptedHandOverMovesThePersonsSupervisionWithTheirHistory()
    {
        var person = _kit.Fresh.KeyPerson();
        var target = GridInAnotherDistrict(person.Grid);
        var grain = fixture.Client.GetGrain<IKeyPersonGrain>(person.Id);
        var visitedAt = fixture.GrainClock.GetUtcNow().AddHours(-2);
        await _kit.Db.ExecuteAsync(
            "INSERT INTO key_person_visit (id, person_id, visited_at, outcome, recorded_by) VALUES (@id, @person, @at, 'met', 'tests')",
            ("id", DistrictIds.New(person.Grid)), ("person", person.Id), ("at", visitedAt.ToUniversalTime()));
        await grain.Reload();

        // Within the person's own district there is nothing to hand over; a grid that is no grid neither.
        Assert.Equal(HandOverOutcome.Invalid, (await Store.RequestAsync(Op("s", NewOpId()), person.Id, person.Grid, "", fixture.GrainClock.GetUtcNow(), TimeSpan.FromHours(1))).Outcome);
        Assert.Equal(HandOverOutcome.Invalid, (await Store.RequestAsync(Op("s", NewOpId()), person.Id, target[..12], "", fixture.GrainClock.GetUtcNow(), TimeSpan.FromHours(1))).Outcome);
        Assert.Equal(HandOverOutcome.NotFound, (await Store.RequestAsync(Op("s", NewOpId()), "no-such-person", target, "", fixture.GrainClock.GetUtcNow(), TimeSpan.FromHours(1))).Outcome);

        var opId = NewOpId();
        var (_, request) = await Store.RequestAsync(Op("district.staff", opId), person.Id, target, "works there now", fixture.GrainClock.GetUtcNow(), TimeSpan.FromDays(3));
        Assert.Equal(person.Grid, request!.FromGrid);
        // The same op id again answers the request as stored; with another body it is refused.
        var (replayed, again) = await Store.RequestAsync(Op("district.staff", opId), person.Id, target, "works there now", fixture.GrainClock.GetUtcNow(), TimeSpan.FromDays(3));
        Assert.Equal((HandOverOutcome.Done, request.Id), (replayed, again!.Id));
        Assert.Equal(HandOverOutcome.OpIdReused, (await Store.RequestAsync(Op("district.staff", opId, "other"), person.Id, target, "", fixture.GrainClock.GetUtcNow(), TimeSpan.FromDays(3))).Outcome);
        // One open request per person.
        Assert.Equal(HandOverOutcome.Conflict, (await Store.RequestAsync(Op("s", NewOpId()), person.Id, target, "", fixture.GrainClock.GetUtcNow(), TimeSpan.FromHours(1))).Outcome);

        var (outcome, accepted) = await Store.AnswerAsync(request.Id, accept: true, "receiving.staff", null, fixture.GrainClock.GetUtcNow());
        Assert.Equal(HandOverOutcome.Done, outcome);
        Assert.Equal("accepted", accepted!.State);
        Assert.Equal(HandOverOutcome.Conflict, (await Store.AnswerAsync(request.Id, accept: false, "x", null, fixture.GrainClock.GetUtcNow())).Outcome);
        Assert.Equal(HandOverOutcome.NotFound, (await Store.AnswerAsync("no-such-request", accept: true, "x", null, fixture.GrainClock.GetUtcNow())).Outcome);

        await grain.Reassign(person.Grid);
        var snapshot = (await grain.Snapshot())!;
        Assert.Equal(target, snapshot.GridCode);
        // The visit made under the old district still counts for the new one.
        Assert.Equal(visitedAt.UtcTicks / 10, snapshot.LastVisit!.Value.UtcTicks / 10);
        Assert.Equal(target, await _kit.Db.ScalarAsync<string>("SELECT grid_code FROM key_person WHERE id = @id", ("id", person.Id)));
    }
}

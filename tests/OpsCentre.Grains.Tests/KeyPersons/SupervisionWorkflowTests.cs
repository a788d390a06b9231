using OpsCentre.Database.Operations;
using OpsCentre.Database.Operators;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.KeyPersons;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.KeyPersons;

/// <summary>
/// The supervision workflows of issue 29 whose deadlines the person's grain watches: a release notice (刑满释放人员衔接) and
/// its first visit, travel leave (外出请假), the responsible officer (社区矫正) that alerts go to first. Fake clock, real PostgreSQL.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class SupervisionWorkflowTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    private static Operation Op(string kind, string hash = "h") => new("tests", "op-" + Guid.NewGuid().ToString("N"), kind, hash);

    private DateTimeOffset Now => fixture.GrainClock.GetUtcNow();

    private static RuleDraft Overdue(string id, string grid, string deadline, EscalationPolicy? escalation = null) =>
        new(id, id, "overdue", SubjectKinds.KeyPerson, grid, AlertSeverity.Warning, $$"""{"deadline":"{{deadline}}"}""", 0, 0, escalation, true);

    [Fact]
    public async Task AReleaseNoticeNotConfirmedInTimeRaisesAnAlertThatEscalatesAndAConfirmedOneAwaitsItsFirstVisit()
    {
        var person = _kit.Fresh.KeyPerson();
        await _kit.SaveRuleAsync(Overdue("t-release-receipt", person.Grid, "releaseReceipt", new EscalationPolicy(60)));
        await _kit.SaveRuleAsync(Overdue("t-release-first-visit", person.Grid, "releaseFirstVisit"));
        var store = new ReleaseNotices(fixture.Db);
        var grain = fixture.Client.GetGrain<IKeyPersonGrain>(person.Id);

        // The receiving community must be the person's own.
        Assert.Equal(ReleaseNoticeOutcome.Invalid, (await store.NotifyAsync(Op("release-notice"), person.Id, _kit.Fresh.Grid(where: g => g[..6] != person.Grid[..6])[..12], Now.AddDays(-1), "", Now,
            TimeSpan.FromHours(1), TimeSpan.FromHours(2))).Outcome);
        var (outcome, notice) = await store.NotifyAsync(Op("release-notice"), person.Id, person.Grid[..12], Now.AddDays(-1), "prison system", Now,
            TimeSpan.FromHours(1), TimeSpan.FromHours(2));
        Assert.Equal(ReleaseNoticeOutcome.Done, outcome);
        Assert.Equal("notified", notice!.State);
        await grain.Reload();
        await _kit.AlertsStayAsync("t-release-receipt", person.Id, a => a.Count == 0, "not yet due", TimeSpan.FromMilliseconds(300));

        fixture.GrainClock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        var raised = await _kit.WaitForAlertsAsync("t-release-receipt", person.Id, a => a is [{ State: AlertStates.Firing }], "receipt not confirmed in time");
        Assert.Equal(person.Grid, raised[0].ResponsibleUnitCode);

        // Unacknowledged it climbs the levels: the community, then the street.
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
        await _kit.WaitForAlertsAsync("t-release-receipt", person.Id, a => a[0].ResponsibleUnitCode == person.Grid[..12], "escalated to the community");
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
        await _kit.WaitForAlertsAsync("t-release-receipt", person.Id, a => a[0].ResponsibleUnitCode == person.Grid[..9], "escalated to the street");
        Assert.Equal(["alert.raised", "alert.escalated", "alert.escalated"], await _kit.HistoryAsync(raised[0].Id));

        // Confirmed at last: the receipt alert resolves, the first visit is due and is a task of the grid's workers.
        var (confirmed, confirmedNotice) = await store.ConfirmAsync(notice.Id, "community.staff", Now);
        Assert.Equal(ReleaseNoticeOutcome.Done, confirmed);
        Assert.Equal((Now + TimeSpan.FromHours(2)).UtcTicks / 10, confirmedNotice!.FirstVisitBy!.Value.UtcTicks / 10);
        Assert.Equal(ReleaseNoticeOutcome.Conflict, (await store.ConfirmAsync(notice.Id, "x", Now)).Outcome);
        await grain.Reload();
        await _kit.WaitForAlertsAsync("t-release-receipt", person.Id, a => a is [{ State: AlertStates.Resolved }], "confirmed");
        Assert.Contains(await FirstVisitsAsync(person.Grid), d => d.NoticeId == notice.Id && d.PersonId == person.Id);

        // The first visit not made in time raises its own alert; the visit that finds the person ends it and the task.
        fixture.GrainClock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));
        await _kit.WaitForAlertsAsync("t-release-first-visit", person.Id, a => a is [{ State: AlertStates.Firing }], "first visit overdue");
        var visitId = DistrictIds.New(person.Grid);
        await _kit.Db.ExecuteAsync(
            "INSERT INTO key_person_visit (id, person_id, visited_at, outcome, recorded_by) VALUES (@id, @person, @at, 'met', 'tests')",
            ("id", visitId), ("person", person.Id), ("at", Now.ToUniversalTime()));
        await grain.Visited(new KeyPersonVisit(visitId, Now, "met"));
        await _kit.WaitForAlertsAsync("t-release-first-visit", person.Id, a => a is [{ State: AlertStates.Resolved }], "first visit made");
        Assert.DoesNotContain(await FirstVisitsAsync(person.Grid), d => d.NoticeId == notice.Id);
        Assert.NotNull((await store.FindAsync(notice.Id))!.FirstVisitAt);
    }

    [Fact]
    public async Task AnAlertForAPersonGoesToTheirOfficerFirst()
    {
        var person = _kit.Fresh.KeyPerson();
        var other = _kit.Fresh.KeyPerson();
        var officer = "t.officer." + Guid.NewGuid().ToString("N")[..10];
        await new OperatorStore(fixture.Db).UpsertAsync(new OperatorAccount(officer, "矫正干部", "corrections", person.Grid[..6], Disabled: false), "Officer-Pass-2026");
        var elsewhere = "t.officer." + Guid.NewGuid().ToString("N")[..10];
        await new OperatorStore(fixture.Db).UpsertAsync(new OperatorAccount(elsewhere, "外区干部", "corrections", _kit.Fresh.Grid(where: g => g[..6] != person.Grid[..6])[..6], Disabled: false), "Officer-Pass-2026");
        var officers = new CorrectionsOfficers(fixture.Db);

        // An officer whose scope does not hold the person, or an account that is no officer, is refused.
        Assert.Equal(OfficerOutcome.Invalid, (await officers.AssignAsync(person.Id, elsewhere, "tests", Now)).Outcome);
        Assert.Equal(OfficerOutcome.NotFound, (await officers.AssignAsync("no-such-person", officer, "tests", Now)).Outcome);
        var (assigned, assignment) = await officers.AssignAsync(person.Id, officer, "district.admin", Now);
        Assert.Equal(OfficerOutcome.Done, assigned);
        Assert.Equal(officer, assignment!.Officer);
        var (caseloads, _) = await officers.CaseloadsAsync(person.Grid[..6]);
        Assert.Equal(1, caseloads.Single(c => c.Username == officer).Caseload);

        // A deadline of each person passes: the one with an officer has the alert assigned to them, the other has none.
        foreach (var p in new[] { person, other })
        {
            await _kit.SaveRuleAsync(Overdue("t-officer-" + p.Id[^8..], p.Grid, "aftercareTask"));
            var (_, task) = await new Aftercare(fixture.Db).AddTaskAsync(Op("aftercare-task"), p.Id, p.Grid, "find lodging", Now.AddMinutes(1), Now);
            Assert.NotNull(task);
            await fixture.Client.GetGrain<IKeyPersonGrain>(p.Id).Reload();
        }

        fixture.GrainClock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var mine = await _kit.WaitForAlertsAsync("t-officer-" + person.Id[^8..], person.Id, a => a is [{ State: AlertStates.Firing }], "the officer's person's alert");
        await _kit.WaitForAlertsAsync("t-officer-" + other.Id[^8..], other.Id, a => a is [{ State: AlertStates.Firing }], "the other person's alert");
        Assert.Equal(officer, (await fixture.Client.GetGrain<IAlertGrain>(mine[0].Id).Current())!.Assignee);

        // The officer's own list holds their person's alert and not the other's.
        var listed = await new AlertQueries(fixture.Db).ListAsync(new AlertFilter(person.Grid[..6], null, null, null, 100, KeyPersons: true, Assignee: officer), CancellationToken.None);
        Assert.Equal(new[] { mine[0].Id }, listed.Select(a => a.Id).ToArray());
        Assert.Equal(officer, listed[0].Assignee);
        Assert.Null(await _kit.Db.ScalarAsync<object?>("SELECT assignee FROM alert WHERE rule_id = @r", ("r", "t-officer-" + other.Id[^8..])) as string);

        // Handed over to another district, the person is no longer this officer's: the receiving district names its own.
        var handOvers = new HandOvers(fixture.Db);
        var (_, request) = await handOvers.RequestAsync(Op("key-person.hand-over"), person.Id, _kit.Fresh.Grid(where: g => g[..6] != person.Grid[..6]), "moved", Now, TimeSpan.FromDays(3));
        await handOvers.AnswerAsync(request!.Id, accept: true, "receiving.staff", null, Now);
        Assert.Null(await officers.OfPersonAsync(person.Id));
        Assert.Equal(0, (await officers.CaseloadsAsync(person.Grid[..6])).Officers.Single(c => c.Username == officer).Caseload);
    }

    [Fact]
    public async Task ATravelLeaveWidensTheAllowedAreaUntilItsReturnDeadlineAndReturningLateRaisesAlerts()
    {
        var person = _kit.Fresh.KeyPerson();
        var band = await _kit.DeviceForAsync(person.Id, "wristband");
        var away = _kit.Fresh.City.Units.First(u => u.Code.Length == 6 && u.Code != person.Grid[..6] && u.Geometry is not null);
        var there = away.Geometry!.InteriorPoint;
        await _kit.SaveRuleAsync(new RuleDraft("t-travel-zone-" + person.Id[^8..], "left", "zone", SubjectKinds.KeyPerson, person.Grid, AlertSeverity.Critical,
            """{"zone":"allowed","trigger":"leave","marginM":50}""", 0, 0, null, true));
        await _kit.SaveRuleAsync(Overdue("t-travel-return-" + person.Id[^8..], person.Grid, "travelReturn"));
        var leaves = new TravelLeaves(fixture.Db);
        var grain = fixture.Client.GetGrain<IKeyPersonGrain>(person.Id);

        Assert.Equal(TravelLeaveOutcome.Invalid, (await leaves.RequestAsync(Op("travel-leave"), person.Id, person.Grid, "", Now, Now.AddHours(1), Now)).Outcome);
        var (requested, leave) = await leaves.RequestAsync(Op("travel-leave"), person.Id, away.Code, "visiting family", Now, Now.AddHours(1), Now);
        Assert.Equal(TravelLeaveOutcome.Done, requested);
        Assert.Equal(TravelLeaveOutcome.Conflict, (await leaves.RequestAsync(Op("travel-leave"), person.Id, away.Code, "", Now, Now.AddHours(1), Now)).Outcome);
        var (approved, _) = await leaves.AnswerAsync(leave!.Id, approve: true, "corrections", null, Now);
        Assert.Equal(TravelLeaveOutcome.Done, approved);
        await grain.Reload();

        // Away in the leave's area before the deadline: allowed.
        await band.Report([_kit.BandStatus(there.Y, there.X)]);
        await _kit.AlertsStayAsync("t-travel-zone-" + person.Id[^8..], person.Id, a => a.Count == 0, "inside the leave's area", TimeSpan.FromMilliseconds(400));
        await _kit.AlertsStayAsync("t-travel-return-" + person.Id[^8..], person.Id, a => a.Count == 0, "not yet due", TimeSpan.FromMilliseconds(100));

        // Still away after the return deadline: the return is overdue, and the area is no longer allowed.
        fixture.GrainClock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await _kit.WaitForAlertsAsync("t-travel-return-" + person.Id[^8..], person.Id, a => a is [{ State: AlertStates.Firing }], "returned late");
        await _kit.WaitForAlertsAsync("t-travel-zone-" + person.Id[^8..], person.Id, a => a is [{ State: AlertStates.Firing }], "outside the allowed area again");

        // Back: the return is recorded, the overdue alert resolves.
        Assert.Equal(TravelLeaveOutcome.Done, (await leaves.ReturnedAsync(leave.Id, "corrections", Now)).Outcome);
        Assert.Equal(TravelLeaveOutcome.Conflict, (await leaves.ReturnedAsync(leave.Id, "corrections", Now)).Outcome);
        await grain.Reload();
        await _kit.WaitForAlertsAsync("t-travel-return-" + person.Id[^8..], person.Id, a => a is [{ State: AlertStates.Resolved }], "return recorded");
    }

    private async Task<List<FirstVisitDue>> FirstVisitsAsync(string grid)
    {
        await using var connection = await fixture.Db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        return await ReleaseNotices.FirstVisitsDueAsync(connection, transaction, grid, 100, CancellationToken.None);
    }
}

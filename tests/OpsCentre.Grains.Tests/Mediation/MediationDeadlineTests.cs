using OpsCentre.Database.Operations;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Mediation;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.Mediation;

/// <summary>
/// A joint mediation's (三所联调) parts' deadline watched by its grain: a part still missing at the deadline raises an alert that
/// escalates up the levels and ends when the last part is recorded; a mediation whose parts are all recorded in time has none.
/// Fake clock, real PostgreSQL.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class MediationDeadlineTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    private DateTimeOffset Now => fixture.GrainClock.GetUtcNow();

    private static Operation Op(string kind, string hash = "h") => new("tests", "op-" + Guid.NewGuid().ToString("N"), kind, hash);

    [Fact]
    public async Task AMediationWhosePartIsMissingPastItsDeadlineRaisesAnAlertThatEscalatesAndOneRecordedInTimeDoesNot()
    {
        var community = _kit.Fresh.Community();
        var departments = (await _kit.Db.RowsAsync(
            "SELECT code FROM department WHERE district_code = @d AND NOT disabled ORDER BY code LIMIT 2", r => r.GetString(0), ("d", community[..6]))).ToArray();
        Assert.Equal(2, departments.Length);
        var rule = "t-mediation-" + community[^6..];
        await _kit.SaveRuleAsync(new RuleDraft(rule, rule, "overdue", SubjectKinds.Mediation, community, AlertSeverity.Warning,
            """{"deadline":"mediationPart"}""", 0, 0, new EscalationPolicy(60), true));
        var store = new MediationCases(fixture.Db);
        async Task<MediationCase> OpenAsync(string title) =>
            (await store.OpenAsync(Op("mediation.open"), new MediationOpening(community, null, title, "邻里纠纷",
                [(departments[0], "治安调解"), (departments[1], "法律释明")], Now.AddHours(1)), Now)).Case!;

        var late = await OpenAsync("部门意见逾期");
        var inTime = await OpenAsync("按期完成");
        await fixture.Client.GetGrain<IMediationGrain>(late.Id).Changed();
        await fixture.Client.GetGrain<IMediationGrain>(inTime.Id).Changed();

        // Both parts of one, one part of the other, before the deadline.
        foreach (var department in departments)
        {
            Assert.Equal(MediationOutcome.Done, (await store.RecordPartAsync(Op("mediation.part"), inTime.Id, department, "已完成", Now)).Outcome);
        }

        await fixture.Client.GetGrain<IMediationGrain>(inTime.Id).Changed();
        Assert.Equal(MediationOutcome.Done, (await store.RecordPartAsync(Op("mediation.part"), late.Id, departments[0], "已调解", Now)).Outcome);
        await fixture.Client.GetGrain<IMediationGrain>(late.Id).Changed();
        await _kit.AlertsStayAsync(rule, late.Id, a => a.Count == 0, "not yet due", TimeSpan.FromMilliseconds(300));

        // The deadline passes: the missing part's alert fires at the mediation's unit and climbs to the street; the other has none.
        fixture.GrainClock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        var raised = await _kit.WaitForAlertsAsync(rule, late.Id, a => a is [{ State: AlertStates.Firing }], "the missing part overdue");
        Assert.Equal(community, raised[0].ResponsibleUnitCode);
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
        await _kit.WaitForAlertsAsync(rule, late.Id, a => a[0].ResponsibleUnitCode == community[..9], "escalated to the street");
        Assert.Equal(["alert.raised", "alert.escalated"], await _kit.HistoryAsync(raised[0].Id));
        await _kit.AlertsStayAsync(rule, inTime.Id, a => a.Count == 0, "every part recorded in time", TimeSpan.FromMilliseconds(300));

        // The last part recorded late: the alert ends.
        Assert.Equal(MediationOutcome.Done, (await store.RecordPartAsync(Op("mediation.part"), late.Id, departments[1], "已释明", Now)).Outcome);
        await fixture.Client.GetGrain<IMediationGrain>(late.Id).Changed();
        await _kit.WaitForAlertsAsync(rule, late.Id, a => a is [{ State: AlertStates.Resolved }], "the last part recorded");
    }
}

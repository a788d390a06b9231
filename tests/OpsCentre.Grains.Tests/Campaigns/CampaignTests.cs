using OpsCentre.Database.Operations;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Campaigns;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.Campaigns;

/// <summary>
/// A campaign (流动人口专项整治) watched by its grain: each grid's completion announced, each grid unfinished at the deadline an
/// alert that escalates up the four levels (四级联控), a finished grid none. Fake clock, real PostgreSQL.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class CampaignTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    private DateTimeOffset Now => fixture.GrainClock.GetUtcNow();

    /// <summary>Long expired, so no resident of the generated city's registries is selected beside the test's own.</summary>
    private static readonly DateOnly Expiry = new(2001, 3, 1);

    private static Operation Op(string kind, string hash = "h") => new("tests", "op-" + Guid.NewGuid().ToString("N"), kind, hash);

    private async Task<string> SeedFloatingResidentAsync(string grid)
    {
        var id = "per-campaign-" + Guid.NewGuid().ToString("N")[..12];
        await _kit.Db.ExecuteAsync(
            """
            INSERT INTO registry_person (id, unit_code, name, residence, registration_start, registration_expiry, source, collected_by, collected_at, version)
            VALUES (@id, @grid, '王小明', 'floating', @start, @expiry, 'public-security', 'police-station', now() - interval '1 year', 1)
            """, ("id", id), ("grid", grid), ("start", Expiry.AddYears(-1)), ("expiry", Expiry));
        return id;
    }

    private async Task<string[]> TaskIdsAsync(string campaignId, string grid) =>
        [.. await _kit.Db.RowsAsync("SELECT id FROM campaign_task WHERE campaign_id = @c AND grid_code = @g ORDER BY id", r => r.GetString(0), ("c", campaignId), ("g", grid))];

    [Fact]
    public async Task UnfinishedGridsAtTheDeadlineRaiseCampaignGridAlertsThatEscalateAndFinishedGridsDoNot()
    {
        var community = _kit.Fresh.Community();
        var grids = _kit.Fresh.City.Units.Where(u => u.Code.Length == 15 && u.Code.StartsWith(community, StringComparison.Ordinal)).Select(u => u.Code).Take(2).ToArray();
        Assert.Equal(2, grids.Length);
        var (late, finished) = (grids[0], grids[1]);
        await SeedFloatingResidentAsync(late);
        await SeedFloatingResidentAsync(late);
        await SeedFloatingResidentAsync(finished);
        var rule = "t-campaign-" + community[^6..];
        await _kit.SaveRuleAsync(new RuleDraft(rule, rule, "overdue", SubjectKinds.CampaignGrid, community, AlertSeverity.Warning,
            """{"deadline":"campaign"}""", 0, 0, new EscalationPolicy(60), true));
        var store = new CampaignStore(fixture.Db);

        // Nothing selected: refused, nothing written.
        Assert.Equal(CampaignOutcome.Invalid, (await store.StartAsync(Op("campaign.start"),
            new CampaignOpening(community, CampaignKinds.FloatingRegistration, "none", Expiry.AddYears(-5), Now.AddHours(1)), Now)).Outcome);

        var start = Op("campaign.start");
        var started = await store.StartAsync(start, new CampaignOpening(community, CampaignKinds.FloatingRegistration, "流动人口专项整治日", Expiry, Now.AddHours(1)), Now);
        Assert.Equal(CampaignOutcome.Done, started.Outcome);
        var campaign = started.Campaign!;
        Assert.Equal([new CampaignGridProgress(late, 2, 0), new CampaignGridProgress(finished, 1, 0)], campaign.Grids.OrderByDescending(g => g.Total));
        Assert.Equal(campaign.Id, (await store.StartAsync(start, new CampaignOpening(community, CampaignKinds.FloatingRegistration, "流动人口专项整治日", Expiry, Now.AddHours(1)), Now)).Campaign!.Id);
        var grain = fixture.Client.GetGrain<ICampaignGrain>(campaign.Id);
        await grain.Start();

        // One grid finishes in time: its completion is announced, applied once however often the phone sends it.
        var task = (await TaskIdsAsync(campaign.Id, finished)).Single();
        var complete = Op("campaign.task.complete");
        Assert.Equal(CampaignOutcome.Done, (await store.CompleteAsync(complete, task, finished, null, Now)).Outcome);
        Assert.Equal(CampaignOutcome.Done, (await store.CompleteAsync(complete, task, finished, null, Now)).Outcome);
        Assert.Equal(CampaignOutcome.AlreadyDone, (await store.CompleteAsync(Op("campaign.task.complete"), task, finished, null, Now)).Outcome);
        Assert.Equal(CampaignOutcome.NotFound, (await store.CompleteAsync(Op("campaign.task.complete"), task, late, null, Now)).Outcome);
        await grain.TaskDone(finished);
        await grain.TaskDone(finished);
        var announced = await _kit.Db.RowsAsync(
            "SELECT payload::text FROM event_log WHERE type = 'campaign.progress' AND unit_code = @g AND payload::jsonb ->> 'id' = @c ORDER BY seq",
            r => r.GetString(0), ("g", finished), ("c", campaign.Id));
        Assert.Equal(2, announced.Count);   // 0 of 1 at the start, 1 of 1 once
        Assert.Contains("\"done\":1", announced[1]);
        Assert.Contains("\"total\":1", announced[1]);

        await _kit.AlertsStayAsync(rule, CampaignSubjects.Of(campaign.Id, late).Id, a => a.Count == 0, "not yet due", TimeSpan.FromMilliseconds(300));

        // The deadline passes: the unfinished grid's alert fires and climbs 四级联控 — community, street, district; the finished one has none.
        fixture.GrainClock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        var subject = CampaignSubjects.Of(campaign.Id, late).Id;
        var raised = await _kit.WaitForAlertsAsync(rule, subject, a => a is [{ State: AlertStates.Firing }], "the unfinished grid overdue");
        Assert.Equal(late, raised[0].ResponsibleUnitCode);
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
        await _kit.WaitForAlertsAsync(rule, subject, a => a[0].ResponsibleUnitCode == late[..12], "escalated to the community");
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
        await _kit.WaitForAlertsAsync(rule, subject, a => a[0].ResponsibleUnitCode == late[..9], "escalated to the street");
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
        await _kit.WaitForAlertsAsync(rule, subject, a => a[0].ResponsibleUnitCode == late[..6], "escalated to the district");
        Assert.Equal(["alert.raised", "alert.escalated", "alert.escalated", "alert.escalated"], await _kit.HistoryAsync(raised[0].Id));
        Assert.Empty(await _kit.AlertsAsync(rule, CampaignSubjects.Of(campaign.Id, finished).Id));

        // Finished late, the grid's alert ends.
        foreach (var id in await TaskIdsAsync(campaign.Id, late))
        {
            Assert.Equal(CampaignOutcome.Done, (await store.CompleteAsync(Op("campaign.task.complete"), id, late, "已登记", Now)).Outcome);
        }

        await grain.TaskDone(late);
        await _kit.WaitForAlertsAsync(rule, subject, a => a is [{ State: AlertStates.Resolved }], "the grid finished");
        var now = await store.FindAsync(campaign.Id);
        Assert.Equal((3, 3), (now!.Total, now.Done));
    }
}

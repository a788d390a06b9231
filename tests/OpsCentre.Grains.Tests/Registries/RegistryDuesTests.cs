using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Registries;
using OpsCentre.Grains.Units;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.Registries;

/// <summary>
/// A grid's dues (网格基础信息到期) as its grain counts them: once when told (a write to the grid's registries) and again when a
/// count changes with time, but not on the rules' own rechecks of an overdue place's alert, which come every
/// <c>Alerts:ResolvedByHandCheck</c> (10 s) and used to count the grid again each time. Fake clock, real PostgreSQL.
/// </summary>
[Collection(nameof(ClusterCollection))]
public sealed class RegistryDuesTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    private DateOnly Today => RegistryDues.Today(fixture.GrainClock.GetUtcNow());

    private async Task<string> SeedKeyPlaceAsync(string grid, DateOnly due)
    {
        var id = "place-dues-" + Guid.NewGuid().ToString("N")[..12];
        await _kit.Db.ExecuteAsync(
            """
            INSERT INTO registry_key_place (id, unit_code, name, kind, civil_defence, physical_defence, technical_defence, next_inspection_due,
                                            source, collected_by, collected_at, version)
            VALUES (@id, @grid, '红星农贸市场', 'market', 'met', 'met', 'partial', @due, 'public-security', 'police-station', now() - interval '1 year', 1)
            """, ("id", id), ("grid", grid), ("due", due));
        return id;
    }

    private Task<UnitCounters> OverdueAsync(string grid, long expected, string what) =>
        GrainKit.EventuallyAsync(() => _kit.CountersAsync(grid), c => c.KeyPlacesOverdue == expected, what, describe: c => $"{c.KeyPlacesOverdue} overdue");

    [Fact]
    public async Task TheRulesRechecksOfAnOverduePlaceReadNothingAndAChangeWithTimeCountsAgain()
    {
        var community = _kit.Fresh.Community();
        var grid = _kit.Fresh.City.Units.First(u => u.Code.Length == 15 && u.Code.StartsWith(community, StringComparison.Ordinal)).Code;
        var rule = "t-inspection-" + community[^6..];
        await _kit.SaveRuleAsync(new RuleDraft(rule, rule, "overdue", SubjectKinds.KeyPlace, community, AlertSeverity.Warning,
            """{"deadline":"inspection"}""", 0, 0, new EscalationPolicy(60), true));

        // One overdue place, then the grid's unit: coming to life, it asks its grid's dues for their first count (one-way), the
        // only one until the grain is told again.
        var overdue = await SeedKeyPlaceAsync(grid, Today.AddDays(-2));
        await _kit.CountersAsync(grid);
        var first = Assert.Single(await _kit.WaitForAlertsAsync(rule, overdue, a => a.Any(x => x.State == AlertStates.Firing), "the overdue place's alert firing"));
        await OverdueAsync(grid, 1, "one place overdue");

        // Two rows the grain was not told of: one overdue already, one due today (overdue from tomorrow). The first place's alert
        // is resolved by hand while the place is still overdue; the grain's next recheck (every 10 s, Alerts:ResolvedByHandCheck)
        // finds that out and opens the next episode, a new alert — the sign that the wake ran. It did not count the grid again.
        await SeedKeyPlaceAsync(grid, Today.AddDays(-1));
        await SeedKeyPlaceAsync(grid, Today);
        Assert.Equal(AlertActionOutcome.Done, (await fixture.Client.GetGrain<IAlertGrain>(first.Id).Resolve("street.operator", "dues-hand", "checked")).Outcome);
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(11));
        await _kit.WaitForAlertsAsync(rule, overdue, a => a.Count == 2 && a[1].State == AlertStates.Firing, "the next episode, opened by the grain's recheck");
        Assert.Equal(1, (await _kit.CountersAsync(grid)).KeyPlacesOverdue);

        // Told of a write: it counts. The place due today is not overdue yet.
        await fixture.Client.GetGrain<IRegistryDuesGrain>(grid).Refresh();
        await OverdueAsync(grid, 2, "two places overdue once told");

        // The next day begins: a count changes with time, and the next wake counts again without being told.
        fixture.GrainClock.Advance(RegistryDues.StartOf(Today.AddDays(1)) - fixture.GrainClock.GetUtcNow() + TimeSpan.FromSeconds(1));
        await OverdueAsync(grid, 3, "three places overdue the next day");
    }
}

using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.KeyPersons;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.KeyPersons;

/// <summary>A change of the supervision schedule (监管计划) reaches running key-person grains through the rules' revision, with no reload.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class SupervisionScheduleTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    [Fact]
    public async Task AShortenedCheckInIntervalMakesARunningPersonsCheckInOverdueWithoutAReload()
    {
        var person = _kit.Fresh.KeyPerson();
        await _kit.SaveRuleAsync(new RuleDraft("t-kp-schedule", "t-kp-schedule", "overdue", SubjectKinds.KeyPerson, person.Grid, AlertSeverity.Warning,
            """{"deadline":"checkIn"}""", 0, 0, null, true));
        // Strict: a check-in a day; supervision began 20 hours ago, so the first is due in 4 hours.
        var since = fixture.GrainClock.GetUtcNow() - TimeSpan.FromHours(20);
        await _kit.Db.ExecuteAsync("UPDATE key_person SET supervision_level = 'strict', supervised_since = @since WHERE id = @id",
            ("since", since.ToUniversalTime()), ("id", person.Id));
        var grain = fixture.Client.GetGrain<IKeyPersonGrain>(person.Id);
        await grain.Reload();
        Assert.Equal(since + TimeSpan.FromDays(1), (await grain.Snapshot())!.CheckInDue);
        Assert.Empty(await _kit.AlertsAsync("t-kp-schedule", person.Id));

        var stored = (await new SupervisionSchedules(_kit.Db).ReadAsync()).Single(s => s.Level == "strict");
        try
        {
            // Every 12 hours now: the person's check-in fell due 8 hours ago. Nothing tells the grain; the rules' revision moves.
            await _kit.Db.ExecuteAsync("UPDATE supervision_schedule SET check_in_every = interval '12 hours' WHERE level = 'strict'");
            await GrainKit.EventuallyAsync(async () => (await grain.Snapshot())!.CheckInDue, due => due == since + TimeSpan.FromHours(12), "the new interval in the running grain", seconds: 10);
            await _kit.WaitForAlertsAsync("t-kp-schedule", person.Id, a => a is [{ State: AlertStates.Firing }], "check-in overdue under the new schedule");
        }
        finally
        {
            await _kit.Db.ExecuteAsync("UPDATE supervision_schedule SET check_in_every = @every WHERE level = 'strict'", ("every", stored.CheckInEvery));
        }
    }
}

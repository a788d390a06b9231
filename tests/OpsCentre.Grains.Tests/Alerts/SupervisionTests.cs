using OpsCentre.Grains.Alerts;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.Alerts;

/// <summary>督办: every escalation is a record; at the district the alert is urged again at its interval; the unit urged replies.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class SupervisionTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    private IAlertGrain Alert(string id) => fixture.Client.GetGrain<IAlertGrain>(id);

    private async Task<IReadOnlyList<Supervision>> SupervisionsAsync(string alertId) => (await Alert(alertId).Detail())!.Supervisions;

    private sealed record StoredSupervision(string Id, string UrgedUnit, int Level, bool Repeated, string? Reply);

    /// <summary>The 督办 the database keeps beside the log, oldest first.</summary>
    private async Task<IReadOnlyList<StoredSupervision>> StoredAsync(string alertId) =>
        await _kit.Db.RowsAsync(
            "SELECT id, urged_unit_code, level, repeated, reply FROM alert_supervision WHERE alert_id = @a ORDER BY number",
            r => new StoredSupervision(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetBoolean(3), r.IsDBNull(4) ? null : r.GetString(4)), ("a", alertId));

    private SupervisionReply ReplyOf(int? number, string unit, string opId, string text = "派人核查中", string role = "operator", string actor = "district.operator") =>
        new(number, actor, role, unit, opId, text);

    [Fact]
    public async Task AnAlertAtTheDistrictIsUrgedAgainAtItsIntervalUntilAcknowledgedAndEveryEscalationIsASupervisionRecord()
    {
        var (device, worker) = await _kit.WorkerDeviceAsync();
        var (district, street, community) = (worker.Grid[..6], worker.Grid[..9], worker.Grid[..12]);
        await _kit.SaveRuleAsync(GrainKit.Battery("t-urge", worker.Grid, escalation: new EscalationPolicy(60, RepeatSeconds: 300, ReplyWithinSeconds: 120)));
        await device.Report([_kit.Status(worker, 5)]);
        var alertId = Assert.Single(await _kit.AlertsAsync("t-urge", device.GetPrimaryKeyString())).Id;

        // grid → community → street → district, one 督办 each, every one due a reply two minutes after it.
        foreach (var unit in new[] { community, street, district })
        {
            fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
            await _kit.WaitForAlertsAsync("t-urge", device.GetPrimaryKeyString(), a => a[0].ResponsibleUnitCode == unit, $"escalated to {unit}");
        }

        var upwards = await SupervisionsAsync(alertId);
        Assert.Equal([community, street, district], upwards.Select(s => s.UnitCode));
        Assert.Equal([1, 2, 3], upwards.Select(s => s.Level));
        Assert.All(upwards, s => Assert.Equal((SupervisionReasons.NotAcknowledged, false, "t-urge", TimeSpan.FromSeconds(120)), (s.Reason, s.Repeated, s.RuleId, s.ReplyDueAt - s.At)));

        // At the district: nothing more before the repeat interval, then urged again there, and again.
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(200));
        await Consistently.HoldsAsync(async () => (await SupervisionsAsync(alertId)).Count, n => n == 3, TimeSpan.FromMilliseconds(500), "no 督办 before the repeat interval");
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(101));
        await GrainKit.EventuallyAsync(async () => (await SupervisionsAsync(alertId)).Count == 4, "urged again at the district");
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(301));
        await GrainKit.EventuallyAsync(async () => (await SupervisionsAsync(alertId)).Count == 5, "and again");
        Assert.Equal(["alert.raised", "alert.escalated", "alert.escalated", "alert.escalated", "alert.urged", "alert.urged"], await _kit.HistoryAsync(alertId));
        var again = (await SupervisionsAsync(alertId)).Skip(3).ToList();
        Assert.All(again, s => Assert.Equal((district, 3, true), (s.UnitCode, s.Level, s.Repeated)));

        // Stored durably beside the log, and the alert list knows the level and the count.
        Assert.Equal([community, street, district, district, district], (await StoredAsync(alertId)).Select(s => s.UrgedUnit));
        var (level, count) = (await _kit.Db.RowsAsync("SELECT escalation_level, supervision_count FROM alert WHERE id = @a", r => (r.GetInt32(0), r.GetInt32(1)), ("a", alertId))).Single();
        Assert.Equal((3, 5), (level, count));

        // Only the unit urged replies (an admin too); the same reply again changes nothing; another is refused.
        Assert.Equal(SupervisionReplyOutcome.Forbidden, (await Alert(alertId).Reply(ReplyOf(4, street, "reply-street"))).Outcome);
        var done = await Alert(alertId).Reply(ReplyOf(4, district, "reply-1"));
        Assert.Equal(SupervisionReplyOutcome.Done, done.Outcome);
        Assert.Equal(("district.operator", "派人核查中"), (done.Supervision!.RepliedBy, done.Supervision.Reply));
        Assert.Equal(SupervisionReplyOutcome.Replayed, (await Alert(alertId).Reply(ReplyOf(4, district, "reply-1"))).Outcome);
        Assert.Equal(SupervisionReplyOutcome.AlreadyReplied, (await Alert(alertId).Reply(ReplyOf(4, district, "reply-2", "另一个答复"))).Outcome);
        Assert.Equal(SupervisionReplyOutcome.OpIdReused, (await Alert(alertId).Reply(ReplyOf(5, district, "reply-1"))).Outcome);
        Assert.Equal(SupervisionReplyOutcome.NoSuchSupervision, (await Alert(alertId).Reply(ReplyOf(9, district, "reply-9"))).Outcome);
        // Without a number: the latest.
        var latest = await Alert(alertId).Reply(ReplyOf(null, "5101", "reply-admin", "市级已知悉", role: "admin", actor: "city.admin"));
        Assert.Equal((SupervisionReplyOutcome.Done, 5), (latest.Outcome, latest.Supervision!.Number));
        Assert.Equal([null, null, null, "派人核查中", "市级已知悉"], (await StoredAsync(alertId)).Select(s => s.Reply));
        Assert.Equal(8, (await _kit.HistoryAsync(alertId)).Length); // raised, three escalations, two urgings, two replies

        // Acknowledged, it is urged no more (the policy sets no deadline to resolve).
        Assert.Equal(AlertActionOutcome.Done, (await Alert(alertId).Acknowledge("district.operator", "ack-urge", null)).Outcome);
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(601));
        await Consistently.HoldsAsync(async () => (await SupervisionsAsync(alertId)).Count, n => n == 5, TimeSpan.FromMilliseconds(500), "no 督办 once acknowledged");
    }

    [Fact]
    public async Task AnAcknowledgedAlertNotResolvedWithinItsDeadlineEscalatesAgainUntilResolved()
    {
        var (device, worker) = await _kit.WorkerDeviceAsync();
        await _kit.SaveRuleAsync(GrainKit.Battery("t-resolve-within", worker.Grid, escalation: new EscalationPolicy(60, ResolveWithinSeconds: 600)));
        await device.Report([_kit.Status(worker, 5)]);
        var alertId = Assert.Single(await _kit.AlertsAsync("t-resolve-within", device.GetPrimaryKeyString())).Id;
        Assert.Equal(AlertActionOutcome.Done, (await Alert(alertId).Acknowledge("grid.worker", "ack-rw", "on my way")).Outcome);

        // Acknowledged: no escalation within the ten minutes it has to be resolved in.
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(599));
        await Consistently.HoldsAsync(async () => (await SupervisionsAsync(alertId)).Count, n => n == 0, TimeSpan.FromMilliseconds(500), "no 督办 before the deadline");

        // Past it: escalated while acknowledged, and then a step further every timeout.
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(2));
        await GrainKit.EventuallyAsync(async () => (await SupervisionsAsync(alertId)).Count == 1, "escalated past the deadline");
        var first = (await SupervisionsAsync(alertId))[0];
        Assert.Equal((worker.Grid[..12], SupervisionReasons.NotResolved), (first.UnitCode, first.Reason));
        var listed = Assert.Single(await _kit.AlertsAsync("t-resolve-within", device.GetPrimaryKeyString()));
        Assert.Equal((AlertStates.Acknowledged, worker.Grid[..12]), (listed.State, listed.ResponsibleUnitCode));
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(61));
        await _kit.WaitForAlertsAsync("t-resolve-within", device.GetPrimaryKeyString(), a => a[0].ResponsibleUnitCode == worker.Grid[..9], "escalated to the street");

        // Resolved, it stops.
        Assert.Equal(AlertActionOutcome.Done, (await Alert(alertId).Resolve("street.operator", "resolve-rw", "battery swapped")).Outcome);
        fixture.GrainClock.Advance(TimeSpan.FromSeconds(121));
        await Consistently.HoldsAsync(async () => (await SupervisionsAsync(alertId)).Count, n => n == 2, TimeSpan.FromMilliseconds(500), "no 督办 once resolved");
        Assert.Equal(["alert.raised", "alert.acknowledged", "alert.escalated", "alert.escalated", "alert.resolved"], await _kit.HistoryAsync(alertId));
    }
}

namespace OpsCentre.Grains.Units;

/// <summary>
/// A grid (网格) or community (社区) as the subject of its own alert rules, keyed by its code: it counts what happens in it
/// — cases reported, alerts raised (<c>rate</c> rules: more than N cases of one category within a window) — and its members'
/// rule states (<c>member-share</c> rules: most phones of the grid silent at once, a mast down), evaluates those rules where
/// the counts live, and inhibits the member alerts below a unit alert that fired. Small and event-driven: it is told of each
/// occurrence and each member's change, never scans, and keeps a durable wake-up only while a window must close.
/// </summary>
public interface IUnitWatchGrain : IGrainWithStringKey
{
    /// <summary>
    /// Something countable happened in the grid: a case reported (<c>incident</c>, <c>incident:&lt;category&gt;</c>) or an alert raised
    /// (<c>alert</c>, <c>alert:&lt;ruleId&gt;</c>), identified by <paramref name="key"/> (the case's or alert's id), so a retry counts once.
    /// Interleaved: it only records, and the unit evaluates in a turn of its own, so an alert telling it is never waiting on a unit
    /// that is telling that alert something (an inhibition) at the same time.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task Occurred(IReadOnlyList<string> names, string key, DateTimeOffset at);

    /// <summary>A member (a device, worker or key person within the unit) says whether the member rule holds for it now, and its alert.</summary>
    Task MemberChanged(string memberRuleId, string member, bool holds, string? alertId, DateTimeOffset at);

    /// <summary>
    /// The unit alert that inhibits alerts of <paramref name="memberRuleId"/> in this unit now, or null: asked by a member alert
    /// when it would fire. Interleaved (it only reads), so a member alert that the unit is telling something at the same time can ask.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<string?> InhibitorOf(string memberRuleId);
}

/// <summary>Where a case or an alert is counted for the rate rules of its grid.</summary>
public static class UnitWatch
{
    /// <summary>
    /// Tells the grid of <paramref name="unitCode"/> that the occurrences <paramref name="names"/> happened (once per <paramref name="key"/>),
    /// when one of its rate rules counts them; nothing is called when none does (most cases, most alerts).
    /// </summary>
    public static Task CountAsync(IGrainFactory grains, Alerts.RuleSet ruleSet, string unitCode, string key, DateTimeOffset at, params string[] names)
    {
        var gridLength = Alerts.SubjectKinds.CodeLength(Alerts.SubjectKinds.Grid);
        return unitCode.Length == gridLength && ruleSet.Counts(unitCode, names)
            ? grains.GetGrain<IUnitWatchGrain>(unitCode).Occurred(names, key, at)
            : Task.CompletedTask;
    }
}

namespace OpsCentre.Grains.Alerts;

/// <summary>
/// A subject's memory of its rules, kept in the subject grain's own state: per rule, since when its
/// condition holds (or has cleared) and the alert of the current episode.
/// </summary>
public sealed class AlertWatchState
{
    public Dictionary<string, RuleWatch> Rules { get; set; } = [];

    /// <summary>Per rule, the number of the subject's latest episode; kept after the episode ends, so numbers are never reused.</summary>
    public Dictionary<string, long> Episodes { get; set; } = [];
}

public sealed class RuleWatch
{
    /// <summary>Whether the condition held at the last evaluation (zone hysteresis needs it).</summary>
    public bool Holds { get; set; }

    /// <summary>Since when the condition holds in this episode; null while it does not.</summary>
    public DateTimeOffset? HoldsSince { get; set; }

    /// <summary>Since when the condition has been clear while an alert is open; null while it holds.</summary>
    public DateTimeOffset? ClearSince { get; set; }

    /// <summary>The alert of the current episode; null before it opens and after it resolves.</summary>
    public string? AlertId { get; set; }

    /// <summary>Whether the alert's grain has confirmed it is open.</summary>
    public bool Opened { get; set; }

    /// <summary>Whether the alert has been told to fire (its pending period passed).</summary>
    public bool Fired { get; set; }

    /// <summary>When the subject last asked the fired alert, while the condition held, whether it was resolved by hand.</summary>
    public DateTimeOffset? LookedAt { get; set; }

    /// <summary>When an operator resolved the episode's alert while the condition still held; the next episode opens a recovery period later.</summary>
    public DateTimeOffset? ResolvedByHandAt { get; set; }

    /// <summary>What the units counting this rule (<c>member-share</c>) were last told of it: <c>holds</c>/<c>clear</c> and the alert; null when never told.</summary>
    public string? ReportedToUnits { get; set; }
}

/// <summary>The subject being evaluated: who it is, where it is, and how to save its watch state.</summary>
/// <param name="Persist">
/// Writes the subject's state; called once an alert is opened. A crash before it cannot open the episode twice:
/// the opening is stored in the log under the episode's number, and a repeated opening is answered with the first alert.
/// </param>
/// <param name="Assignee">Who the subject's alerts go to first (a key person's responsible officer, 社区矫正), or null.</param>
/// <param name="DrillId">
/// For the subject as a drill's scripted positions put it (演练): its own watch state, its alerts marked with the drill, reported to
/// no unit's member rules.
/// </param>
public sealed record WatchedSubject(AlertSubject Subject, string UnitCode, AlertWatchState State, Func<Task> Persist, string? Assignee = null, string? DrillId = null);

/// <summary>
/// Evaluates a subject's rules inside the subject's grain — on each change and on its own wake-ups —
/// and drives its alerts: one alert per episode per (rule, subject), opened when the condition first
/// holds (pending) or once it has held for the pending period (firing), resolved once the condition
/// has been clear for the recovery period. Nothing here scans other subjects.
/// </summary>
public sealed class AlertWatcher(RuleBook rules, IGrainFactory grains, Microsoft.Extensions.Options.IOptions<AlertOptions> options)
{
    /// <summary>Episodes looked at before giving up: more than a crash can leave behind.</summary>
    private const int MaxEpisodeLookups = 50;

    /// <summary>Whether an observation made at <paramref name="observedAt"/> arrives late (<see cref="AlertOptions.LateObservationAfter"/>) and is to be judged at its own time first.</summary>
    public bool IsLate(DateTimeOffset observedAt, DateTimeOffset now) => observedAt < now - options.Value.LateObservationAfter;

    /// <summary>
    /// Evaluates every rule that targets the subject. Returns when the subject should evaluate again even
    /// if nothing happens (a pending or recovery period ending, a silence period running out, a window
    /// edge), or null when only a change can make a difference.
    /// </summary>
    /// <param name="replayedAt">
    /// For the facts of a replayed observation (a queued position, <see cref="IsLate"/>): when it was made. Only the rules that read
    /// the observation (<see cref="RuleCondition.ReadsObservation"/>) are judged, as of then — a curfew at the time the person was
    /// there, a dwell counted in the observations' own times — while the alerts' transitions are stamped <paramref name="now"/>, and an
    /// alert opened so records when its condition began and that it was detected on replay. The answer is of no use then: the subject
    /// evaluates once more at <paramref name="now"/> after its replay, and arms its wake-up from that.
    /// </param>
    public async Task<DateTimeOffset?> EvaluateAsync(WatchedSubject subject, SubjectFacts facts, DateTimeOffset now, DateTimeOffset? replayedAt = null)
    {
        var at = replayedAt ?? now;
        var ruleSet = await rules.CurrentAsync();
        var watches = subject.State.Rules;
        DateTimeOffset? next = null;
        void WakeAt(DateTimeOffset? at) => next = at is null ? next : next is null || at < next ? at : next;

        var applicable = ruleSet.For(subject.Subject.Kind, subject.UnitCode, facts);
        if (applicable.Count == 0 && watches.Count == 0)
        {
            return null; // no rule targets the subject and none has an episode to end: most subjects, most of the time
        }

        foreach (var rule in applicable)
        {
            if (replayedAt is not null && !rule.Condition.ReadsObservation(facts))
            {
                continue; // a replay says nothing new to it: left as it stands, for the evaluation at now
            }

            watches.TryGetValue(rule.Rule.Id, out var watch);
            var (evaluated, fault) = Evaluate(rule, facts, at, watch?.Holds ?? false);
            if (evaluated is not { } result)
            {
                // A faulty rule is skipped: it never fails the status or stops the other rules.
                if (fault is not null)
                {
                    OpsCentreMetrics.RuleEvaluationFailed();
                    await rules.ReportFaultAsync(rule.Rule, fault);
                }

                continue;
            }

            WakeAt(result.RecheckAt);
            if (watch is null && !result.Holds)
            {
                continue; // clear, and no episode to end: nothing to remember (what most statuses find)
            }

            watch ??= watches[rule.Rule.Id] = new RuleWatch();
            watch.Holds = result.Holds;
            var moment = new Moment(now, at, replayedAt is not null);
            WakeAt(result.Holds ? await WhileHoldingAsync(subject, rule, watch, moment) : await WhileClearAsync(rule, watch, moment));
            if (ruleSet.IsMemberRule(rule.Rule.Id))
            {
                await ReportToUnitsAsync(ruleSet, subject, rule.Rule.Id, watch, now);
            }

            if (watch is { Holds: false, AlertId: null })
            {
                watches.Remove(rule.Rule.Id);
            }
        }

        if (watches.Count > 0 && replayedAt is null)
        {
            await EndInapplicableAsync(ruleSet, subject, watches, applicable, now);
        }

        return next;
    }

    /// <summary>
    /// Tells the units above the subject whose <c>member-share</c> rules count this rule (most phones of a grid silent) whether
    /// it holds for the subject, and its alert — only when that changed, so a steady state costs nothing.
    /// </summary>
    private async Task ReportToUnitsAsync(RuleSet ruleSet, WatchedSubject subject, string ruleId, RuleWatch watch, DateTimeOffset now)
    {
        var mark = (watch.Holds ? "holds:" : "clear:") + watch.AlertId;
        if (mark == watch.ReportedToUnits || (watch.ReportedToUnits is null && !watch.Holds) || SubjectKinds.IsUnit(subject.Subject.Kind) || subject.DrillId is not null)
        {
            return; // units count their members, never other units: no cycle between units
        }

        var units = ruleSet.UnitsWatching(ruleId, subject.UnitCode);
        if (units.Count == 0)
        {
            return; // no unit counts this rule (most rules); a unit rule made later hears of it at the subject's next evaluation
        }

        var member = subject.Subject.Kind + ":" + subject.Subject.Id;
        foreach (var unit in units)
        {
            await grains.GetGrain<Units.IUnitWatchGrain>(unit).MemberChanged(ruleId, member, watch.Holds, watch.AlertId, now);
        }

        watch.ReportedToUnits = mark;
    }

    /// <summary>Counts an occurrence in its grid for the grid's rate rules (<see cref="Units.UnitWatch.CountAsync"/>): a case reported there.</summary>
    public async Task CountInGridAsync(string unitCode, string key, DateTimeOffset at, params string[] names) =>
        await Units.UnitWatch.CountAsync(grains, await rules.CurrentAsync(), unitCode, key, at, names);

    /// <summary>The condition's result; none for a rule already faulty on this silo, or none and the error when its evaluation throws.</summary>
    private (ConditionResult? Result, Exception? Fault) Evaluate(CompiledRule rule, SubjectFacts facts, DateTimeOffset now, bool heldBefore)
    {
        if (rules.IsFaulty(rule.Rule))
        {
            return (null, null);
        }

        try
        {
            return (rule.Condition.Evaluate(facts, now, heldBefore), null);
        }
        catch (Exception ex)
        {
            // Conditions are pure functions of the facts: whatever one throws is the rule's fault, not the subject's.
            return (null, ex);
        }
    }

    /// <summary>A rule switched off, deleted or moved out of scope ends its open episode.</summary>
    /// <remarks>Apart from <see cref="EvaluateAsync"/>, so that its lambdas' closure is made only when needed.</remarks>
    private async Task EndInapplicableAsync(RuleSet ruleSet, WatchedSubject subject, Dictionary<string, RuleWatch> watches, List<CompiledRule> applicable, DateTimeOffset now)
    {
        foreach (var (ruleId, watch) in watches.Where(w => applicable.All(r => r.Rule.Id != w.Key)).ToList())
        {
            if (watch.AlertId is { } alertId)
            {
                await grains.GetGrain<IAlertGrain>(alertId).Clear(now, "the rule no longer applies");
            }

            if (watch.ReportedToUnits is not null && ruleSet.IsMemberRule(ruleId))
            {
                // The units counting it hear that it no longer holds here.
                watch.Holds = false;
                watch.AlertId = null;
                await ReportToUnitsAsync(ruleSet, subject, ruleId, watch, now);
            }

            watches.Remove(ruleId);
        }
    }

    /// <summary>
    /// When an evaluation happens: <c>Now</c> stamps what the alerts do; <c>At</c> is the time the facts are judged as of —
    /// <c>Now</c>, or a replayed observation's own time (<c>Replay</c>) — and counts the pending and recovery periods.
    /// </summary>
    private readonly record struct Moment(DateTimeOffset Now, DateTimeOffset At, bool Replay);

    private async Task<DateTimeOffset?> WhileHoldingAsync(WatchedSubject subject, CompiledRule rule, RuleWatch watch, Moment moment)
    {
        var now = moment.Now;
        watch.ClearSince = null;
        watch.HoldsSince ??= moment.At;
        var firesAt = watch.HoldsSince.Value + rule.Pending;
        var firing = moment.At >= firesAt;
        if (!watch.Opened)
        {
            var opened = await OpenEpisodeAsync(subject, rule, watch, firing, now, moment.Replay);
            watch.Opened = true;
            watch.Fired = opened.State != AlertStates.Pending;
            watch.LookedAt = now;
            // Remembered after the screens have the alert: the episode's number in the log, not this write, keeps it single.
            await subject.Persist();
        }

        if (firing && !watch.Fired)
        {
            var fired = await grains.GetGrain<IAlertGrain>(watch.AlertId!).Fire(now);
            watch.Fired = true;
            watch.LookedAt = now;
            if (fired is { State: AlertStates.Resolved, ResolvedAt: { } resolvedAt })
            {
                watch.ResolvedByHandAt = resolvedAt; // resolved by hand while pending
            }
        }

        return watch.Fired ? await WhileFiringAsync(subject, rule, watch, moment) : firesAt;
    }

    /// <summary>
    /// The condition holds and the alert has fired. A resolution by hand cannot hide a condition that still holds: the
    /// subject asks its alert now and then (<see cref="AlertOptions.ResolvedByHandCheck"/>), and once the condition has
    /// held on for the rule's recovery period after such a resolution, the next episode opens — a new alert, firing.
    /// </summary>
    private async Task<DateTimeOffset?> WhileFiringAsync(WatchedSubject subject, CompiledRule rule, RuleWatch watch, Moment moment)
    {
        var now = moment.Now;
        if (watch.ResolvedByHandAt is null)
        {
            var lookAt = (watch.LookedAt ?? now) + options.Value.ResolvedByHandCheck;
            if (watch.LookedAt is not null && now < lookAt)
            {
                return lookAt;
            }

            watch.LookedAt = now;
            if (await grains.GetGrain<IAlertGrain>(watch.AlertId!).Current() is not { State: AlertStates.Resolved } resolved)
            {
                return now + options.Value.ResolvedByHandCheck;
            }

            watch.ResolvedByHandAt = resolved.ResolvedAt ?? now;
        }

        var reopensAt = watch.ResolvedByHandAt.Value + rule.Recovery;
        if (now < reopensAt)
        {
            return reopensAt;
        }

        // The condition has held since before the resolution, so the new episode's pending period is long over: it fires at once.
        watch.AlertId = null;
        watch.Opened = false;
        watch.Fired = false;
        watch.LookedAt = null;
        watch.ResolvedByHandAt = null;
        return await WhileHoldingAsync(subject, rule, watch, moment);
    }

    /// <summary>
    /// Opens this episode's alert under a new id, or — when the log already holds the episode's opening from
    /// before a crash — takes that alert over; an episode found already resolved makes way for the next number.
    /// </summary>
    private async Task<AlertView> OpenEpisodeAsync(WatchedSubject subject, CompiledRule rule, RuleWatch watch, bool firing, DateTimeOffset now, bool replay)
    {
        var episodes = subject.State.Episodes;
        for (var attempt = 0; attempt < MaxEpisodeLookups; attempt++)
        {
            var newId = watch.AlertId is null;
            if (newId)
            {
                watch.AlertId = DistrictIds.New(subject.UnitCode);
                episodes[rule.Rule.Id] = episodes.GetValueOrDefault(rule.Rule.Id) + 1;
            }

            var opened = await grains.GetGrain<IAlertGrain>(watch.AlertId!).Open(new AlertOpening(
                rule.Rule.Id, rule.Rule.Version, rule.Rule.Title, rule.Rule.Severity, subject.Subject, subject.UnitCode, rule.Rule.Escalation,
                firing, now, episodes.GetValueOrDefault(rule.Rule.Id), newId, watch.HoldsSince, replay, subject.Assignee, subject.DrillId));
            if (opened.Id != watch.AlertId)
            {
                watch.AlertId = opened.Id; // opened before a crash: ours; ask it for its current state
            }
            else if (opened.State == AlertStates.Resolved)
            {
                watch.AlertId = null; // an episode that ended while we were not looking: the next one
            }
            else
            {
                return opened;
            }
        }

        throw new InvalidOperationException($"no open episode found for rule {rule.Rule.Id} of {subject.Subject.Kind} {subject.Subject.Id}");
    }

    private async Task<DateTimeOffset?> WhileClearAsync(CompiledRule rule, RuleWatch watch, Moment moment)
    {
        watch.HoldsSince = null;
        if (watch.AlertId is not { } alertId)
        {
            return null;
        }

        // A pending alert whose condition cleared never fired: it ends at once. A fired one waits out the recovery period.
        watch.ClearSince ??= moment.At;
        var resolvesAt = watch.Fired ? watch.ClearSince.Value + rule.Recovery : moment.At;
        if (moment.At < resolvesAt)
        {
            return resolvesAt;
        }

        var reason = watch.Fired ? "the condition cleared" : "the condition cleared before the alert fired";
        await grains.GetGrain<IAlertGrain>(alertId).Clear(moment.Now, moment.Replay ? $"{reason} at {watch.ClearSince.Value:O} (detected on replay)" : reason);
        watch.AlertId = null;
        watch.ClearSince = null;
        watch.Opened = false;
        watch.Fired = false;
        watch.LookedAt = null;
        watch.ResolvedByHandAt = null;
        return null;
    }
}

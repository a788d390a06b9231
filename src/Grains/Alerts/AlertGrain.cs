using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpsCentre.Grains.EventLog;
using OpsCentre.Grains.Units;
using Orleans.Runtime;

namespace OpsCentre.Grains.Alerts;

/// <summary>
/// One alert. Not reentrant: it is the single writer of its history, one transition at a time. Every
/// transition is appended to the district's event log and committed before the grain's state changes
/// or anyone is told; the state is rebuilt from those events on first use (a brand-new alert, known to be one, skips the read). While it may still escalate
/// (or is waiting for a silence to end) it keeps a reminder as a durable wake-up, so escalation goes on
/// after the silo hosting it died, and a grain timer for the exact moment. Every escalation is a 督办
/// (<see cref="Supervision"/>), carried in the payload of the event that issued it; at the district the alert is
/// urged again at the policy's interval until someone acts.
/// </summary>
public sealed partial class AlertGrain(
    EventLogStore log,
    RuleBook rules,
    IOptions<AlertOptions> options,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    ILogger<AlertGrain> logger) : Grain, IAlertGrain, IRemindable
{
    /// <summary>The actor recorded for transitions the engine makes by itself.</summary>
    public const string EngineActor = "alert-engine";

    private const string WakeReminder = "wake";
    private const string EventFamily = "alert.";
    private const string SupervisionMember = "supervision";

    private string _id = "";
    private string _district = "";
    private AlertView? _alert;
    private readonly List<AlertHistoryEntry> _history = [];
    private readonly List<Supervision> _supervisions = [];
    private DateTimeOffset _escalationClockFrom;
    private DurableWakeUp? _wakeUp;
    private bool _loaded;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _id = this.GetPrimaryKeyString();
        _district = DistrictIds.DistrictOf(_id);
        // Kept alive while it may still escalate: the timer, not the reminder's period, sets the moment.
        _wakeUp = new DurableWakeUp(this, WakeReminder, options.Value.ReminderPeriod, WakeAsync, clock, keepAlive: true, phaseKey: _id);
        return Task.CompletedTask;
    }

    public async Task<AlertView> Open(AlertOpening opening)
    {
        if (opening.NewId && _history.Count == 0)
        {
            // An id made in the caller's very turn has no history and never armed a reminder: nothing to read.
            _loaded = true;
            _wakeUp!.AssumeNoReminder();
        }

        await LoadAsync();
        if (_alert is not null)
        {
            return _alert;
        }

        var now = opening.At;
        var alert = new AlertView(
            _id, opening.RuleId, opening.RuleVersion, opening.Title, opening.Severity, AlertStates.Pending, opening.Subject, opening.UnitCode,
            opening.UnitCode, now, opening.Escalation?.TimeoutSeconds, 0, null, null, null, null, null, opening.BreachedAt, opening.DetectedOnReplay, opening.Escalation,
            Assignee: opening.Assignee, DrillId: opening.DrillId);
        var (type, opened) = opening.Firing ? await FiringAsync(alert, now) : ("alert.pending", alert);
        return await OpenAsync(type, opened, opening);
    }

    public async Task<AlertView?> Fire(DateTimeOffset at)
    {
        await LoadAsync();
        if (_alert is { State: AlertStates.Pending } alert)
        {
            await StartFiringAsync(alert, at);
        }

        return _alert;
    }

    public async Task<AlertView?> Clear(DateTimeOffset at, string reason)
    {
        await LoadAsync();
        if (_alert is { State: not AlertStates.Resolved } alert)
        {
            await CommitAsync("alert.resolved", EngineActor, alert with { State = AlertStates.Resolved, ResolvedBy = EngineActor, ResolvedAt = at, Note = reason }, at);
        }

        return _alert;
    }

    public async Task<AlertActionResult> Acknowledge(string actor, string opId, string? note)
    {
        await LoadAsync();
        switch (_alert)
        {
            case null:
                return new(AlertActionOutcome.NotFound, null);
            case { State: AlertStates.Acknowledged }:
                return new(AlertActionOutcome.AlreadyDone, _alert);
            case { State: AlertStates.Resolved }:
                return new(AlertActionOutcome.NotAllowed, _alert);
        }

        var now = clock.GetUtcNow();
        await CommitAsync("alert.acknowledged", actor, _alert with { State = AlertStates.Acknowledged, AcknowledgedBy = actor, AcknowledgedAt = now, Note = note }, now, opId);
        return new(AlertActionOutcome.Done, _alert);
    }

    public async Task<AlertActionResult> Resolve(string actor, string opId, string? note)
    {
        await LoadAsync();
        switch (_alert)
        {
            case null:
                return new(AlertActionOutcome.NotFound, null);
            case { State: AlertStates.Resolved }:
                return new(AlertActionOutcome.AlreadyDone, _alert);
        }

        var now = clock.GetUtcNow();
        await CommitAsync("alert.resolved", actor, _alert with { State = AlertStates.Resolved, ResolvedBy = actor, ResolvedAt = now, Note = note }, now, opId);
        return new(AlertActionOutcome.Done, _alert);
    }

    public async Task<AlertView?> Inhibit(string inhibitorId, DateTimeOffset at)
    {
        await LoadAsync();
        if (_alert is { State: AlertStates.Firing } firing)
        {
            await CommitAsync("alert.inhibited", EngineActor, Inhibited(firing, inhibitorId), at);
        }

        return _alert;
    }

    public async Task<AlertView?> Release(string inhibitorId, DateTimeOffset at)
    {
        await LoadAsync();
        if (_alert is { State: AlertStates.Inhibited } inhibited && inhibited.InhibitedBy == inhibitorId)
        {
            await StartFiringAsync(inhibited, at);
        }

        return _alert;
    }

    public async Task<AlertDetail?> Detail()
    {
        await LoadAsync();
        return _alert is null ? null : new AlertDetail(_alert, [.. _history], [.. _supervisions]);
    }

    public async Task<AlertView?> Current()
    {
        await LoadAsync();
        return _alert;
    }

    public async Task<SupervisionReplyResult> Reply(SupervisionReply reply)
    {
        await LoadAsync();
        if (_alert is null)
        {
            return new(SupervisionReplyOutcome.NotFound, null, null);
        }

        if ((reply.Number is { } number ? _supervisions.FirstOrDefault(s => s.Number == number) : _supervisions.LastOrDefault()) is not { } supervision)
        {
            return new(SupervisionReplyOutcome.NoSuchSupervision, null, reply.Number is null ? "the alert has no 督办" : $"the alert has no 督办 {reply.Number}");
        }

        // Whose it is, before whether it is still open: someone else's 督办 is refused whatever its state.
        if (SupervisionDuty.Refusal(supervision, reply) is { } refusal)
        {
            return new(SupervisionReplyOutcome.Forbidden, supervision, refusal);
        }

        if (supervision.RepliedAt is not null)
        {
            return supervision.RepliedBy == reply.Actor && supervision.Reply == reply.Text
                ? new(SupervisionReplyOutcome.Replayed, supervision, null)
                : new(SupervisionReplyOutcome.AlreadyReplied, supervision, $"this 督办 was answered by {supervision.RepliedBy} at {supervision.RepliedAt:O}");
        }

        var now = clock.GetUtcNow();
        var answered = supervision with { RepliedAt = now, RepliedBy = reply.Actor, Reply = reply.Text };
        var stored = await AppendAsync("alert.supervision-replied", reply.Actor, _alert with { Note = null }, now, "operator:" + reply.Actor, reply.OpId, answered);
        if (stored.All(e => _history.Any(h => h.Seq == e.Seq)))
        {
            // The log answered with an event this alert already has: the caller used this opId for something else before.
            return new(SupervisionReplyOutcome.OpIdReused, supervision, "this opId was used for a different request");
        }

        await AfterCommitAsync(stored);
        return new(SupervisionReplyOutcome.Done, _supervisions.First(s => s.Number == supervision.Number), null);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        await LoadAsync();
        await WakeAsync();
    }

    /// <summary>Rebuilds the alert from its events, once per activation, and arms its wake-up.</summary>
    private async Task LoadAsync()
    {
        if (_loaded)
        {
            return;
        }

        foreach (var logged in await log.ReadSubjectAsync(_district, EventFamily, _id))
        {
            Apply(logged);
        }

        _loaded = true;
        await ArmWakeUpAsync();
    }

    /// <summary>
    /// The opening transition, stored under the subject's episode key rather than the alert's own: when the log
    /// already holds that episode under another alert, that alert's opening comes back and this grain stays empty.
    /// </summary>
    private async Task<AlertView> OpenAsync(string type, AlertView opened, AlertOpening opening)
    {
        var (caller, opId) = opening.LogKey;
        var stored = await AppendAsync(type, EngineActor, opened, opening.At, caller, opId);
        var first = JsonSerializer.Deserialize<AlertView>(stored[0].PayloadJson, JsonSerializerOptions.Web)!;
        if (first.Id != _id)
        {
            DeactivateOnIdle();
            return first;
        }

        await AfterCommitAsync(stored);
        OpsCentreMetrics.AlertRaised(opened.Severity);
        return _alert!;
    }

    /// <summary>
    /// Firing, unless a silence covers it now (then suppressed until the silence ends) or a unit alert above it inhibits its
    /// rule there (then inhibited until that alert resolves).
    /// </summary>
    private async Task<(string Type, AlertView Next)> FiringAsync(AlertView alert, DateTimeOffset at)
    {
        var ruleSet = await rules.CurrentAsync();
        if (ruleSet.SilenceFor(alert.RuleId, alert.UnitCode, at) is { } silence)
        {
            return ("alert.suppressed", alert with { State = AlertStates.Suppressed, Note = "silenced: " + silence.Reason, InhibitedBy = null });
        }

        return await InhibitorAsync(ruleSet, alert) is { } inhibitor
            ? ("alert.inhibited", Inhibited(alert, inhibitor))
            : ("alert.raised", alert with { State = AlertStates.Firing, Note = null, InhibitedBy = null });
    }

    /// <summary>The unit alert (a grid's or community's <c>member-share</c> rule) that inhibits this alert's rule where it is, if any.</summary>
    private async Task<string?> InhibitorAsync(RuleSet ruleSet, AlertView alert)
    {
        if (SubjectKinds.IsUnit(alert.Subject.Kind))
        {
            return null;
        }

        foreach (var unit in ruleSet.UnitsWatching(alert.RuleId, alert.UnitCode, inhibiting: true))
        {
            if (await GrainFactory.GetGrain<IUnitWatchGrain>(unit).InhibitorOf(alert.RuleId) is { } inhibitor)
            {
                return inhibitor;
            }
        }

        return null;
    }

    private static AlertView Inhibited(AlertView alert, string inhibitorId) =>
        alert with { State = AlertStates.Inhibited, InhibitedBy = inhibitorId, Note = "inhibited by " + inhibitorId };

    private async Task StartFiringAsync(AlertView alert, DateTimeOffset at)
    {
        var (type, next) = await FiringAsync(alert, at);
        if (next is { State: AlertStates.Inhibited } && alert is { State: AlertStates.Inhibited } && next.InhibitedBy == alert.InhibitedBy)
        {
            return; // still inhibited by the same unit alert (its unit has not yet seen it resolved by hand): nothing new to record
        }

        await CommitAsync(type, EngineActor, next, at);
    }

    private async Task WakeAsync()
    {
        var now = clock.GetUtcNow();
        switch (_alert)
        {
            case { State: AlertStates.Suppressed } suppressed
                when (await rules.CurrentAsync()).SilenceFor(suppressed.RuleId, suppressed.UnitCode, now) is null:
                await StartFiringAsync(suppressed, now);
                break;
            case { State: AlertStates.Firing } firing
                when (await rules.CurrentAsync()).SilenceFor(firing.RuleId, firing.UnitCode, now) is { } silence:
                await CommitAsync("alert.suppressed", EngineActor, firing with { State = AlertStates.Suppressed, Note = "silenced: " + silence.Reason }, now);
                break;
            case { State: AlertStates.Inhibited, InhibitedBy: { } inhibitor } inhibited
                when await GrainFactory.GetGrain<IAlertGrain>(inhibitor).Current() is null or { State: AlertStates.Resolved }:
                // The unit alert resolved and its unit's word was lost (a crash): the alert's own wake-up releases it.
                await StartFiringAsync(inhibited, now);
                break;
            case { State: AlertStates.Firing or AlertStates.Acknowledged } open when EscalationDue() is { } due && now >= due:
                await SuperviseAsync(open, now);
                break;
        }

        await ArmWakeUpAsync();
    }

    /// <summary>
    /// 督办: the responsible unit moves one level up and is urged — or, at the district already, is urged again. Due
    /// long ago (the cluster was down), it happens once, and the next one is a whole step later: no burst of catch-ups.
    /// </summary>
    private async Task SuperviseAsync(AlertView alert, DateTimeOffset now)
    {
        var policy = alert.Policy()!;
        var atDistrict = AtDistrict(alert);
        var urged = atDistrict ? alert.ResponsibleUnitCode : UnitCode.ParentOf(alert.ResponsibleUnitCode)!;
        var level = alert.EscalationLevel + (atDistrict ? 0 : 1);
        var number = _supervisions.Count + 1;
        var supervision = new Supervision(
            $"{_id}-{number}", _id, number, urged, level,
            alert.State == AlertStates.Acknowledged ? SupervisionReasons.NotResolved : SupervisionReasons.NotAcknowledged,
            atDistrict, alert.RuleId, alert.RuleVersion, now, now + policy.ReplyWithin);
        LogEscalated(_id, alert.ResponsibleUnitCode, urged, number);
        OpsCentreMetrics.AlertEscalated();
        await CommitAsync(atDistrict ? "alert.urged" : "alert.escalated", EngineActor,
            alert with { ResponsibleUnitCode = urged, EscalationLevel = level, SupervisionCount = number, Note = null }, now, supervision: supervision);
    }

    private static bool AtDistrict(AlertView alert) => UnitCode.LevelOf(alert.ResponsibleUnitCode) <= UnitLevel.District;

    /// <summary>
    /// When the next 督办 is due, or null when the alert does not escalate (any more): firing, a step after it started
    /// firing or was last urged; acknowledged, with a "resolve within" deadline, at that deadline and then a step
    /// after each 督办 since the acknowledgement. A step is the timeout below the district, the repeat interval at it.
    /// </summary>
    private DateTimeOffset? EscalationDue()
    {
        if (_alert is not { } alert || alert.Policy() is not { } policy)
        {
            return null;
        }

        var step = policy.NextStep(AtDistrict(alert));
        switch (alert)
        {
            case { State: AlertStates.Firing }:
                return _escalationClockFrom + step;
            case { State: AlertStates.Acknowledged, AcknowledgedAt: { } acknowledgedAt } when policy.ResolveWithinSeconds is { } within:
                return _supervisions is [.., var last] && last.At >= acknowledgedAt
                    ? last.At + step
                    : acknowledgedAt + TimeSpan.FromSeconds(within);
            default:
                return null;
        }
    }

    /// <summary>When the alert must look at itself again: an escalation step, or the end of the silence suppressing it.</summary>
    private async Task<DateTimeOffset?> NextWakeAsync()
    {
        if (_alert is { State: AlertStates.Suppressed } suppressed)
        {
            var silence = (await rules.CurrentAsync()).SilenceFor(suppressed.RuleId, suppressed.UnitCode, clock.GetUtcNow());
            return silence?.EndsAt ?? clock.GetUtcNow();
        }

        if (_alert is { State: AlertStates.Inhibited })
        {
            return clock.GetUtcNow() + options.Value.ReminderPeriod; // looks at its inhibitor now and then, in case the release was lost
        }

        return EscalationDue();
    }

    private async Task ArmWakeUpAsync() => await _wakeUp!.ScheduleAsync(await NextWakeAsync());

    /// <summary>
    /// Appends the transition to the district's log and waits for the commit; only then does the
    /// alert's state change, its unit hear of it and (through the log) the screens. System transitions
    /// use the history position as operation id, so a transition retried after a crash is stored once.
    /// </summary>
    private async Task CommitAsync(string type, string actor, AlertView next, DateTimeOffset at, string? opId = null, Supervision? supervision = null)
    {
        var caller = opId is null ? EngineActor : "operator:" + actor;
        opId ??= $"{_id}/{_history.Count}";
        await AfterCommitAsync(await AppendAsync(type, actor, next, at, caller, opId, supervision));
    }

    /// <summary>The event's payload is the alert after the transition, plus the 督办 the event issues or answers, if any.</summary>
    private Task<IReadOnlyList<LoggedEvent>> AppendAsync(string type, string actor, AlertView next, DateTimeOffset at, string caller, string opId, Supervision? supervision = null)
    {
        string payload;
        if (supervision is null)
        {
            payload = JsonSerializer.Serialize(next, JsonSerializerOptions.Web);
        }
        else
        {
            var node = JsonSerializer.SerializeToNode(next, JsonSerializerOptions.Web)!.AsObject();
            node[SupervisionMember] = JsonSerializer.SerializeToNode(supervision, JsonSerializerOptions.Web);
            payload = node.ToJsonString();
        }

        return GrainFactory.GetGrain<IDistrictEventLogGrain>(_district).Append(caller, opId, [new EventDraft(next.UnitCode, type, actor, at, payload)]);
    }

    private async Task AfterCommitAsync(IReadOnlyList<LoggedEvent> stored)
    {
        var firstFiring = !FiredBefore();
        foreach (var logged in stored)
        {
            Apply(logged);
        }

        if (firstFiring && FiredBefore())
        {
            await CountInGridAsync();
        }

        await ReportToUnitAsync();
        await ArmWakeUpAsync();
    }

    private void Apply(LoggedEvent logged)
    {
        if (_history.Any(h => h.Seq == logged.Seq))
        {
            return;
        }

        using var payload = JsonDocument.Parse(logged.PayloadJson);
        _alert = payload.RootElement.Deserialize<AlertView>(JsonSerializerOptions.Web)!;
        _history.Add(new AlertHistoryEntry(logged.Seq, logged.Type, logged.OccurredAt, logged.Actor, _alert.State, _alert.ResponsibleUnitCode, _alert.Note));
        if (logged.Type is "alert.raised" or "alert.escalated" or "alert.urged")
        {
            _escalationClockFrom = logged.OccurredAt;
        }

        if (payload.RootElement.TryGetProperty(SupervisionMember, out var member) && member.Deserialize<Supervision>(JsonSerializerOptions.Web) is { } supervision)
        {
            var known = _supervisions.FindIndex(s => s.Number == supervision.Number);
            if (known >= 0)
            {
                _supervisions[known] = supervision; // its reply
            }
            else
            {
                _supervisions.Add(supervision);
            }
        }
    }

    /// <summary>Whether the alert has started firing (raised, or would have been: suppressed or inhibited) at some point.</summary>
    private bool FiredBefore() => _history.Exists(h => h.Type is "alert.raised" or "alert.suppressed" or "alert.inhibited");

    /// <summary>
    /// An alert that starts firing for the first time is an occurrence in its grid (<c>alert</c>, <c>alert:&lt;ruleId&gt;</c>) for the
    /// grid's rate rules — when one counts it. Alerts about a grid or community are not counted (no unit counts its own alerts).
    /// </summary>
    private async Task CountInGridAsync()
    {
        var alert = _alert!;
        if (!SubjectKinds.IsUnit(alert.Subject.Kind) && !alert.Drill)
        {
            await UnitWatch.CountAsync(GrainFactory, await rules.CurrentAsync(), alert.UnitCode, _id, _history[^1].At, "alert", "alert:" + alert.RuleId);
        }
    }

    /// <summary>Firing and acknowledged alerts count in their grid's counters, by severity; a resolved alert retires its entry.</summary>
    private Task ReportToUnitAsync()
    {
        var alert = _alert!;
        if (alert.Drill)
        {
            return Task.CompletedTask; // a drill's alert (演练) counts in no unit's counters
        }

        var unit = GrainFactory.GetGrain<IUnitGrain>(alert.UnitCode);
        var source = "alert:" + _id;
        if (alert.State == AlertStates.Resolved)
        {
            return unit.Retire(source);
        }

        var counts = alert.State is AlertStates.Firing or AlertStates.Acknowledged;
        var totals = !counts ? UnitCounters.Zero : UnitCounters.Zero with
        {
            AlertsFiring = 1,
            AlertsCritical = alert.Severity == AlertSeverity.Critical ? 1 : 0,
            AlertsWarning = alert.Severity == AlertSeverity.Warning ? 1 : 0,
            AlertsInfo = alert.Severity == AlertSeverity.Info ? 1 : 0,
        };
        return unit.Report(source, _history[^1].Seq, totals);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} escalates from {From} to {To} (督办 {Number})")]
    private partial void LogEscalated(string alertId, string from, string to, int number);
}

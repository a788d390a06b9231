using System.Text.Json;
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
/// after the silo hosting it died, and a grain timer for the exact moment.
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

    private string _id = "";
    private string _district = "";
    private AlertView? _alert;
    private readonly List<AlertHistoryEntry> _history = [];
    private DateTimeOffset _escalationClockFrom;
    private DurableWakeUp? _wakeUp;
    private bool _loaded;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _id = this.GetPrimaryKeyString();
        _district = DistrictIds.DistrictOf(_id);
        // Kept alive while it may still escalate: the timer, not the reminder's period, sets the moment.
        _wakeUp = new DurableWakeUp(this, WakeReminder, options.Value.ReminderPeriod, WakeAsync, clock, keepAlive: true);
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
            opening.UnitCode, now, opening.Escalation?.TimeoutSeconds, 0, null, null, null, null, null, opening.BreachedAt, opening.DetectedOnReplay);
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

    public async Task<AlertDetail?> Detail()
    {
        await LoadAsync();
        return _alert is null ? null : new AlertDetail(_alert, [.. _history]);
    }

    public async Task<AlertView?> Current()
    {
        await LoadAsync();
        return _alert;
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
        return _alert!;
    }

    /// <summary>Firing, unless a silence covers it now: then suppressed until the silence ends.</summary>
    private async Task<(string Type, AlertView Next)> FiringAsync(AlertView alert, DateTimeOffset at) =>
        (await rules.CurrentAsync()).SilenceFor(alert.RuleId, alert.UnitCode, at) is { } silence
            ? ("alert.suppressed", alert with { State = AlertStates.Suppressed, Note = "silenced: " + silence.Reason })
            : ("alert.raised", alert with { State = AlertStates.Firing, Note = null });

    private async Task StartFiringAsync(AlertView alert, DateTimeOffset at)
    {
        var (type, next) = await FiringAsync(alert, at);
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
            case { State: AlertStates.Firing } firing when EscalationDue() is { } due && now >= due:
                var up = UnitCode.ParentOf(firing.ResponsibleUnitCode)!;
                LogEscalated(_id, firing.ResponsibleUnitCode, up);
                await CommitAsync("alert.escalated", EngineActor, firing with { ResponsibleUnitCode = up, EscalationLevel = firing.EscalationLevel + 1, Note = null }, now);
                break;
        }

        await ArmWakeUpAsync();
    }

    /// <summary>When the next escalation step is due, or null when the alert does not escalate (any more).</summary>
    private DateTimeOffset? EscalationDue() =>
        _alert is { State: AlertStates.Firing, EscalationTimeoutSeconds: { } timeout } alert
        && UnitCode.LevelOf(alert.ResponsibleUnitCode) > UnitLevel.District
            ? _escalationClockFrom + TimeSpan.FromSeconds(timeout)
            : null;

    /// <summary>When the alert must look at itself again: an escalation step, or the end of the silence suppressing it.</summary>
    private async Task<DateTimeOffset?> NextWakeAsync()
    {
        if (_alert is { State: AlertStates.Suppressed } suppressed)
        {
            var silence = (await rules.CurrentAsync()).SilenceFor(suppressed.RuleId, suppressed.UnitCode, clock.GetUtcNow());
            return silence?.EndsAt ?? clock.GetUtcNow();
        }

        return EscalationDue();
    }

    private async Task ArmWakeUpAsync() => await _wakeUp!.ScheduleAsync(await NextWakeAsync());

    /// <summary>
    /// Appends the transition to the district's log and waits for the commit; only then does the
    /// alert's state change, its unit hear of it and (through the log) the screens. System transitions
    /// use the history position as operation id, so a transition retried after a crash is stored once.
    /// </summary>
    private async Task CommitAsync(string type, string actor, AlertView next, DateTimeOffset at, string? opId = null)
    {
        var caller = opId is null ? EngineActor : "operator:" + actor;
        opId ??= $"{_id}/{_history.Count}";
        await AfterCommitAsync(await AppendAsync(type, actor, next, at, caller, opId));
    }

    private Task<IReadOnlyList<LoggedEvent>> AppendAsync(string type, string actor, AlertView next, DateTimeOffset at, string caller, string opId)
    {
        var payload = JsonSerializer.Serialize(next, JsonSerializerOptions.Web);
        return GrainFactory.GetGrain<IDistrictEventLogGrain>(_district).Append(caller, opId, [new EventDraft(next.UnitCode, type, actor, at, payload)]);
    }

    private async Task AfterCommitAsync(IReadOnlyList<LoggedEvent> stored)
    {
        foreach (var logged in stored)
        {
            Apply(logged);
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

        _alert = JsonSerializer.Deserialize<AlertView>(logged.PayloadJson, JsonSerializerOptions.Web)!;
        _history.Add(new AlertHistoryEntry(logged.Seq, logged.Type, logged.OccurredAt, logged.Actor, _alert.State, _alert.ResponsibleUnitCode, _alert.Note));
        if (logged.Type is "alert.raised" or "alert.escalated")
        {
            _escalationClockFrom = logged.OccurredAt;
        }
    }

    /// <summary>Firing and acknowledged alerts count in their grid's counters, by severity; a resolved alert retires its entry.</summary>
    private Task ReportToUnitAsync()
    {
        var alert = _alert!;
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} escalates from {From} to {To}")]
    private partial void LogEscalated(string alertId, string from, string to);
}

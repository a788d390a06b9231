using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.EventLog;
using OpsCentre.Grains.Live;
using OpsCentre.Grains.Units;
using Orleans.Runtime;

namespace OpsCentre.Grains.Incidents;

/// <summary>
/// One case. Not reentrant: the single writer of its history, one action at a time. Every action is
/// held to the duty table first (<see cref="IncidentDuties"/>: who may, with rules such as "not the
/// reporter" that need the case's history), then to the stage; then it is appended to the district's
/// event log and committed before the case changes or anyone hears of it;
/// the case is rebuilt from its events on activation, so a case and its timeline cannot disagree.
/// The current stage's deadline is watched by a grain timer and, while the case is open, a reminder
/// (durable wake-up): past it, the case emits <c>incident.overdue</c> once and its alert rules
/// (<c>stage-overdue</c>) raise an alert that escalates (督办) until someone acts.
/// </summary>
public sealed class IncidentGrain(
    [PersistentState("incidentAlerts")] IPersistentState<AlertWatchState> watch,
    EventLogStore log,
    IncidentCatalog catalog,
    AlertWatcher alerts,
    LiveRelay live,
    IOptions<AlertOptions> options,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, IIncidentGrain, IRemindable
{
    public const string EngineActor = "incident-engine";
    private const string WakeReminder = "wake";

    private string _id = "";
    private string _district = "";
    private IncidentView? _case;
    private readonly List<IncidentTimelineEntry> _timeline = [];
    private readonly Dictionary<string, (string RequestHash, IncidentView After)> _requests = [];
    private DurableWakeUp? _wakeUp;
    private DateTimeOffset? _ruleWake;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _id = this.GetPrimaryKeyString();
        _district = DistrictIds.DistrictOf(_id);
        foreach (var logged in await log.ReadSubjectAsync(_district, "incident.", _id, cancellationToken))
        {
            Apply(logged);
        }

        // Look at the deadline at once: an activation by the reminder after a crash may be overdue.
        _wakeUp = new DurableWakeUp(this, WakeReminder, options.Value.ReminderPeriod, WakeAsync, clock, phaseKey: _id);
        _wakeUp.Soon();
    }

    public async Task<IncidentView> Open(IncidentOpening o)
    {
        if (_case is not null)
        {
            return _case;
        }

        var category = await catalog.CategoryAsync(o.Category) ?? throw new ArgumentException($"no category '{o.Category}'");
        var opened = new IncidentView(
            _id, o.Category, o.Urgency, o.Description, o.UnitCode, null, null, IncidentStages.Reported, o.At,
            category.Deadline(o.Urgency, "reported", o.At), null, false, o.At, o.ReportedBy, o.Source, null, null, 0, 0, 0, null, null,
            o.Lat, o.Lon, o.AlertId, new IncidentStep("report", o.ReportedBy, null, null, null));
        await CommitAsync("incident.reported", o.ReportedBy, opened, o.At, opId: _id + "/report");
        // A case reported is an occurrence in its grid, for the grid's rate rules (more than N of a category within a window).
        await alerts.CountInGridAsync(_case!.UnitCode, _id, o.At, "incident", "incident:" + o.Category);
        return _case!;
    }

    public async Task<IncidentActionResult> Act(IncidentCommand command)
    {
        if (_case is null)
        {
            return new(IncidentActionOutcome.NotFound, null, null);
        }

        if (_requests.TryGetValue(RequestKey(command.Actor, command.OpId), out var earlier))
        {
            return earlier.RequestHash == command.RequestHash
                ? new(IncidentActionOutcome.Replayed, earlier.After, null)
                : new(IncidentActionOutcome.OpIdReused, _case, "this opId was used for a different request");
        }

        // Who may, before whether the stage allows it: a role that may never take the action hears so in any stage.
        if (IncidentDuties.Refusal(command, _case, ExtensionRequester()) is { } refusal)
        {
            return new(IncidentActionOutcome.Forbidden, _case, refusal);
        }

        var now = clock.GetUtcNow();
        var category = await catalog.CategoryAsync(_case.Category) ?? throw new InvalidOperationException($"category {_case.Category} vanished");
        var (next, type) = Transition(_case, command, category, now);
        if (next is null)
        {
            return new(IncidentActionOutcome.NotAllowed, _case, $"'{command.Action}' is not allowed while the case is {_case.Stage}"
                + (_case.PendingTransferTo is not null ? " with a transfer pending" : "") + (_case.PendingExtensionMinutes is not null ? " with an extension pending" : ""));
        }

        await CommitAsync(type, command.Actor, next with { LastStep = new IncidentStep(command.Action, command.Actor, command.Note, command.OpId, command.RequestHash) }, now, command.OpId);
        return new(IncidentActionOutcome.Done, _case, null);
    }

    public Task<IncidentDetail?> Detail() => Task.FromResult(_case is null ? null : new IncidentDetail(_case, [.. _timeline]));

    public Task ReceiveReminder(string reminderName, TickStatus status) => WakeAsync();

    /// <summary>The closed loop as a table: the state after the action, or null when the stage does not allow it.</summary>
    private static (IncidentView? Next, string Type) Transition(IncidentView c, IncidentCommand command, IncidentCategory category, DateTimeOffset now)
    {
        IncidentView Enter(string stage, DateTimeOffset? deadline) => c with { Stage = stage, StageEnteredAt = now, StageDeadline = deadline, Overdue = false };
        const string StageChanged = "incident.stage-changed";
        var noPending = c.PendingTransferTo is null && c.PendingExtensionMinutes is null;
        return (command.Action, c.Stage) switch
        {
            ("accept", IncidentStages.Reported) => (Enter(IncidentStages.Accepted, category.Deadline(c.Urgency, "accepted", now)), StageChanged),
            ("cancel", IncidentStages.Reported or IncidentStages.Accepted) => (Enter(IncidentStages.Cancelled, null), StageChanged),
            ("dispatch", IncidentStages.Accepted) => (Enter(IncidentStages.Dispatched, category.Deadline(c.Urgency, "dispatched", now)) with
            {
                ResponsibleCode = IncidentActions.ResponsibleOnDispatch(c.UnitCode, command.TargetCode),
                AssignedWorker = command.WorkerId,
                DispatchedAt = now,
                DueAt = category.Deadline(c.Urgency, "resolve", now),
            }, StageChanged),
            ("start", IncidentStages.Dispatched) when noPending => (Enter(IncidentStages.InProgress, c.DueAt), StageChanged),
            ("feedback", IncidentStages.InProgress) when noPending => (Enter(IncidentStages.Handled, category.Deadline(c.Urgency, "handled", now)), StageChanged),
            ("verify-pass", IncidentStages.Handled) => (Enter(IncidentStages.Closed, null) with { ClosedAt = now, VerifiedCount = c.VerifiedCount + 1 }, StageChanged),
            ("verify-fail", IncidentStages.Handled) => (Enter(IncidentStages.InProgress, c.DueAt) with { ReworkCount = c.ReworkCount + 1, VerifiedCount = c.VerifiedCount + 1 }, StageChanged),
            ("transfer", IncidentStages.Dispatched or IncidentStages.InProgress) when noPending && command.TargetCode is { } target && target != c.ResponsibleCode =>
                (c with { PendingTransferTo = target }, "incident.transfer-requested"),
            ("accept-transfer", _) when c.PendingTransferTo is { } target => (c with
            {
                // A unit receiving the case takes it into its area; a department takes responsibility only.
                UnitCode = UnitCode.IsValid(target) ? target : c.UnitCode,
                ResponsibleCode = target,
                AssignedWorker = null,
                PendingTransferTo = null,
            }, "incident.transferred"),
            ("reject-transfer", _) when c.PendingTransferTo is not null => (c with { PendingTransferTo = null }, "incident.transfer-rejected"),
            ("request-extension", IncidentStages.Dispatched or IncidentStages.InProgress) when noPending =>
                (c with { PendingExtensionMinutes = command.ExtensionMinutes ?? 1440 }, "incident.extension-requested"),
            ("approve-extension", _) when c.PendingExtensionMinutes is { } minutes => Extend(c, minutes, now),
            ("reject-extension", _) when c.PendingExtensionMinutes is not null => (c with { PendingExtensionMinutes = null }, "incident.extension-rejected"),
            _ => (null, ""),
        };
    }

    private static (IncidentView, string) Extend(IncidentView c, int minutes, DateTimeOffset now)
    {
        var due = (c.DueAt ?? now) + TimeSpan.FromMinutes(minutes);
        var extended = c with { DueAt = due, ExtensionCount = c.ExtensionCount + 1, PendingExtensionMinutes = null };
        return (c.Stage == IncidentStages.InProgress ? extended with { StageDeadline = due, Overdue = c.Overdue && now >= due } : extended, "incident.extended");
    }

    /// <summary>Who asked for the pending extension: the actor of the latest request in the case's history; null when none is pending.</summary>
    private string? ExtensionRequester() => _case?.PendingExtensionMinutes is null
        ? null
        : _timeline.LastOrDefault(t => t.Type == "incident.extension-requested")?.Actor;

    private static string RequestKey(string actor, string opId) => actor + "\n" + opId;

    private async Task WakeAsync()
    {
        var now = clock.GetUtcNow();
        if (_case is { Overdue: false, StageDeadline: { } deadline } open && IncidentStages.IsOpen(open.Stage) && now >= deadline)
        {
            await CommitAsync("incident.overdue", EngineActor, open with { Overdue = true, LastStep = new IncidentStep("overdue", EngineActor, null, null, null) }, now);
            return;
        }

        await EvaluateRulesAsync(now);
        await ArmWakeUpAsync();
    }

    /// <summary>
    /// Appends the transition and waits for the commit; only then does the case change, its unit's
    /// counters move and its rules look at it again. Engine transitions use the timeline position as
    /// operation id, so one retried after a crash is stored once.
    /// </summary>
    private async Task CommitAsync(string type, string actor, IncidentView next, DateTimeOffset at, string? opId = null)
    {
        var before = _case;
        var caller = opId is null ? EngineActor : "operator:" + actor;
        opId ??= $"{_id}/{_timeline.Count}";
        var stored = await GrainFactory.GetGrain<IDistrictEventLogGrain>(_district)
            .Append(caller, opId, [new EventDraft(next.UnitCode, type, actor, at, JsonSerializer.Serialize(next, JsonSerializerOptions.Web))]);
        foreach (var logged in stored)
        {
            Apply(logged);
        }

        if (before is not null && before.UnitCode != _case!.UnitCode)
        {
            await GrainFactory.GetGrain<IUnitGrain>(before.UnitCode).Retire("incident:" + _id);
        }

        await ReportToUnitAsync();
        PublishLive();
        var kpiFeed = GrainFactory.GetGrain<IKpiFeedGrain>(_district);
        await kpiFeed.Touch(_case!.UnitCode);
        if (before is not null && before.UnitCode != _case.UnitCode)
        {
            await kpiFeed.Touch(before.UnitCode);
        }

        await EvaluateRulesAsync(clock.GetUtcNow());
        await ArmWakeUpAsync();
    }

    private void Apply(LoggedEvent logged)
    {
        if (_timeline.Any(t => t.Seq == logged.Seq))
        {
            return;
        }

        _case = JsonSerializer.Deserialize<IncidentView>(logged.PayloadJson, JsonSerializerOptions.Web)!;
        var step = _case.LastStep;
        _timeline.Add(new IncidentTimelineEntry(logged.Seq, logged.Type, logged.OccurredAt, logged.Actor, step?.Action, _case.Stage, _case.ResponsibleCode, step?.Note));
        if (step is { OpId: { } opId, RequestHash: { } hash })
        {
            _requests[RequestKey(logged.Actor, opId)] = (hash, _case);
        }
    }

    /// <summary>The case's rules (stage overdue) see the current stage's deadline while it is open.</summary>
    private async Task EvaluateRulesAsync(DateTimeOffset now)
    {
        var facts = new SubjectFacts();
        if (_case is { StageDeadline: { } deadline } c && IncidentStages.IsOpen(c.Stage))
        {
            facts.Deadlines["stage"] = deadline;
        }

        if (_case is not null)
        {
            _ruleWake = await alerts.EvaluateAsync(
                new WatchedSubject(new AlertSubject(Alerts.SubjectKinds.Incident, _id), _case.UnitCode, watch.State, watch.WriteStateAsync), facts, now);
        }
    }

    /// <summary>A timer for the next deadline (or rule look), and a reminder while there is one.</summary>
    private async Task ArmWakeUpAsync()
    {
        DateTimeOffset? due = _case is { Overdue: false, StageDeadline: { } deadline } c && IncidentStages.IsOpen(c.Stage) ? deadline : null;
        if (_ruleWake is { } ruleWake && (due is null || ruleWake < due))
        {
            due = ruleWake;
        }

        await _wakeUp!.ScheduleAsync(due);
    }

    /// <summary>An open case counts in its unit's <c>incidentsOpen</c> (and <c>incidentsOverdue</c>); a closed or cancelled one retires its entry.</summary>
    private Task ReportToUnitAsync()
    {
        var c = _case!;
        var unit = GrainFactory.GetGrain<IUnitGrain>(c.UnitCode);
        return IncidentStages.IsOpen(c.Stage)
            ? unit.Report("incident:" + _id, _timeline[^1].Seq, UnitCounters.Zero with { IncidentsOpen = 1, IncidentsOverdue = c.Overdue ? 1 : 0 })
            : unit.Retire("incident:" + _id);
    }

    private void PublishLive()
    {
        var c = _case!;
        var data = JsonSerializer.Serialize(new { stage = c.Stage, category = c.Category, overdue = c.Overdue, lat = c.Lat, lon = c.Lon, responsibleCode = c.ResponsibleCode });
        live.Publish(_district, LiveItem.Create("incident", _id, c.UnitCode, data));
    }
}

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
/// A case belongs to the district of its unit (<see cref="IncidentView.UnitCode"/>), which moves when a transfer to a unit
/// of another district is accepted; each event goes to the log of every district the case involves before or after it
/// (<see cref="IncidentView.Involved"/>), the owner's first, each copy numbered by its own district's writer, so the
/// screens and lists of a receiving unit in another district hear of the case too.
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

    /// <summary>At most this many co-handlers (协办) per case.</summary>
    public const int MaxCoHandlers = 10;
    private const string WakeReminder = "wake";

    private string _id = "";
    private IncidentView? _case;
    private IncidentView? _previous;

    // Copies of the latest event still to be written to other districts' logs (a write that failed): written before
    // anything else is committed, so at most the latest event can lack a copy, and activation finds which.
    private List<(string District, EventDraft Draft, string Caller, string OpId)> _unsentCopies = [];
    private readonly HashSet<string> _districtsOfLatest = [];
    private readonly List<IncidentTimelineEntry> _timeline = [];
    private readonly Dictionary<string, (string RequestHash, IncidentView After)> _requests = [];
    private DurableWakeUp? _wakeUp;
    private DateTimeOffset? _ruleWake;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _id = this.GetPrimaryKeyString();
        _ = DistrictIds.DistrictOf(_id);
        foreach (var logged in await log.ReadCaseAsync(_id, cancellationToken))
        {
            Apply(logged);
        }

        if (_case is { Version: > 0 } latest && _timeline.Count > 0)
        {
            var last = _timeline[^1];
            _unsentCopies = [.. Copies(_previous, latest, last.Type, last.Actor, last.At, CallerOf(last.Actor, latest.LastStep), OpIdOf(latest.LastStep, _timeline.Count - 1))
                .Where(c => !_districtsOfLatest.Contains(c.District))];
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
            Earliest(category.Deadline(o.Urgency, "reported", o.At), o.FeedbackDue), null, false, o.At, o.ReportedBy, o.Source, null, null, 0, 0, 0, null, null,
            o.Lat, o.Lon, o.AlertId, new IncidentStep("report", o.ReportedBy, null, null, null), FeedbackDue: o.FeedbackDue, DrillId: o.DrillId);
        await CommitAsync("incident.reported", o.ReportedBy, opened, o.At, opId: _id + ReportOpId);
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

    public async Task<IReadOnlyList<string>> ActionsFor(IncidentActor actor)
    {
        if (_case is not { } c)
        {
            return [];
        }

        var category = await catalog.CategoryAsync(c.Category) ?? throw new InvalidOperationException($"category {c.Category} vanished");
        var now = clock.GetUtcNow();
        var requester = ExtensionRequester();
        // An action that names a unit is judged as for one not yet involved (the POST checks the one named).
        const string SomeOtherUnit = "?";
        return [.. IncidentActions.All.Where(action =>
        {
            var probe = new IncidentCommand(action, actor.Actor, "", null, IncidentActions.NamesUnit(action) ? SomeOtherUnit : null, null, null, "",
                actor.ActorRole, actor.ActorUnit, actor.ActorDepartment);
            if (action == "remove-co-handler")
            {
                probe = probe with { TargetCode = c.CoHandlers?.FirstOrDefault() };
            }

            return IncidentDuties.Refusal(probe, c, requester) is null && Transition(c, probe, category, now).Next is not null;
        })];
    }

    public async Task<IncidentView?> ClearDrill(string by)
    {
        if (_case is not { DrillId: not null } c || !IncidentStages.IsOpen(c.Stage))
        {
            return _case;
        }

        var now = clock.GetUtcNow();
        await CommitAsync("incident.drill-cleared", by, c with
        {
            Stage = IncidentStages.Cancelled, StageEnteredAt = now, StageDeadline = null, Overdue = false, PendingTransferTo = null, PendingExtensionMinutes = null,
            LastStep = new IncidentStep("clear-drill", by, null, null, null),
        }, now);
        return _case;
    }

    /// <summary>The actor of the steps the responsibility list takes by itself.</summary>
    public const string ListActor = "responsibility-list";

    public async Task<IncidentView?> DispatchByList(string responsibleCode, string note)
    {
        if (_case is not { Stage: IncidentStages.Reported })
        {
            return _case;
        }

        var category = await catalog.CategoryAsync(_case.Category) ?? throw new InvalidOperationException($"category {_case.Category} vanished");
        foreach (var action in new[] { "accept", "dispatch" })
        {
            var now = clock.GetUtcNow();
            var step = new IncidentCommand(action, ListActor, "", note, action == "dispatch" ? responsibleCode : null, null, null, "", "", "", null);
            var (next, type) = Transition(_case!, step, category, now);
            if (next is null)
            {
                break;
            }

            await CommitAsync(type, ListActor, next with { LastStep = new IncidentStep(action, ListActor, note, null, null) }, now);
        }

        return _case;
    }

    public Task<IncidentDetail?> Detail() => Task.FromResult(_case is null ? null : new IncidentDetail(_case, [.. _timeline]));

    public Task ReceiveReminder(string reminderName, TickStatus status) => WakeAsync();

    /// <summary>The closed loop as a table: the state after the action, or null when the stage does not allow it.</summary>
    private static (IncidentView? Next, string Type) Transition(IncidentView c, IncidentCommand command, IncidentCategory category, DateTimeOffset now)
    {
        // A deadline promised at intake (the hotline's feedback deadline) caps every open stage's; a resident's reopening starts anew.
        IncidentView Enter(string stage, DateTimeOffset? deadline) => c with
        {
            Stage = stage, StageEnteredAt = now, Overdue = false,
            StageDeadline = IncidentStages.IsOpen(stage) && command.Action != Residents.Reopen ? Earliest(deadline, c.FeedbackDue) : deadline,
        };
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
                DueAt = Earliest(category.Deadline(c.Urgency, "resolve", now), c.FeedbackDue),
            }, StageChanged),
            ("start", IncidentStages.Dispatched) when noPending => (Enter(IncidentStages.InProgress, c.DueAt), StageChanged),
            ("feedback", IncidentStages.InProgress) when noPending => (Enter(IncidentStages.Handled, category.Deadline(c.Urgency, "handled", now)), StageChanged),
            ("verify-pass", IncidentStages.Handled) => (Enter(IncidentStages.Closed, null) with { ClosedAt = now, VerifiedCount = c.VerifiedCount + 1 }, StageChanged),
            // A resident not satisfied with a closed case asks to reopen it (重新核查): back to verification, with the handled stage's deadline.
            ("reopen", IncidentStages.Closed) => (Enter(IncidentStages.Handled, category.Deadline(c.Urgency, "handled", now)) with { ClosedAt = null }, StageChanged),
            ("verify-fail", IncidentStages.Handled) => (Enter(IncidentStages.InProgress, c.DueAt) with { ReworkCount = c.ReworkCount + 1, VerifiedCount = c.VerifiedCount + 1 }, StageChanged),
            ("transfer", IncidentStages.Dispatched or IncidentStages.InProgress) when noPending && command.TargetCode is { } target && target != c.ResponsibleCode =>
                (c with { PendingTransferTo = target }, "incident.transfer-requested"),
            ("accept-transfer", _) when c.PendingTransferTo is { } target => (c with
            {
                // A unit receiving the case takes it into its area (and district); a department takes responsibility only.
                UnitCode = UnitCode.IsValid(target) ? target : c.UnitCode,
                ResponsibleCode = target,
                AssignedWorker = null,
                PendingTransferTo = null,
                CoHandlers = c.CoHandlers?.Where(co => co != target).ToList(),
            }, "incident.transferred"),
            ("reject-transfer", _) when c.PendingTransferTo is not null => (c with { PendingTransferTo = null }, "incident.transfer-rejected"),
            ("request-extension", IncidentStages.Dispatched or IncidentStages.InProgress) when noPending =>
                (c with { PendingExtensionMinutes = command.ExtensionMinutes ?? 1440 }, "incident.extension-requested"),
            ("approve-extension", _) when c.PendingExtensionMinutes is { } minutes => Extend(c, minutes, now),
            ("reject-extension", _) when c.PendingExtensionMinutes is not null => (c with { PendingExtensionMinutes = null }, "incident.extension-rejected"),
            ("add-co-handler", IncidentStages.Dispatched or IncidentStages.InProgress) when command.TargetCode is { } co && co != c.ResponsibleCode
                && co != c.UnitCode && !(c.CoHandlers ?? []).Contains(co) && (c.CoHandlers?.Count ?? 0) < MaxCoHandlers =>
                (c with { CoHandlers = [.. c.CoHandlers ?? [], co] }, "incident.co-handler-added"),
            ("remove-co-handler", _) when IncidentStages.IsOpen(c.Stage) && command.TargetCode is { } co && (c.CoHandlers ?? []).Contains(co) =>
                (c with { CoHandlers = [.. c.CoHandlers!.Where(x => x != co)] }, "incident.co-handler-removed"),
            ("assist", IncidentStages.Dispatched or IncidentStages.InProgress) when c.CoHandlers is { Count: > 0 } => (c, "incident.assisted"),
            _ => (null, ""),
        };
    }

    /// <summary>The earlier of a stage's deadline and the deadline promised at intake, either of which may be missing.</summary>
    private static DateTimeOffset? Earliest(DateTimeOffset? deadline, DateTimeOffset? promised) =>
        promised is { } p && (deadline is null || p < deadline) ? p : deadline;

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
        // A copy of the latest event that could not be written yet goes first: the logs receive a case's events in order.
        await SendCopiesAsync();
        var before = _case;
        var caller = opId is null ? EngineActor : "operator:" + actor;
        opId ??= $"{_id}/{_timeline.Count}";
        next = next with { Version = _timeline.Count + 1 };
        var stored = await GrainFactory.GetGrain<IDistrictEventLogGrain>(DistrictOfCode(next.UnitCode))
            .Append(caller, opId, [new EventDraft(next.UnitCode, type, actor, at, JsonSerializer.Serialize(next, JsonSerializerOptions.Web))]);
        foreach (var logged in stored)
        {
            Apply(logged);
        }

        OpsCentreMetrics.CaseTransition(type);
        _unsentCopies = [.. Copies(before, _case!, type, actor, at, caller, opId)];
        await SendCopiesAsync();

        if (before is not null && before.UnitCode != _case!.UnitCode)
        {
            await GrainFactory.GetGrain<IUnitGrain>(before.UnitCode).Retire("incident:" + _id);
        }

        await ReportToUnitAsync();
        await ReportIncomingAsync(before);
        PublishLive(before);
        await GrainFactory.GetGrain<IKpiFeedGrain>(DistrictOfCode(_case!.UnitCode)).Touch(_case.UnitCode);
        if (before is not null && before.UnitCode != _case.UnitCode)
        {
            await GrainFactory.GetGrain<IKpiFeedGrain>(DistrictOfCode(before.UnitCode)).Touch(before.UnitCode);
        }

        await EvaluateRulesAsync(clock.GetUtcNow());
        await ArmWakeUpAsync();
    }

    /// <summary>
    /// Takes one committed event. Events carry the case's version, the same in every district's copy, so a copy of an
    /// event already taken is skipped; events from before versions existed were all in one district's log, read in order.
    /// </summary>
    private void Apply(LoggedEvent logged)
    {
        var next = JsonSerializer.Deserialize<IncidentView>(logged.PayloadJson, JsonSerializerOptions.Web)!;
        var version = next.Version > 0 ? next.Version : _timeline.Count + 1;
        if (version <= _timeline.Count)
        {
            if (version == _timeline.Count)
            {
                _districtsOfLatest.Add(logged.DistrictCode);
            }

            return;
        }

        _previous = _case;
        _case = next;
        _districtsOfLatest.Clear();
        _districtsOfLatest.Add(logged.DistrictCode);
        var step = _case.LastStep;
        _timeline.Add(new IncidentTimelineEntry(logged.Seq, logged.Type, logged.OccurredAt, logged.Actor, step?.Action, _case.Stage, _case.ResponsibleCode, step?.Note,
            logged.DistrictCode));
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

    /// <summary>An open case counts in its unit's <c>incidentsOpen</c> (and <c>incidentsOverdue</c>, and its stage's count); a closed or cancelled one retires its entry.</summary>
    private Task ReportToUnitAsync()
    {
        var c = _case!;
        var unit = GrainFactory.GetGrain<IUnitGrain>(c.UnitCode);
        return IncidentStages.IsOpen(c.Stage)
            ? unit.Report("incident:" + _id, ReportVersion, UnitCounters.OpenCase(c.Stage, c.Overdue))
            : unit.Retire("incident:" + _id);
    }

    /// <summary>The case's live item goes to every district it involves (and to one it just left, which then drops it).</summary>
    private void PublishLive(IncidentView? before)
    {
        var c = _case!;
        var data = JsonSerializer.Serialize(new
        {
            stage = c.Stage, category = c.Category, overdue = c.Overdue, lat = c.Lat, lon = c.Lon, responsibleCode = c.ResponsibleCode,
            pendingTransferTo = c.PendingTransferTo, coHandlers = c.CoHandlers ?? [], drill = c.Drill,
        });
        var item = LiveItem.Create("incident", _id, c.UnitCode, data);
        foreach (var district in DistrictsOf(before, c))
        {
            live.Publish(district, item);
        }
    }

    private const string ReportOpId = "/report";

    private static string CallerOf(string actor, IncidentStep? step) => step?.OpId is null && step?.Action != "report" ? EngineActor : "operator:" + actor;

    private string OpIdOf(IncidentStep? step, int position) => step?.Action == "report" ? _id + ReportOpId : step?.OpId ?? $"{_id}/{position}";

    /// <summary>The district a unit or department code belongs to.</summary>
    private static string DistrictOfCode(string code) => code[..6];

    /// <summary>Every district the case involves before or after an event, the owner (after it) first.</summary>
    private static IEnumerable<string> DistrictsOf(IncidentView? before, IncidentView after) =>
        new[] { after.UnitCode }.Concat(after.Involved()).Concat(before?.Involved() ?? []).Select(DistrictOfCode).Distinct();

    /// <summary>
    /// The copies of an event for the districts other than the owner's: under the same caller and operation id (the logs
    /// keep one per district), each with a unit of that district the case involves (a department: its district).
    /// </summary>
    private static IEnumerable<(string District, EventDraft Draft, string Caller, string OpId)> Copies(
        IncidentView? before, IncidentView after, string type, string actor, DateTimeOffset at, string caller, string opId)
    {
        var owner = DistrictOfCode(after.UnitCode);
        var payload = JsonSerializer.Serialize(after, JsonSerializerOptions.Web);
        foreach (var district in DistrictsOf(before, after).Where(d => d != owner))
        {
            var unit = after.Involved().Concat(before?.Involved() ?? []).First(code => DistrictOfCode(code) == district);
            yield return (district, new EventDraft(UnitCode.IsValid(unit) ? unit : district, type, actor, at, payload), caller, opId);
        }
    }

    private async Task SendCopiesAsync()
    {
        while (_unsentCopies.Count > 0)
        {
            var (district, draft, caller, opId) = _unsentCopies[0];
            await GrainFactory.GetGrain<IDistrictEventLogGrain>(district).Append(caller, opId, [draft]);
            _unsentCopies.RemoveAt(0);
        }
    }

    /// <summary>
    /// A case handled by units it does not lie in counts in their <c>incidentsIncoming</c> (来件): the lead, a unit asked to
    /// take it over, the co-handlers, and the units above them up to — not including — the lowest unit that also holds
    /// the case. Parents add up their children, so each unit's entry is weighted to make every level count the case
    /// once: +1 at a unit that counts it, minus the number of its children that count it.
    /// </summary>
    private async Task ReportIncomingAsync(IncidentView? before)
    {
        var source = "incoming:" + _id;
        var now = IncomingWeights(_case!);
        foreach (var unit in (before is null ? [] : IncomingWeights(before).Keys).Except(now.Keys))
        {
            await GrainFactory.GetGrain<IUnitGrain>(unit).Retire(source);
        }

        foreach (var (unit, weight) in now)
        {
            await GrainFactory.GetGrain<IUnitGrain>(unit).Report(source, ReportVersion, UnitCounters.Zero with { IncidentsIncoming = weight });
        }
    }

    /// <summary>The weight of each unit's <c>incoming</c> entry for a case (none once it is closed or cancelled).</summary>
    public static IReadOnlyDictionary<string, int> IncomingWeights(IncidentView c)
    {
        var counting = new HashSet<string>();
        if (IncidentStages.IsOpen(c.Stage))
        {
            foreach (var code in c.Involved().Skip(1).Where(UnitCode.IsValid))
            {
                for (string? unit = code; unit is not null && !UnitCode.IsWithin(c.UnitCode, unit); unit = UnitCode.ParentOf(unit))
                {
                    counting.Add(unit);
                }
            }
        }

        var weights = new Dictionary<string, int>();
        foreach (var unit in counting)
        {
            weights[unit] = weights.GetValueOrDefault(unit) + 1;
            if (UnitCode.ParentOf(unit) is { } parent)
            {
                weights[parent] = weights.GetValueOrDefault(parent) - 1;
            }
        }

        return weights.Where(w => w.Value != 0).ToDictionary();
    }

    /// <summary>
    /// The version a case reports its counters under: its own version, shifted above the sequence numbers it reported
    /// under before cases had versions, so a unit holding such an entry takes the new one.
    /// </summary>
    private long ReportVersion => (long)_timeline.Count << 32;
}

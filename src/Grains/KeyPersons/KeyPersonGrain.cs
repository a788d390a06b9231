using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NetTopologySuite.Geometries;
using Npgsql;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.EventLog;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Units;
using Orleans.Runtime;

namespace OpsCentre.Grains.KeyPersons;

public sealed class KeyPersonState
{
    /// <summary>Latest position per device id.</summary>
    public Dictionary<string, DevicePosition> Positions { get; set; } = [];

    public DateTimeOffset? LastCheckIn { get; set; }

    public AlertWatchState Alerts { get; set; } = new();

    public string ReportedState { get; set; } = "normal";

    /// <summary>Per running drill (演练) that scripted a position of the person: that position and its rules' watch state.</summary>
    public Dictionary<string, DrillPosition> Drills { get; set; } = [];
}

/// <summary>A drill's scripted position of the person, apart from their real ones.</summary>
public sealed class DrillPosition
{
    public double Lat { get; set; }

    public double Lon { get; set; }

    public AlertWatchState Alerts { get; set; } = new();
}

public sealed class DevicePosition
{
    public string Kind { get; set; } = "";

    public DateTimeOffset At { get; set; }

    public double Lat { get; set; }

    public double Lon { get; set; }
}

/// <summary>
/// A key person's grain. Evaluates the rules that target key persons (allowed area, forbidden places,
/// curfew, device separation, check-in and visit deadlines) on every observation and on its own timer;
/// its state is the worst open episode: a critical one makes it <c>violation</c>, any other <c>attention</c>.
/// </summary>
public sealed class KeyPersonGrain(
    [PersistentState("keyPerson")] IPersistentState<KeyPersonState> state,
    NpgsqlDataSource db,
    UnitAreas areas,
    AlertWatcher alerts,
    RuleBook rules,
    IOptions<AlertOptions> options,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, IKeyPersonGrain, IRemindable
{
    private const string WakeReminder = "wake";

    /// <summary>The home zone: a circle of this radius around the registered home position.</summary>
    public const double HomeRadiusM = 150;

    private KeyPersonProfile? _profile;

    // The person's level's intervals as the silo's rule set last had them: the schedule changes without a reload of the profile.
    private SupervisionInterval? _interval;
    private DurableWakeUp? _wakeUp;
    private long _version;

    private string Id => this.GetPrimaryKeyString();

    private string Grid => _profile!.Grid;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    private async Task LoadAsync(CancellationToken ct = default)
    {
        _profile = await KeyPersonProfile.LoadAsync(db, Id, ct);
    }

    public async Task Observe(KeyPersonObservation o)
    {
        if (_profile is not null && await TakeAsync(o))
        {
            await EvaluateAsync();
        }
    }

    public async Task Replay(IReadOnlyList<KeyPersonObservation> observations)
    {
        if (_profile is null)
        {
            return;
        }

        var any = false;
        foreach (var o in observations)
        {
            any |= await TakeAsync(o);
        }

        if (any)
        {
            await EvaluateAsync();
        }
    }

    /// <summary>
    /// Takes a position no older than its device's last into the person's state; one that arrives late (a queued upload) is
    /// first judged at its own time by the rules that read positions. False when it is older.
    /// </summary>
    private async Task<bool> TakeAsync(KeyPersonObservation o)
    {
        if (state.State.Positions.TryGetValue(o.DeviceId, out var held) && held.At > o.At)
        {
            return false;
        }

        state.State.Positions[o.DeviceId] = new DevicePosition { Kind = o.DeviceKind, At = o.At, Lat = o.Lat, Lon = o.Lon };
        var now = clock.GetUtcNow();
        if (alerts.IsLate(o.At, now))
        {
            // Where the person's other device was then is known only when its last position is no newer than this one:
            // otherwise the separation is not judged at this time (the evaluation at now judges it).
            var other = state.State.Positions.Values.Where(p => p.Kind != o.DeviceKind).MaxBy(p => p.At);
            double? separation = other is not null && other.At <= o.At ? Metres(o.Lat, o.Lon, other.Lat, other.Lon) : null;
            await alerts.EvaluateAsync(Subject(), await FactsAsync((o.Lat, o.Lon), separation), now, replayedAt: o.At);
        }

        return true;
    }

    public async Task<CheckInResult> CheckIn(KeyPersonCheckIn checkIn)
    {
        if (_profile is null)
        {
            return new(CheckInOutcome.NotFound, null);
        }

        // A check-in is a durable fact: committed to the district's log (the person's id only, nothing personal) before the
        // person's state counts it, at the time the phone made it (to the microsecond, as the log keeps it). Under the phone's
        // op id the log stores it once and answers a repeat with the check-in first stored.
        var at = checkIn.At.AddTicks(-(checkIn.At.UtcTicks % 10));
        var stored = checkIn is { DeviceId: { } device, OpId: { } opId }
            ? await AppendAsync("device:" + device, opId, "keyperson.checked-in", Devices.DeviceKinds.PersonPhone, at, new { id = Id })
            : await AppendAsync($"{Id}/check-in/{at.UtcTicks}", "keyperson.checked-in", Devices.DeviceKinds.PersonPhone, at, new { id = Id });
        var logged = stored[0];
        if (logged.Type != "keyperson.checked-in" || !logged.PayloadJson.Contains($"\"{Id}\"", StringComparison.Ordinal) || logged.OccurredAt != at)
        {
            return new(CheckInOutcome.OpIdReused, null);
        }

        if (at > (state.State.LastCheckIn ?? DateTimeOffset.MinValue))
        {
            state.State.LastCheckIn = at;
            await state.WriteStateAsync();
        }

        await EvaluateAsync();
        return new(CheckInOutcome.Counted, at);
    }

    public async Task Visited(KeyPersonVisit visit)
    {
        if (_profile is null)
        {
            return;
        }

        // The visit's row (with its notes) is the record; the log carries ids and the outcome only, once per visit.
        // Which visit counts is the schedule view's to say (key_person_schedule): read the record again.
        await AppendAsync(visit.Id, "keyperson.visited", "visit", visit.At, new { id = Id, visitId = visit.Id, outcome = visit.Outcome });
        await Reload();
    }

    public async Task Reload()
    {
        await LoadAsync();
        if (_profile is not null)
        {
            await EvaluateAsync();
        }
    }

    public async Task Reassign(string formerGrid)
    {
        await LoadAsync();

        // The person's entry leaves the old grid's counters and, while not normal, counts in the new grid's; an ended person
        // counts nowhere, and one brought back is counted again (in the same grid too).
        if (_profile is null || formerGrid != Grid)
        {
            await GrainFactory.GetGrain<IUnitGrain>(formerGrid).Retire("key-person:" + Id);
        }

        if (_profile is not null)
        {
            _version = Math.Max(_version + 1, clock.GetUtcNow().UtcTicks);
            await GrainFactory.GetGrain<IUnitGrain>(Grid).Report("key-person:" + Id, _version,
                UnitCounters.Zero with { KeyPersonsAbnormal = state.State.ReportedState == "normal" ? 0 : 1 });
            await EvaluateAsync();
        }
    }

    public async Task<KeyPersonSnapshot?> Snapshot()
    {
        if (_profile is not { } p)
        {
            return null;
        }

        _interval = (await rules.CurrentAsync()).ScheduleFor(p.SupervisionLevel);
        var latest = Latest();
        return new KeyPersonSnapshot(
            Id, p.Grid, state.State.ReportedState, latest?.Lat, latest?.Lon, Separation(), state.State.LastCheckIn,
            [.. state.State.Alerts.Rules.Where(r => r.Value.Fired).Select(r => r.Key)],
            p.SupervisionLevel, CheckInDue(), p.LastVisit, VisitDue(), p.ForbiddenPlaces);
    }

    /// <summary>One interval of the person's supervision level after their last check-in (or the start of supervision).</summary>
    private DateTimeOffset CheckInDue() => (state.State.LastCheckIn ?? _profile!.SupervisedSince) + (_interval?.CheckInEvery ?? _profile!.CheckInEvery);

    /// <summary>One interval of the person's supervision level after the last visit that found them (or the start of supervision).</summary>
    private DateTimeOffset VisitDue() => (_profile!.LastVisit ?? _profile.SupervisedSince) + (_interval?.VisitEvery ?? _profile.VisitEvery);

    private DevicePosition? Latest() => state.State.Positions.Values.MaxBy(p => p.At);

    /// <summary>Metres between the wristband and the person's phone (人机分离), when both have reported.</summary>
    private double? Separation()
    {
        var band = state.State.Positions.Values.Where(p => p.Kind == Devices.DeviceKinds.Wristband).MaxBy(p => p.At);
        var phone = state.State.Positions.Values.Where(p => p.Kind == Devices.DeviceKinds.PersonPhone).MaxBy(p => p.At);
        return band is null || phone is null ? null : Metres(band.Lat, band.Lon, phone.Lat, phone.Lon);
    }

    private async Task EvaluateAsync()
    {
        _interval = (await rules.CurrentAsync()).ScheduleFor(_profile!.SupervisionLevel);
        var now = clock.GetUtcNow();
        var latest = Latest();
        var next = await alerts.EvaluateAsync(Subject(), await FactsAsync(latest is null ? null : (latest.Lat, latest.Lon), Separation()), now);
        if (await EvaluateDrillsAsync(now) is { } drillNext)
        {
            next = next is null || drillNext < next ? drillNext : next;
        }

        // A travel leave's area is allowed from its start until its return deadline: the zone changes at both moments.
        if (_profile!.Travel is { } travel)
        {
            foreach (var edge in new[] { travel.From, travel.ReturnBy }.Where(e => e > now))
            {
                next = next is null || edge < next ? edge : next;
            }
        }

        await ReportStateAsync(await rules.CurrentAsync());
        // A timer for the next moment a rule needs another look (a dwell or separation period ending, a
        // curfew edge, a check-in or visit falling due) and a reminder meanwhile: a person who goes silent
        // is still noticed after the silo holding their grain died.
        _wakeUp ??= new DurableWakeUp(this, WakeReminder, options.Value.ReminderPeriod, EvaluateAsync, clock);
        await _wakeUp.ScheduleAsync(next);
    }

    public async Task ObserveDrill(string drillId, KeyPersonObservation o)
    {
        if (_profile is null)
        {
            return;
        }

        var drill = state.State.Drills.TryGetValue(drillId, out var known) ? known : state.State.Drills[drillId] = new DrillPosition();
        (drill.Lat, drill.Lon) = (o.Lat, o.Lon);
        await state.WriteStateAsync();
        await EvaluateAsync();
    }

    public async Task ClearDrill(string drillId)
    {
        if (!state.State.Drills.Remove(drillId, out var drill))
        {
            return;
        }

        var now = clock.GetUtcNow();
        foreach (var watch in drill.Alerts.Rules.Values.Where(w => w.AlertId is not null))
        {
            await GrainFactory.GetGrain<IAlertGrain>(watch.AlertId!).Clear(now, "the drill was cleared");
        }

        await state.WriteStateAsync();
    }

    /// <summary>
    /// Each running drill's scripted position (演练) judged like a real one by the rules that read positions — only the position and
    /// the person's zones are offered, no deadline or signal — under the drill's own watch state, so its alerts are the drill's.
    /// </summary>
    private async Task<DateTimeOffset?> EvaluateDrillsAsync(DateTimeOffset now)
    {
        DateTimeOffset? next = null;
        foreach (var (drillId, drill) in state.State.Drills)
        {
            var real = await FactsAsync((drill.Lat, drill.Lon), null);
            var facts = new SubjectFacts { Position = (drill.Lat, drill.Lon) };
            foreach (var (name, zone) in real.Zones)
            {
                facts.Zones[name] = zone;
            }

            var subject = new WatchedSubject(new AlertSubject(SubjectKinds.KeyPerson, Id), Grid, drill.Alerts, state.WriteStateAsync, _profile!.Officer, drillId);
            if (await alerts.EvaluateAsync(subject, facts, now) is { } at)
            {
                next = next is null || at < next ? at : next;
            }
        }

        return next;
    }

    /// <summary>The person as the rules' subject: their alerts go first to their responsible officer (社区矫正), when they have one.</summary>
    private WatchedSubject Subject() => new(new AlertSubject(SubjectKinds.KeyPerson, Id), Grid, state.State.Alerts, state.WriteStateAsync, _profile!.Officer);

    /// <summary>What the person's rules read, for a position (the latest, or a replayed one) and the device separation then.</summary>
    private async Task<SubjectFacts> FactsAsync((double Lat, double Lon)? position, double? separation)
    {
        var facts = new SubjectFacts { Position = position };
        if (await areas.AreaOfAsync(Grid[..6]) is { } district)
        {
            // On an approved travel leave (外出请假), between its start and its return deadline, the leave's area is allowed too.
            var now = clock.GetUtcNow();
            facts.Zones["allowed"] = _profile!.Travel is { } travel && travel.From <= now && now < travel.ReturnBy && await areas.AreaOfAsync(travel.AreaCode) is { } away
                ? district.Union(away)
                : district;
        }

        // Built for each evaluation rather than held: a held 32-gon was most of a person grain's memory
        // (docs/benchmarks.md, memory per active grain), and most of a city's persons are not moving.
        facts.Zones["home"] = KeyPersonZones.Circle(_profile!.HomeLat, _profile.HomeLon, HomeRadiusM);
        if (_profile.Forbidden is { } forbidden)
        {
            facts.Zones["forbidden"] = forbidden;
        }

        if (separation is { } metres)
        {
            facts.Metrics["deviceSeparationM"] = metres;
        }

        if (state.State.LastCheckIn is { } checkIn)
        {
            facts.Signals["checkIn"] = checkIn;
        }

        facts.Deadlines["checkIn"] = CheckInDue();
        facts.Deadlines["visit"] = VisitDue();
        if (_profile.HandOverRespondBy is { } respondBy)
        {
            // An open hand-over request (异地协作监管) must be answered by the receiving district by then.
            facts.Deadlines["handOver"] = respondBy;
        }

        if (_profile.Travel is { } leave)
        {
            // An approved travel leave (外出请假) not yet recorded as returned must end by then.
            facts.Deadlines["travelReturn"] = leave.ReturnBy;
        }

        if (_profile.ReleaseReceiptBy is { } receiptBy)
        {
            // A release notice (刑满释放人员衔接): the receiving community confirms receipt by then …
            facts.Deadlines["releaseReceipt"] = receiptBy;
        }

        if (_profile.ReleaseFirstVisitBy is { } firstVisitBy)
        {
            // … and, once confirmed, makes the first visit by then.
            facts.Deadlines["releaseFirstVisit"] = firstVisitBy;
        }

        if (_profile.AftercareTaskDue is { } taskDue)
        {
            // 帮教: the earliest open support task is due then.
            facts.Deadlines["aftercareTask"] = taskDue;
        }

        return facts;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => _profile is null ? Task.CompletedTask : EvaluateAsync();

    /// <summary>violation while a critical episode has fired, attention for any other fired episode, else normal; counted in the grid when not normal.</summary>
    private async Task ReportStateAsync(RuleSet ruleSet)
    {
        var fired = state.State.Alerts.Rules.Where(r => r.Value.Fired).Select(r => ruleSet.Find(r.Key)?.Rule.Severity).ToList();
        var now = fired.Contains(AlertSeverity.Critical) ? "violation" : fired.Count > 0 ? "attention" : "normal";
        if (now == state.State.ReportedState)
        {
            return;
        }

        // Versions from the clock stay ahead of any earlier report, even after a restart; +1 when the clock has not moved.
        _version = Math.Max(_version + 1, clock.GetUtcNow().UtcTicks);
        // The change is a durable fact screens hear (the id and the state, nothing personal), committed
        // before the list row and the grid's counter follow it.
        await AppendAsync($"{Id}/state/{_version}", "keyperson.state-changed", "key-person", clock.GetUtcNow(), new { id = Id, state = now, previous = state.State.ReportedState });
        state.State.ReportedState = now;
        await state.WriteStateAsync();
        await using (var command = db.CreateCommand("UPDATE key_person SET state = @state WHERE id = @id"))
        {
            command.Parameters.AddWithValue("state", now);
            command.Parameters.AddWithValue("id", Id);
            await command.ExecuteNonQueryAsync();
        }

        await GrainFactory.GetGrain<IUnitGrain>(Grid).Report("key-person:" + Id, _version,
            UnitCounters.Zero with { KeyPersonsAbnormal = now == "normal" ? 0 : 1 });
    }

    private Task<IReadOnlyList<LoggedEvent>> AppendAsync(string opId, string type, string source, DateTimeOffset at, object data) =>
        AppendAsync("key-person", opId, type, source, at, data);

    private Task<IReadOnlyList<LoggedEvent>> AppendAsync(string caller, string opId, string type, string source, DateTimeOffset at, object data) =>
        GrainFactory.GetGrain<IDistrictEventLogGrain>(Grid[..6]).Append(caller, opId, [new EventDraft(Grid, type, source, at, JsonSerializer.Serialize(data))]);

    private static double Metres(double lat1, double lon1, double lat2, double lon2)
    {
        const double R = 6_371_000;
        var dLat = (lat2 - lat1) * Math.PI / 180;
        var dLon = (lon2 - lon1) * Math.PI / 180;
        var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) + Math.Cos(lat1 * Math.PI / 180) * Math.Cos(lat2 * Math.PI / 180) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * R * Math.Asin(Math.Sqrt(a));
    }
}

/// <summary>The polygons of units above grids (a district as a key person's allowed area), read once per silo per map version.</summary>
public sealed class UnitAreas(MapStore map)
{
    private readonly ConcurrentDictionary<string, Geometry?> _areas = new();
    private long _version = -1;

    public async ValueTask<Geometry?> AreaOfAsync(string code)
    {
        if (_areas.TryGetValue(code, out var cached))
        {
            return cached;
        }

        var version = await map.VersionAsync();
        if (version != Interlocked.Exchange(ref _version, version))
        {
            _areas.Clear();
        }

        var parent = UnitCode.ParentOf(code);
        var area = parent is null ? null : (await map.ChildGeometriesAsync(parent)).FirstOrDefault(c => c.Unit.Code == code).Geometry;
        _areas[code] = area;
        return area;
    }
}

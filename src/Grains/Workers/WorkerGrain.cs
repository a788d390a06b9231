using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Live;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Units;
using Orleans.Runtime;

namespace OpsCentre.Grains.Workers;

public sealed class WorkerState
{
    public bool Online { get; set; }

    public bool OnDuty { get; set; }

    public double? Lat { get; set; }

    public double? Lon { get; set; }

    public string? CurrentGrid { get; set; }

    public DateTimeOffset? At { get; set; }

    /// <summary>The grid whose counters hold this worker's entry: when the roster moves the worker, the entry is retired there.</summary>
    public string? CountedGrid { get; set; }

    /// <summary>Where this worker stands with the rules that target workers (zones, duty windows).</summary>
    public AlertWatchState Alerts { get; set; } = new();
}

public sealed class WorkerGrain(
    [PersistentState("worker", LiveState.Storage)] IPersistentState<WorkerState> state,
    WorkerRoster roster,
    GridLocator grids,
    LiveRelay live,
    AlertWatcher alerts,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, IWorkerGrain
{
    private string _id = "";
    private string? _assignedGrid;
    private string? _district; // of the assigned grid: where the worker's live items go, on every status
    private long _version;

    // The newest observation applied, by its device's seq: Observe is one-way, and Orleans does not promise
    // that one-way messages arrive in the order sent (a test saw them overtake each other). Kept in memory
    // only: after a reactivation the first observation is the newest known.
    private (string DeviceId, long Seq)? _newest;

    // Worker rules look again on a timer only: the worker's device keeps the durable wake-up, and its
    // next status or its going offline reactivates the worker.
    private IGrainTimer? _ruleTimer;
    private WatchedSubject? _subject;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Kept: Orleans decodes a string key anew on every GetPrimaryKeyString, and a status needs it twice.
        _id = this.GetPrimaryKeyString();
        _assignedGrid = await roster.AssignedGridAsync(_id, cancellationToken);
        _district = _assignedGrid is null ? null : UnitCode.DistrictOf(_assignedGrid);
        if (state.State.CountedGrid is { } counted && counted != _assignedGrid)
        {
            // Moved (or removed) while this grain slept: its entry leaves the old grid now.
            await MoveEntryAsync(counted);
        }
    }

    public async Task Reassign(string formerGrid)
    {
        var assigned = await roster.AssignedGridAsync(_id, CancellationToken.None);
        _assignedGrid = assigned;
        _district = assigned is null ? null : UnitCode.DistrictOf(assigned);
        _subject = null; // the rules' subject names the assigned grid
        if (formerGrid != assigned)
        {
            // The grid the roster names as former holds the entry even when this grain's state predates CountedGrid.
            await GrainFactory.GetGrain<IUnitGrain>(formerGrid).Retire("worker:" + _id);
        }

        if (state.State.CountedGrid is { } counted && counted != assigned)
        {
            await MoveEntryAsync(counted);
        }

        if (assigned is not null)
        {
            PublishPosition();
        }
        else if (UnitCode.DistrictOf(formerGrid) is { } district)
        {
            // Ended: the screens' point of the worker goes (they show online workers only).
            var data = JsonSerializer.Serialize(new WorkerLive(null, null, null, formerGrid, Online: false, OnDuty: false), WorkerLiveJson.Default.WorkerLive);
            live.Publish(district, LiveItem.Create("worker", _id, formerGrid, data));
        }
    }

    /// <summary>Retires the worker's entry at the grid that counted it, and counts them where they are assigned now.</summary>
    private async Task MoveEntryAsync(string counted)
    {
        await GrainFactory.GetGrain<IUnitGrain>(counted).Retire("worker:" + _id);
        if (_assignedGrid is not null)
        {
            await ReportCountersAsync();
        }
        else
        {
            // Ended (or gone from the roster): off duty and offline, so a return is counted afresh from the device's next status.
            state.State.CountedGrid = null;
            state.State.Online = false;
            state.State.OnDuty = false;
            await state.WriteStateAsync();
        }
    }

    public async Task Observe(WorkerObservation observation)
    {
        if (await TakeAsync(observation))
        {
            await ApplyAsync();
        }
    }

    public async Task Replay(IReadOnlyList<WorkerObservation> observations)
    {
        var any = false;
        foreach (var observation in observations)
        {
            any |= await TakeAsync(observation);
        }

        if (any)
        {
            await ApplyAsync();
        }
    }

    /// <summary>
    /// Takes an observation newer than the last from its device into the worker's state; one that arrives late is judged at
    /// its own time by the rules that read positions. False when it is not newer (or the worker is not on the roster).
    /// </summary>
    private async Task<bool> TakeAsync(WorkerObservation observation)
    {
        if (_assignedGrid is null || (_newest is { } newest && newest.DeviceId == observation.DeviceId && observation.Seq <= newest.Seq))
        {
            return false;
        }

        _newest = (observation.DeviceId, observation.Seq);
        var s = state.State;
        s.OnDuty = observation.OnDuty ?? s.OnDuty;
        s.Lat = observation.Lat;
        s.Lon = observation.Lon;
        s.At = observation.At;
        var now = clock.GetUtcNow();
        if (alerts.IsLate(observation.At, now))
        {
            await alerts.EvaluateAsync(Subject(), await FactsAsync(replayed: true), now, replayedAt: observation.At);
        }

        return true;
    }

    /// <summary>The newest observation taken is the worker's live state: online, its grid, on the screens, in the counters, judged now.</summary>
    private async Task ApplyAsync()
    {
        var s = state.State;
        var counted = (s.Online, s.OnDuty);
        s.Online = true;
        s.CurrentGrid = (await grids.IndexAsync()).Locate(s.Lat!.Value, s.Lon!.Value);
        PublishPosition();
        if ((s.Online, s.OnDuty) != counted)
        {
            // Position is live data and is not persisted per status; the counted flags are.
            await state.WriteStateAsync();
            await ReportCountersAsync();
        }

        await EvaluateRulesAsync();
    }

    public async Task GoOffline()
    {
        if (_assignedGrid is null || !state.State.Online)
        {
            return;
        }

        state.State.Online = false;
        await state.WriteStateAsync();
        PublishPosition();
        await ReportCountersAsync();
        await EvaluateRulesAsync();
    }

    public Task<WorkerSnapshot?> Snapshot() => Task.FromResult(_assignedGrid is null
        ? null
        : new WorkerSnapshot(_id, _assignedGrid, state.State.CurrentGrid, state.State.Lat, state.State.Lon, state.State.Online, state.State.OnDuty));

    private async Task EvaluateRulesAsync()
    {
        var next = await alerts.EvaluateAsync(Subject(), await FactsAsync(replayed: false), clock.GetUtcNow());
        if (next is { } due)
        {
            var delay = due - clock.GetUtcNow();
            delay = delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
            _ruleTimer ??= this.RegisterGrainTimer(EvaluateRulesAsync, new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan));
            _ruleTimer.Change(delay, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _ruleTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// What the worker's rules read: the position, on duty and online, the assigned grid's area. A replayed observation
    /// says nothing of being online (the server did not hear the device then), so its facts leave it out.
    /// </summary>
    private async Task<SubjectFacts> FactsAsync(bool replayed)
    {
        var s = state.State;
        var facts = new SubjectFacts { Position = s.Lat is { } lat && s.Lon is { } lon ? (lat, lon) : null };
        facts.Metrics["onDuty"] = s.OnDuty ? 1 : 0;
        if (!replayed)
        {
            facts.Metrics["online"] = s.Online ? 1 : 0;
        }

        if ((await grids.IndexAsync()).AreaOf(_assignedGrid!) is { } area)
        {
            facts.Zones["assigned-grid"] = area;
        }

        return facts;
    }

    // Made once: the worker's state object, and so its watch state, lives as long as the activation.
    private WatchedSubject Subject() =>
        _subject ??= new WatchedSubject(new AlertSubject(SubjectKinds.Worker, _id), _assignedGrid!, state.State.Alerts, state.WriteStateAsync);

    private async Task ReportCountersAsync()
    {
        // Versions from the clock stay ahead of any earlier report, even after a restart lost _version.
        _version = Math.Max(_version + 1, clock.GetUtcNow().UtcTicks);
        var totals = UnitCounters.Zero with
        {
            WorkersOnline = state.State.Online ? 1 : 0,
            WorkersOnDuty = state.State.Online && state.State.OnDuty ? 1 : 0,
        };
        if (state.State.CountedGrid != _assignedGrid)
        {
            // Written before the entry exists, so a crash in between leaves nothing the next move cannot retire.
            state.State.CountedGrid = _assignedGrid;
            await state.WriteStateAsync();
        }

        await GrainFactory.GetGrain<IUnitGrain>(_assignedGrid!).Report("worker:" + _id, _version, totals);
    }

    private void PublishPosition()
    {
        var s = state.State;
        var data = JsonSerializer.Serialize(new WorkerLive(s.Lat, s.Lon, s.CurrentGrid, _assignedGrid!, s.Online, s.OnDuty), WorkerLiveJson.Default.WorkerLive);
        live.Publish(_district!, LiveItem.Create("worker", _id, _assignedGrid!, data));
    }
}

/// <summary>A worker's live item on the screens (the <c>worker</c> kind); sent on every status, so its JSON is source-generated.</summary>
internal sealed record WorkerLive(double? Lat, double? Lon, string? GridCode, string AssignedGrid, bool Online, bool OnDuty);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(WorkerLive))]
internal sealed partial class WorkerLiveJson : JsonSerializerContext;

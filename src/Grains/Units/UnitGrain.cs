using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpsCentre.Grains.Live;
using OpsCentre.Grains.Map;
using Orleans.Runtime;

namespace OpsCentre.Grains.Units;

/// <summary>Persistent roll-up state: the latest report of every source and this unit's outgoing version.</summary>
public sealed class UnitRollupState
{
    public Dictionary<string, SourceReport> Sources { get; set; } = [];

    /// <summary>Version of the last report this unit sent (or would send) to its parent.</summary>
    public long Version { get; set; }
}

public sealed class SourceReport
{
    public long Version { get; set; }

    public UnitCounters Counters { get; set; } = UnitCounters.Zero;
}

// Reentrant so that reports arriving while the state is being written (or reported up) queue for
// the next round (group commit): a burst of N reports costs one write and one report up per level,
// not N. Only the GroupCommit loop writes the state; a second one reports up, which no reporter waits for.
[Orleans.Concurrency.Reentrant]
public sealed partial class UnitGrain(
    [PersistentState("rollup", LiveState.Storage)] IPersistentState<UnitRollupState> state, MapStore map, GridLocator grids, LiveRelay live, ILogger<UnitGrain> logger)
    : Grain, IUnitGrain
{
    private static readonly TimeSpan ParentRetry = TimeSpan.FromSeconds(2);

    private string _code = "";
    private UnitRecord? _identity;
    private IReadOnlyList<UnitRecord> _children = [];
    private UnitCounters _totals = UnitCounters.Zero;
    private IGrainTimer? _parentRetry;
    private bool _forceReport;
    private GroupCommit _writes = null!;
    private GroupCommit _upward = null!;
    private long _mapVersion;

    // The sources as reports change them. The persisted state is a copy taken at the start of each write: the storage
    // provider serializes it off the grain's scheduler, and this grain is reentrant, so a report arriving during a write
    // must not touch the dictionary being serialized ("Collection was modified" in CI, 2026-12-06).
    private Dictionary<string, SourceReport> _sources = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _code = this.GetPrimaryKeyString();
        if (!UnitCode.IsValid(_code))
        {
            throw new ArgumentException($"'{_code}' is not a unit code");
        }

        await LoadIdentityAsync(cancellationToken);
        _sources = new Dictionary<string, SourceReport>(state.State.Sources);
        _totals = Sum();
        _writes = new GroupCommit(WriteAsync);
        _upward = new GroupCommit(ReportToParentAsync);
        if (UnitCode.LevelOf(_code) == UnitLevel.Grid)
        {
            // A grid's registry dues count in its totals; a grid coming to life has them counted (one-way: reported back later).
            await GrainFactory.GetGrain<Registries.IRegistryDuesGrain>(_code).Refresh();
        }

        // What it last wrote, told to its parent again: a report up that a crash lost after the write reaches it now
        // (the parent takes it only if its version is newer than the one it holds).
        if (state.State.Version > 0)
        {
            ReportUp();
        }
    }

    public async Task<UnitSnapshot?> Snapshot()
    {
        // A re-imported map (a new name, new children) reaches a live unit within the locator's refresh interval.
        if (await grids.VersionAsync() != _mapVersion)
        {
            await LoadIdentityAsync(CancellationToken.None);
        }

        return _identity is null
            ? null
            : new UnitSnapshot(_code, _identity.Name, UnitCode.LevelOf(_code), _identity.ParentCode, _totals,
                [.. _children.Select(c => new UnitChild(c.Code, c.Name, _sources.TryGetValue(c.Code, out var r) ? r.Counters : UnitCounters.Zero))]);
    }

    private async Task LoadIdentityAsync(CancellationToken cancellationToken)
    {
        _mapVersion = await grids.VersionAsync(cancellationToken);
        _identity = await map.FindAsync(_code, cancellationToken);
        _children = _identity is null ? [] : await map.ChildrenAsync(_code, cancellationToken);
    }

    public Task<UnitReport> Totals() => Task.FromResult(new UnitReport(state.State.Version, _totals));

    public Task Report(string source, long version, UnitCounters totals)
    {
        if (_sources.TryGetValue(source, out var held) && held.Version >= version)
        {
            return Task.CompletedTask;
        }

        _sources[source] = new SourceReport { Version = version, Counters = totals };
        return _writes.RequestAsync();
    }

    public Task Retire(string source) => _sources.Remove(source) ? _writes.RequestAsync() : Task.CompletedTask;

    public async Task<UnitCounters> Repair()
    {
        foreach (var child in _children)
        {
            var latest = await GrainFactory.GetGrain<IUnitGrain>(child.Code).Totals();
            _sources[child.Code] = new SourceReport { Version = latest.Version, Counters = latest.Counters };
        }

        _forceReport = true;
        await _writes.RequestAsync();
        return _totals;
    }

    /// <summary>
    /// Writes the sources as they are now (written through: a unit's sources are the only record of
    /// what its children last said), then — if the totals changed — tells the screens and the parent.
    /// The reporters of this round wait for the write only, so a report that returned is durable in its
    /// unit; the report up runs after it, in rounds of its own, and is retried until the parent has it.
    /// Waiting for the whole chain up to the city made every reporter wait for four more writes, and a
    /// city-wide silence (27,000 devices offline at once) timed out 22,736 calls (docs/benchmarks.md,
    /// "Cold start of the whole city").
    /// </summary>
    private async Task WriteAsync()
    {
        var totals = Sum();
        var changed = totals != _totals || _forceReport;
        _forceReport = false;
        var version = state.State.Version;
        if (changed)
        {
            _totals = totals;
            version++;
        }

        // Source reports are replaced, never changed in place, so a shallow copy is a stable snapshot.
        state.State = new UnitRollupState { Sources = new Dictionary<string, SourceReport>(_sources), Version = version };
        await state.WriteStateAsync();
        if (changed)
        {
            PublishLive();
            ReportUp();
        }
    }

    /// <summary>Asks for a report to the parent, in the next upward round; not awaited: its failures retry on a timer.</summary>
    private void ReportUp() => _upward.RequestAsync().Ignore();

    // Screens see counters change as they happen. The city's own counters are the sum of its
    // districts' and are not published separately.
    private void PublishLive()
    {
        if (UnitCode.DistrictOf(_code) is not { } district)
        {
            return;
        }

        var data = JsonSerializer.Serialize(new { counters = _totals.ToWire() });
        live.Publish(district, LiveItem.Create("unit", _code, _code, data));
    }

    private async Task ReportToParentAsync()
    {
        if (UnitCode.ParentOf(_code) is not { } parent)
        {
            return;
        }

        try
        {
            await GrainFactory.GetGrain<IUnitGrain>(parent).Report(_code, state.State.Version, _totals);
            _parentRetry?.Dispose();
            _parentRetry = null;
        }
        catch (Exception ex)
        {
            // The parent will hear the same absolute totals again shortly; versions make that safe.
            LogParentUnreachable(ex, _code, parent);
            // Retried as an upward round like any other, so a retry and a new change never report side by side.
            _parentRetry ??= this.RegisterGrainTimer(_upward.RequestAsync, new GrainTimerCreationOptions(ParentRetry, ParentRetry) { KeepAlive = true });
        }
    }

    private UnitCounters Sum()
    {
        var sum = UnitCounters.Zero;
        foreach (var report in _sources.Values)
        {
            sum += report.Counters;
        }

        return sum;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unit {Code} could not report to its parent {Parent}; retrying")]
    private partial void LogParentUnreachable(Exception exception, string code, string parent);
}

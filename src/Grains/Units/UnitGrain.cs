using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpsCentre.Grains.EventLog;
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

public sealed partial class UnitGrain(
    [PersistentState("rollup")] IPersistentState<UnitRollupState> state, MapStore map, ILogger<UnitGrain> logger) : Grain, IUnitGrain
{
    private static readonly TimeSpan ParentRetry = TimeSpan.FromSeconds(2);

    private string _code = "";
    private UnitRecord? _identity;
    private IReadOnlyList<UnitRecord> _children = [];
    private UnitCounters _totals = UnitCounters.Zero;
    private IGrainTimer? _parentRetry;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _code = this.GetPrimaryKeyString();
        if (!UnitCode.IsValid(_code))
        {
            throw new ArgumentException($"'{_code}' is not a unit code");
        }

        _identity = await map.FindAsync(_code, cancellationToken);
        _children = _identity is null ? [] : await map.ChildrenAsync(_code, cancellationToken);
        _totals = Sum();
    }

    public Task<UnitSnapshot?> Snapshot() => Task.FromResult(_identity is null
        ? null
        : new UnitSnapshot(_code, _identity.Name, UnitCode.LevelOf(_code), _identity.ParentCode, _totals,
            [.. _children.Select(c => new UnitChild(c.Code, c.Name, state.State.Sources.TryGetValue(c.Code, out var r) ? r.Counters : UnitCounters.Zero))]));

    public Task<UnitReport> Totals() => Task.FromResult(new UnitReport(state.State.Version, _totals));

    public async Task Report(string source, long version, UnitCounters totals)
    {
        if (state.State.Sources.TryGetValue(source, out var held) && held.Version >= version)
        {
            return;
        }

        state.State.Sources[source] = new SourceReport { Version = version, Counters = totals };
        await ApplyAsync();
    }

    public async Task Retire(string source)
    {
        if (state.State.Sources.Remove(source))
        {
            await ApplyAsync();
        }
    }

    public async Task<UnitCounters> Repair()
    {
        foreach (var child in _children)
        {
            var latest = await GrainFactory.GetGrain<IUnitGrain>(child.Code).Totals();
            state.State.Sources[child.Code] = new SourceReport { Version = latest.Version, Counters = latest.Counters };
        }

        await ApplyAsync(force: true);
        return _totals;
    }

    private async Task ApplyAsync(bool force = false)
    {
        var totals = Sum();
        if (totals == _totals && !force)
        {
            // The source changed its version but not its numbers: remember the version, tell nobody.
            await state.WriteStateAsync();
            return;
        }

        _totals = totals;
        state.State.Version++;
        // Written through: a unit's sources are the only record of what its children last said.
        await state.WriteStateAsync();
        PublishLive();
        await ReportToParentAsync();
    }

    // Screens see counters change as they happen. The city's own counters are the sum of its
    // districts' and are not published separately.
    private void PublishLive()
    {
        if (UnitCode.DistrictOf(_code) is not { } district)
        {
            return;
        }

        var data = JsonSerializer.Serialize(new { counters = _totals.ToWire() });
        _ = GrainFactory.GetGrain<IDistrictEventLogGrain>(district).PublishLive([new LiveItem("unit", _code, _code, data)]);
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
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            // The parent will hear the same absolute totals again shortly; versions make that safe.
            LogParentUnreachable(ex, _code, parent);
            _parentRetry ??= this.RegisterGrainTimer(ReportToParentAsync, new GrainTimerCreationOptions(ParentRetry, ParentRetry) { KeepAlive = true });
        }
    }

    private UnitCounters Sum()
    {
        var sum = UnitCounters.Zero;
        foreach (var report in state.State.Sources.Values)
        {
            sum += report.Counters;
        }

        return sum;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unit {Code} could not report to its parent {Parent}; retrying")]
    private partial void LogParentUnreachable(Exception exception, string code, string parent);
}

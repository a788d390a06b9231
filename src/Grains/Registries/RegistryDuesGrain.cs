using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsCentre.Grains.Alerts;
using OpsCentre.Grains.Units;
using Orleans.Runtime;

namespace OpsCentre.Grains.Registries;

/// <summary>
/// A grid's dues in its base information (网格基础信息到期), keyed by the grid's code: how many floating residents are to
/// re-register (流动人口待续登记) and how many key places are past their inspection (重点场所检查逾期), reported to the grid's
/// unit like any other source of its counters; and each overdue key place as a subject of the <c>overdue</c> rules
/// (subject kind <c>key-place</c>, deadline <c>inspection</c>), so its alert fires once per episode and ends when the place
/// is inspected. The grid owns these dates together because they are few per grid and all read from its own rows.
/// </summary>
public interface IRegistryDuesGrain : IGrainWithStringKey
{
    /// <summary>
    /// Counts again after a write to the grid's registries (an approved collection, an import) or to start watching the grid (its
    /// unit's activation). One-way: the writer does not wait for the count.
    /// </summary>
    [Orleans.Concurrency.OneWay]
    Task Refresh();
}

public sealed class RegistryDuesState
{
    /// <summary>Per key place, its rules' watch state while an episode is open (or was, until it ends).</summary>
    public Dictionary<string, AlertWatchState> Places { get; set; } = [];
}

/// <summary>
/// Not reentrant: one count at a time. Wakes by its own timer at the next moment a count changes with time (a registration
/// entering its 30 days, an inspection passing its day) or a rule asks to look again, with an hourly reminder meanwhile as its
/// durable wake-up; nothing scans other grids.
/// </summary>
public sealed class RegistryDuesGrain(
    [PersistentState("registryDues")] IPersistentState<RegistryDuesState> state,
    NpgsqlDataSource db,
    AlertWatcher alerts,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, IRegistryDuesGrain, IRemindable
{
    private string _grid = "";
    private DeadlineWatch? _deadline;
    private long _version;

    /// <summary>The grid's dues as last counted; null until the first count of this activation.</summary>
    private GridDues? _counted;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _grid = this.GetPrimaryKeyString();
        _deadline = new DeadlineWatch(this, _grid, "inspection", WakeAsync, state.WriteStateAsync, alerts, clock);
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Refresh();

    public Task Refresh() => CountAndEvaluateAsync();

    /// <summary>
    /// The timer's wake. Most wakes are the rules' own — an overdue place's alert asked every few seconds whether it was
    /// resolved by hand — and change no count: they evaluate the places as last counted, with no database read. The grid
    /// counts again when a count changes with time (<see cref="GridDues.NextChange"/>), on its hourly reminder, and on
    /// every <see cref="Refresh"/> (a write to its registries).
    /// </summary>
    private Task WakeAsync()
    {
        var now = clock.GetUtcNow();
        return _counted is { } counted && (counted.NextChange is not { } change || now < change) ? EvaluateAsync(counted, now) : CountAndEvaluateAsync();
    }

    private async Task CountAndEvaluateAsync()
    {
        if (!UnitCode.IsValid(_grid) || UnitCode.LevelOf(_grid) != UnitLevel.Grid)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var dues = await RegistryDues.CountAsync(db, _grid, now, CancellationToken.None);
        _counted = dues;

        // The counts first, so a failing alert below cannot keep them from the screens. Absolute totals under a newer
        // version each time: a repeated or reordered report cannot count twice.
        _version = Math.Max(_version + 1, now.UtcTicks);
        await GrainFactory.GetGrain<IUnitGrain>(_grid).Report("registry-dues", _version,
            UnitCounters.Zero with { ResidentsToReRegister = dues.ToReRegister, KeyPlacesOverdue = dues.PlacesOverdue });

        await EvaluateAsync(dues, now);
    }

    private async Task EvaluateAsync(GridDues dues, DateTimeOffset now)
    {
        // Each place due by today, and each place whose episode is still open (it may have been inspected since, or removed); the
        // grid wakes again when a count changes with time, or sooner when a rule asks.
        var due = dues.Places.ToDictionary(p => p.PlaceId);
        await _deadline!.EvaluateAsync(state.State.Places, due.Keys, placeId => new DeadlineSubject(
            new AlertSubject(SubjectKinds.KeyPlace, placeId),
            _grid,
            due.TryGetValue(placeId, out var place) ? RegistryDues.OverdueFrom(place.Due) : null), now, dues.NextChange);
    }
}

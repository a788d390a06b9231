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
    /// <summary>The reminder's period: a crashed silo's grid counts again within the hour (the timer is exact while active).</summary>
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromHours(1);

    /// <summary>How soon a count whose alerts could not be written looks again.</summary>
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);

    private string _grid = "";
    private DurableWakeUp? _wakeUp;
    private long _version;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _grid = this.GetPrimaryKeyString();
        _wakeUp = new DurableWakeUp(this, "wake", ReminderPeriod, Refresh, clock, phaseKey: _grid);
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Refresh();

    public async Task Refresh()
    {
        if (!UnitCode.IsValid(_grid) || UnitCode.LevelOf(_grid) != UnitLevel.Grid)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var dues = await RegistryDues.CountAsync(db, _grid, now, CancellationToken.None);
        DateTimeOffset? next = dues.NextChange;
        void WakeAt(DateTimeOffset? at) => next = at is null ? next : next is null || at < next ? at : next;

        // The counts first, so a failing alert below cannot keep them from the screens. Absolute totals under a newer
        // version each time: a repeated or reordered report cannot count twice.
        _version = Math.Max(_version + 1, now.UtcTicks);
        await GrainFactory.GetGrain<IUnitGrain>(_grid).Report("registry-dues", _version,
            UnitCounters.Zero with { ResidentsToReRegister = dues.ToReRegister, KeyPlacesOverdue = dues.PlacesOverdue });

        // Each place due by today, and each place whose episode is still open (it may have been inspected since, or removed).
        // A place whose alert cannot be written now (the event log or PostgreSQL refusing) is judged again soon: the wake-up is
        // kept whatever happens below.
        var due = dues.Places.ToDictionary(p => p.PlaceId);
        try
        {
            foreach (var placeId in due.Keys.Union(state.State.Places.Keys).ToList())
            {
                // In the state before it is evaluated: an alert opened persists the state that names it.
                var watch = state.State.Places.TryGetValue(placeId, out var known) ? known : state.State.Places[placeId] = new AlertWatchState();
                var facts = new SubjectFacts();
                if (due.TryGetValue(placeId, out var place))
                {
                    facts.Deadlines["inspection"] = RegistryDues.OverdueFrom(place.Due);
                }

                WakeAt(await alerts.EvaluateAsync(new WatchedSubject(new AlertSubject(SubjectKinds.KeyPlace, placeId), _grid, watch, state.WriteStateAsync), facts, now));
                if (watch.Rules.Count == 0 && state.State.Places.Remove(placeId) && known is not null)
                {
                    await state.WriteStateAsync();
                }
            }
        }
        catch
        {
            WakeAt(now + RetryAfter);
            throw;
        }
        finally
        {
            await _wakeUp!.ScheduleAsync(next);
        }
    }
}

using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsCentre.Grains.EventLog;
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
}

public sealed class WorkerGrain(
    [PersistentState("worker")] IPersistentState<WorkerState> state,
    NpgsqlDataSource db,
    GridLocator grids,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, IWorkerGrain
{
    private string? _assignedGrid;
    private long _version;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("SELECT assigned_grid FROM grid_worker WHERE id = @id");
        command.Parameters.AddWithValue("id", this.GetPrimaryKeyString());
        _assignedGrid = await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task Observe(WorkerObservation observation)
    {
        if (_assignedGrid is null)
        {
            return;
        }

        var s = state.State;
        var counted = (s.Online, s.OnDuty);
        s.Online = true;
        s.OnDuty = observation.OnDuty ?? s.OnDuty;
        s.Lat = observation.Lat;
        s.Lon = observation.Lon;
        s.At = observation.At;
        s.CurrentGrid = (await grids.IndexAsync()).Locate(observation.Lat, observation.Lon);
        PublishPosition();
        if ((s.Online, s.OnDuty) != counted)
        {
            // Position is live data and is not persisted per status; the counted flags are.
            await state.WriteStateAsync();
            await ReportCountersAsync();
        }
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
    }

    public Task<WorkerSnapshot?> Snapshot() => Task.FromResult(_assignedGrid is null
        ? null
        : new WorkerSnapshot(this.GetPrimaryKeyString(), _assignedGrid, state.State.CurrentGrid, state.State.Lat, state.State.Lon, state.State.Online, state.State.OnDuty));

    private Task ReportCountersAsync()
    {
        // Versions from the clock stay ahead of any earlier report, even after a restart lost _version.
        _version = Math.Max(_version + 1, clock.GetUtcNow().UtcTicks);
        var totals = UnitCounters.Zero with
        {
            WorkersOnline = state.State.Online ? 1 : 0,
            WorkersOnDuty = state.State.Online && state.State.OnDuty ? 1 : 0,
        };
        return GrainFactory.GetGrain<IUnitGrain>(_assignedGrid!).Report("worker:" + this.GetPrimaryKeyString(), _version, totals);
    }

    private void PublishPosition()
    {
        var s = state.State;
        var data = JsonSerializer.Serialize(new { lat = s.Lat, lon = s.Lon, gridCode = s.CurrentGrid, assignedGrid = _assignedGrid, online = s.Online, onDuty = s.OnDuty });
        _ = GrainFactory.GetGrain<IDistrictEventLogGrain>(_assignedGrid![..6]).PublishLive([new LiveItem("worker", this.GetPrimaryKeyString(), _assignedGrid!, data)]);
    }
}

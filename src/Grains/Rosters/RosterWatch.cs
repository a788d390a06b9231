using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpsCentre.Database;
using OpsCentre.Grains.Devices;
using OpsCentre.Grains.KeyPersons;
using OpsCentre.Grains.Workers;
using Orleans.Runtime;

namespace OpsCentre.Grains.Rosters;

/// <summary>
/// Tells live grains what a roster re-import moved, ended or brought back (<c>roster_change</c>, written by a trigger on
/// <c>grid_worker</c> and <c>key_person</c>, migrations 0017 and 0018), so a worker or key person moved to another grid
/// leaves the old grid's counters, and an ended one every counter, without a silo restart; an ended person's devices are
/// revoked. One per cluster (key <see cref="Key"/>); its cursor is its persisted state, so changes made
/// while no silo ran are told when one starts.
/// </summary>
public interface IRosterWatchGrain : IGrainWithStringKey
{
    public const string Key = "roster";

    /// <summary>Tells the grains of the changes after the cursor (at most a batch); returns how many it told.</summary>
    Task<int> Poll();
}

public sealed class RosterWatchState
{
    public long Cursor { get; set; }
}

/// <summary>Not reentrant: one poll at a time, whichever silo asks; each silo's <see cref="RosterWatch"/> asks every few seconds.</summary>
public sealed class RosterWatchGrain([PersistentState("rosterWatch")] IPersistentState<RosterWatchState> state, NpgsqlDataSource db) : Grain, IRosterWatchGrain
{
    private const int Batch = 500;

    public async Task<int> Poll()
    {
        await using var command = db.CreateCommand("SELECT seq, kind, id, old_grid, new_grid IS NULL FROM roster_change WHERE seq > @after ORDER BY seq LIMIT @take");
        command.Parameters.AddWithValue("after", state.State.Cursor);
        command.Parameters.AddWithValue("take", Batch);
        var changes = await command.ReadAllAsync(
            r => (Seq: r.GetInt64(0), Kind: r.GetString(1), Id: r.GetString(2), OldGrid: r.GetString(3), Ended: r.GetBoolean(4)), CancellationToken.None);
        foreach (var change in changes)
        {
            // Each grain reads the roster itself: told twice (a poll retried after a crash), it changes nothing more.
            await (change.Kind == "worker"
                ? GrainFactory.GetGrain<IWorkerGrain>(change.Id).Reassign(change.OldGrid)
                : GrainFactory.GetGrain<IKeyPersonGrain>(change.Id).Reassign(change.OldGrid));
            if (change.Ended)
            {
                await RevokeDevicesAsync(change.Id);
            }
        }

        if (changes.Count > 0)
        {
            state.State.Cursor = changes[^1].Seq;
            await state.WriteStateAsync();
        }

        return changes.Count;
    }

    /// <summary>An ended person's devices are revoked through their grains (which have the last word on a key); revoking twice changes nothing.</summary>
    private async Task RevokeDevicesAsync(string subjectId)
    {
        await using var command = db.CreateCommand("SELECT device_id FROM device_credential WHERE bound_to = @id AND revoked_at IS NULL");
        command.Parameters.AddWithValue("id", subjectId);
        foreach (var deviceId in await command.ReadAllAsync(r => r.GetString(0), CancellationToken.None))
        {
            await GrainFactory.GetGrain<IDeviceGrain>(deviceId).Revoke();
        }
    }
}

/// <summary>Each silo asks the cluster's <see cref="IRosterWatchGrain"/> to poll every <see cref="Period"/>.</summary>
public sealed partial class RosterWatch(IGrainFactory grains, ILogger<RosterWatch> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                int told;
                do
                {
                    told = await grains.GetGrain<IRosterWatchGrain>(IRosterWatchGrain.Key).Poll();
                }
                while (told > 0 && !stoppingToken.IsCancellationRequested);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException or NpgsqlException or InvalidOperationException)
            {
                // The silo is starting or stopping, or the database is out of reach: the next tick asks again.
                LogPollFailed(ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The roster watch could not poll; it tries again")]
    private partial void LogPollFailed(Exception exception);
}

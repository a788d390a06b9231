using Npgsql;
using OpsCentre.Database;

namespace OpsCentre.Grains.Workers;

/// <summary>A grid worker (网格员) as the roster holds them: assigned grid and home position.</summary>
public sealed record RosterWorker(string Id, string Name, string AssignedGrid, double HomeLat, double HomeLon);

/// <summary>An accepted position of a worker's track.</summary>
public sealed record TrackPointItem(long Seq, DateTimeOffset At, double Lat, double Lon, float? AccuracyM);

/// <summary>The grid workers' roster and tracks in PostgreSQL.</summary>
public sealed class WorkerRoster(NpgsqlDataSource db)
{
    /// <summary>The most points one track read returns.</summary>
    public const int MaxTrackPoints = 10_000;

    /// <summary>The grid a worker is assigned to; null for an unknown id or an ended worker.</summary>
    public async Task<string?> AssignedGridAsync(string workerId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await AssignedGridAsync(connection, null, workerId, ct);
    }

    /// <summary>The grid a worker is assigned to, in the caller's transaction (an audited read's); null for an unknown id.</summary>
    public static async Task<string?> AssignedGridAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string workerId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT assigned_grid FROM grid_worker WHERE id = @id AND ended_at IS NULL", connection, transaction);
        command.Parameters.AddWithValue("id", workerId);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>The names and assigned grids of those of <paramref name="ids"/> on the roster (a screen's names for its alerts' subjects).</summary>
    public static async Task<List<(string Id, string Name, string Grid)>> NamesAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT id, name, assigned_grid FROM grid_worker WHERE id = ANY(@ids)", connection, transaction);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        return await command.ReadAllAsync(r => (r.GetString(0), r.GetString(1), r.GetString(2)), ct);
    }

    /// <summary>The ids and names of every worker assigned within a unit (ended ones left out), by id: an assessment's rows.</summary>
    public async Task<List<(string Id, string Name)>> AssignedWithinAsync(string unitPrefix, CancellationToken ct)
    {
        await using var command = db.CreateCommand("SELECT id, name FROM grid_worker WHERE assigned_grid LIKE @prefix AND ended_at IS NULL ORDER BY id");
        command.Parameters.AddWithValue("prefix", unitPrefix + "%");
        return await command.ReadAllAsync(r => (r.GetString(0), r.GetString(1)), ct);
    }

    /// <summary>Workers assigned within a unit (ended ones left out), by id after <paramref name="after"/>.</summary>
    public async Task<List<RosterWorker>> PageAsync(string unitPrefix, string after, int take, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            SELECT id, name, assigned_grid, home_lat, home_lon FROM grid_worker
            WHERE assigned_grid LIKE @prefix AND ended_at IS NULL AND id > @after ORDER BY id LIMIT @take
            """);
        command.Parameters.AddWithValue("prefix", unitPrefix + "%");
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("take", take);
        return await command.ReadAllAsync(r => new RosterWorker(r.GetString(0), r.GetString(1), r.GetString(2), r.GetDouble(3), r.GetDouble(4)), ct);
    }

    /// <summary>
    /// A worker's accepted positions in [from, to], oldest first, at most <see cref="MaxTrackPoints"/>; whereabouts, so read in
    /// the transaction of an audited read.
    /// </summary>
    public static async Task<List<TrackPointItem>> TrackAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string workerId,
        DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "SELECT seq, at, lat, lon, accuracy_m FROM device_track WHERE subject_id = @id AND at >= @from AND at <= @to ORDER BY at, seq LIMIT @take",
            connection, transaction);
        command.Parameters.AddWithValue("id", workerId);
        command.Parameters.AddWithValue("from", from.ToUniversalTime());
        command.Parameters.AddWithValue("to", to.ToUniversalTime());
        command.Parameters.AddWithValue("take", MaxTrackPoints);
        return await command.ReadAllAsync(r => new TrackPointItem(
            r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.GetDouble(2), r.GetDouble(3), r.IsDBNull(4) ? null : r.GetFloat(4)), ct);
    }
}

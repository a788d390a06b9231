using Npgsql;
using NpgsqlTypes;
using OpsCentre.Database;
using OpsCentre.Database.Operations;

namespace OpsCentre.Grains.Drills;

/// <summary>
/// A drill run (演练) within a unit: while it runs, cases may be opened under it (<c>IncidentOpening.DrillId</c>); those
/// carry <c>drill: true</c> in every API answer and hub payload, are marked on the screens and left out of the assessment
/// KPIs; clearing the drill cancels those still open.
/// </summary>
public sealed record Drill(string Id, string UnitCode, string Name, string StartedBy, DateTimeOffset StartedAt, string State, string? ClearedBy, DateTimeOffset? ClearedAt);

/// <summary>A case opened under a drill, as the case list holds it.</summary>
public sealed record DrillCase(string Id, string Category, string Stage, string UnitCode);

/// <summary>The drill runs in PostgreSQL (<c>drill</c>, migration 0034); their cases are the rows of <c>incident</c> with its <c>drill_id</c>.</summary>
public sealed class DrillRuns(NpgsqlDataSource db)
{
    public const string Running = "running";
    public const string Cleared = "cleared";

    private const string Columns = "id, unit_code, name, started_by, started_at, state, cleared_by, cleared_at";

    /// <summary>Starts a drill once per operation id (a retry answers the drill as stored; another body under the id: null and Reused).</summary>
    public async Task<(ClaimOutcome Outcome, Drill? Drill)> StartAsync(Operation operation, string unitCode, string name, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var claim = await OperationLedger.ClaimAsync(connection, transaction, operation, DistrictIds.New(unitCode), ct);
        if (claim.Outcome == ClaimOutcome.Reused)
        {
            return (claim.Outcome, null);
        }

        if (claim.Outcome == ClaimOutcome.Fresh)
        {
            await using var insert = new NpgsqlCommand(
                "INSERT INTO drill (id, unit_code, name, started_by, started_at) VALUES (@id, @unit, @name, @by, @now)", connection, transaction);
            insert.Parameters.AddWithValue("id", claim.ResultId);
            insert.Parameters.AddWithValue("unit", unitCode);
            insert.Parameters.AddWithValue("name", name);
            insert.Parameters.AddWithValue("by", operation.Caller);
            insert.Parameters.AddWithValue("now", now.ToUniversalTime());
            await insert.ExecuteNonQueryAsync(ct);
        }

        var drill = await ReadAsync(connection, transaction, claim.ResultId, ct);
        await transaction.CommitAsync(ct);
        return (claim.Outcome, drill);
    }

    /// <summary>Marks the drill cleared (once: clearing a cleared drill answers it as it is).</summary>
    public async Task<Drill?> ClearAsync(string id, string by, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var update = new NpgsqlCommand(
            "UPDATE drill SET state = 'cleared', cleared_by = @by, cleared_at = @now WHERE id = @id AND state = 'running'", connection);
        update.Parameters.AddWithValue("id", id);
        update.Parameters.AddWithValue("by", by);
        update.Parameters.AddWithValue("now", now.ToUniversalTime());
        await update.ExecuteNonQueryAsync(ct);
        return await ReadAsync(connection, null, id, ct);
    }

    public async Task<Drill?> FindAsync(string id, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await ReadAsync(connection, null, id, ct);
    }

    /// <summary>The drills within <paramref name="unitPrefix"/>, newest first before <paramref name="after"/>.</summary>
    public async Task<List<Drill>> ListAsync(string unitPrefix, string? after, int take, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            $"SELECT {Columns} FROM drill WHERE unit_code LIKE @prefix || '%' AND (@after::text IS NULL OR id < @after) ORDER BY id DESC LIMIT @take");
        command.Parameters.AddWithValue("prefix", unitPrefix);
        command.Parameters.AddWithValue("after", NpgsqlDbType.Text, (object?)after ?? DBNull.Value);
        command.Parameters.AddWithValue("take", take);
        return await command.ReadAllAsync(Read, ct);
    }

    /// <summary>
    /// The scenario's <paramref name="n"/>th scripted position (演练), of a device bound to <paramref name="personId"/>; stored once
    /// (a retried start stores nothing new), so clearing the drill finds the persons it concerns.
    /// </summary>
    public async Task AddPositionAsync(string drillId, int n, string deviceId, string personId, double lat, double lon, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            """
            INSERT INTO drill_position (drill_id, n, device_id, person_id, lat, lon, at) VALUES (@drill, @n, @device, @person, @lat, @lon, @now)
            ON CONFLICT (drill_id, n) DO NOTHING
            """);
        command.Parameters.AddWithValue("drill", drillId);
        command.Parameters.AddWithValue("n", n);
        command.Parameters.AddWithValue("device", deviceId);
        command.Parameters.AddWithValue("person", personId);
        command.Parameters.AddWithValue("lat", lat);
        command.Parameters.AddWithValue("lon", lon);
        command.Parameters.AddWithValue("now", now.ToUniversalTime());
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The key persons whose devices the drill scripted positions for.</summary>
    public async Task<List<string>> PersonsAsync(string id, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand("SELECT DISTINCT person_id FROM drill_position WHERE drill_id = @id ORDER BY 1");
        command.Parameters.AddWithValue("id", id);
        return await command.ReadAllAsync(r => r.GetString(0), ct);
    }

    /// <summary>The cases opened under the drill, oldest first.</summary>
    public async Task<List<DrillCase>> CasesAsync(string id, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand("SELECT id, category, stage, unit_code FROM incident WHERE drill_id = @id ORDER BY reported_at, id");
        command.Parameters.AddWithValue("id", id);
        return await command.ReadAllAsync(r => new DrillCase(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3)), ct);
    }

    private static async Task<Drill?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM drill WHERE id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        return (await command.ReadAllAsync(Read, ct)).SingleOrDefault();
    }

    private static Drill Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4), r.GetString(5), r.NullableString(6), r.NullableTime(7));
}

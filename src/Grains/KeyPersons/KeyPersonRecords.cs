using System.Text.Json;
using Npgsql;
using OpsCentre.Database;
using OpsCentre.Database.Operations;

namespace OpsCentre.Grains.KeyPersons;

/// <summary>A key person's record as the roster holds it; name and ID number in clear (the gateway masks them by role).</summary>
public sealed record KeyPersonRecord(string Id, string Name, string IdNumber, string Category, string SupervisionLevel, string GridCode, string State);

/// <summary>Narrows a listing of key persons; a null member leaves that filter out.</summary>
public sealed record KeyPersonFilter(string? Category, string? SupervisionLevel, string? State)
{
    public static IReadOnlyList<string> Categories { get; } = ["community-corrections", "released-prisoner", "drug-rehabilitation", "mental-disorder"];

    public static IReadOnlyList<string> Levels { get; } = ["strict", "ordinary", "lenient"];

    public static IReadOnlyList<string> States { get; } = ["normal", "attention", "violation"];
}

/// <summary>A forbidden place (禁止进入区域): a circle (lat, lon, radiusM) or a polygon ([[lon, lat], ...]).</summary>
public sealed record ForbiddenPlace(string Id, string Name, double? Lat, double? Lon, double? RadiusM, double[][]? Polygon, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>A check-in (报到) as its event in the log.</summary>
public sealed record CheckInItem(long Seq, DateTimeOffset At);

/// <summary>A visit (回访); <c>Notes</c> is personal data.</summary>
public sealed record VisitItem(string Id, DateTimeOffset VisitedAt, string Outcome, string? Notes, string RecordedBy, DateTimeOffset RecordedAt);

/// <summary>A visit falling due for a person of a grid.</summary>
public sealed record VisitDue(string PersonId, string Name, DateTimeOffset Due);

/// <summary>
/// Key persons' records in PostgreSQL: the roster, their forbidden places and their visits. The reads
/// take the connection and transaction of an audited read, so each read commits with its audit row.
/// </summary>
public sealed class KeyPersonRecords(NpgsqlDataSource db)
{
    private const string RecordColumns = "id, name, id_number, category, supervision_level, grid_code, state";

    private const string PlaceColumns = "id, name, center_lat, center_lon, radius_m, polygon::text, created_by, created_at";

    /// <summary>The grid of a key person; null for an unknown id.</summary>
    public async Task<string?> GridOfAsync(string id, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await GridOfAsync(connection, null, id, ct);
    }

    public static async Task<string?> GridOfAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT grid_code FROM key_person WHERE id = @id AND ended_at IS NULL", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>The names and grids of those of <paramref name="ids"/> on record, in the transaction of the audited read that shows them (masked).</summary>
    public static async Task<List<(string Id, string Name, string Grid)>> NamesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<string> ids, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT id, name, grid_code FROM key_person WHERE id = ANY(@ids)", connection, transaction);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        return await command.ReadAllAsync(r => (r.GetString(0), r.GetString(1), r.GetString(2)), ct);
    }

    /// <summary>Persons within a unit, by id after <paramref name="after"/>.</summary>
    public static Task<List<KeyPersonRecord>> PageAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string unitPrefix, string after, int take, CancellationToken ct) =>
        PageAsync(connection, transaction, unitPrefix, new KeyPersonFilter(null, null, null), after, take, ct);

    /// <summary>Persons within a unit of the filter's category, supervision level and state (each when given), by id after <paramref name="after"/>.</summary>
    public static async Task<List<KeyPersonRecord>> PageAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string unitPrefix, KeyPersonFilter filter,
        string after, int take, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT {RecordColumns} FROM key_person
            WHERE grid_code LIKE @prefix AND ended_at IS NULL AND id > @after
              AND (@category IS NULL OR category = @category) AND (@level IS NULL OR supervision_level = @level) AND (@state IS NULL OR state = @state)
            ORDER BY id LIMIT @take
            """, connection, transaction);
        command.Parameters.AddWithValue("prefix", unitPrefix + "%");
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("take", take);
        command.Parameters.Add("category", NpgsqlTypes.NpgsqlDbType.Text).Value = (object?)filter.Category ?? DBNull.Value;
        command.Parameters.Add("level", NpgsqlTypes.NpgsqlDbType.Text).Value = (object?)filter.SupervisionLevel ?? DBNull.Value;
        command.Parameters.Add("state", NpgsqlTypes.NpgsqlDbType.Text).Value = (object?)filter.State ?? DBNull.Value;
        return await command.ReadAllAsync(ReadRecord, ct);
    }

    public static async Task<KeyPersonRecord?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {RecordColumns} FROM key_person WHERE id = @id AND ended_at IS NULL", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        return (await command.ReadAllAsync(ReadRecord, ct)).SingleOrDefault();
    }

    /// <summary>The registered home position.</summary>
    public static async Task<(double Lat, double Lon)> HomeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT home_lat, home_lon FROM key_person WHERE id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        return (await command.ReadAllAsync(r => (r.GetDouble(0), r.GetDouble(1)), ct)).Single();
    }

    /// <summary>The person's forbidden places in force, oldest first.</summary>
    public static async Task<List<ForbiddenPlace>> ForbiddenPlacesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {PlaceColumns} FROM key_person_zone WHERE person_id = @id AND removed_at IS NULL ORDER BY created_at, id", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        return await command.ReadAllAsync(ReadPlace, ct);
    }

    /// <summary>The newest check-ins of a person, from their district's log.</summary>
    public static async Task<List<CheckInItem>> CheckInsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, string district, int take, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT seq, occurred_at FROM event_log
            WHERE payload ->> 'id' = @id AND district_code = @district AND type = 'keyperson.checked-in'
            ORDER BY seq DESC LIMIT @take
            """, connection, transaction);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("district", district);
        command.Parameters.AddWithValue("take", take);
        return await command.ReadAllAsync(r => new CheckInItem(r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1)), ct);
    }

    /// <summary>The newest visits of a person.</summary>
    public static async Task<List<VisitItem>> VisitsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, int take, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT id, visited_at, outcome, notes, recorded_by, recorded_at FROM key_person_visit
            WHERE person_id = @id ORDER BY visited_at DESC, id LIMIT @take
            """, connection, transaction);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("take", take);
        return await command.ReadAllAsync(r => new VisitItem(
            r.GetString(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetFieldValue<DateTimeOffset>(5)), ct);
    }

    /// <summary>Visits due by <paramref name="horizon"/> (or overdue) to the persons of a grid, soonest first.</summary>
    public static async Task<List<VisitDue>> VisitsDueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string grid, DateTimeOffset horizon, int take, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT s.id, k.name, s.visit_due FROM key_person_schedule s JOIN key_person k ON k.id = s.id
            WHERE s.grid_code = @grid AND k.ended_at IS NULL AND s.visit_due <= @horizon
            ORDER BY s.visit_due, s.id LIMIT @take
            """, connection, transaction);
        command.Parameters.AddWithValue("grid", grid);
        command.Parameters.AddWithValue("horizon", horizon.ToUniversalTime());
        command.Parameters.AddWithValue("take", take);
        return await command.ReadAllAsync(r => new VisitDue(r.GetString(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2)), ct);
    }

    /// <summary>Adds a forbidden place under the caller's operation id; a replay or a reused id answers with the place first stored.</summary>
    public async Task<(ClaimOutcome Outcome, ForbiddenPlace Place)> AddForbiddenPlaceAsync(Operation operation, string personId, string name,
        double? lat, double? lon, double? radiusM, double[][]? polygon, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var claim = await OperationLedger.ClaimAsync(connection, transaction, operation, "zone-" + Guid.NewGuid().ToString("N"), ct);
        if (claim.Outcome == ClaimOutcome.Fresh)
        {
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO key_person_zone (id, person_id, name, center_lat, center_lon, radius_m, polygon, created_by)
                VALUES (@zone, @person, @name, @lat, @lon, @radius, @polygon::jsonb, @by)
                """, connection, transaction);
            insert.Parameters.AddWithValue("zone", claim.ResultId);
            insert.Parameters.AddWithValue("person", personId);
            insert.Parameters.AddWithValue("name", name);
            insert.Parameters.AddWithValue("lat", (object?)lat ?? DBNull.Value);
            insert.Parameters.AddWithValue("lon", (object?)lon ?? DBNull.Value);
            insert.Parameters.AddWithValue("radius", (object?)radiusM ?? DBNull.Value);
            insert.Parameters.AddWithValue("polygon", polygon is null ? DBNull.Value : JsonSerializer.Serialize(polygon));
            insert.Parameters.AddWithValue("by", operation.Caller);
            await insert.ExecuteNonQueryAsync(ct);
        }

        await using var select = new NpgsqlCommand($"SELECT {PlaceColumns} FROM key_person_zone WHERE id = @zone", connection, transaction);
        select.Parameters.AddWithValue("zone", claim.ResultId);
        var place = (await select.ReadAllAsync(ReadPlace, ct)).Single();
        await transaction.CommitAsync(ct);
        return (claim.Outcome, place);
    }

    /// <summary>Ends a forbidden place (a mark, so what was forbidden when stays answerable); false when the person has no such place.</summary>
    public async Task<bool> EndForbiddenPlaceAsync(string personId, string zoneId, string endedBy, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            UPDATE key_person_zone SET removed_at = coalesce(removed_at, now()), removed_by = coalesce(removed_by, @by)
            WHERE id = @zone AND person_id = @person
            """);
        command.Parameters.AddWithValue("by", endedBy);
        command.Parameters.AddWithValue("zone", zoneId);
        command.Parameters.AddWithValue("person", personId);
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>Records a visit under the caller's operation id; answers the stored visit's id and time.</summary>
    public async Task<(ClaimOutcome Outcome, string VisitId, DateTimeOffset VisitedAt)> RecordVisitAsync(
        Operation operation, string personId, string grid, DateTimeOffset visitedAt, string outcome, string notes, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var claim = await OperationLedger.ClaimAsync(connection, transaction, operation, DistrictIds.New(grid), ct);
        if (claim.Outcome == ClaimOutcome.Fresh)
        {
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO key_person_visit (id, person_id, visited_at, outcome, notes, recorded_by)
                VALUES (@visit, @person, @at, @outcome, @notes, @by)
                """, connection, transaction);
            insert.Parameters.AddWithValue("visit", claim.ResultId);
            insert.Parameters.AddWithValue("person", personId);
            insert.Parameters.AddWithValue("at", visitedAt.ToUniversalTime());
            insert.Parameters.AddWithValue("outcome", outcome);
            insert.Parameters.AddWithValue("notes", notes);
            insert.Parameters.AddWithValue("by", operation.Caller);
            await insert.ExecuteNonQueryAsync(ct);
        }

        await using var select = new NpgsqlCommand("SELECT visited_at FROM key_person_visit WHERE id = @visit", connection, transaction);
        select.Parameters.AddWithValue("visit", claim.ResultId);
        var stored = (await select.ReadAllAsync(r => r.GetFieldValue<DateTimeOffset>(0), ct)).Single();
        await transaction.CommitAsync(ct);
        return (claim.Outcome, claim.ResultId, stored);
    }

    private static KeyPersonRecord ReadRecord(NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6));

    private static ForbiddenPlace ReadPlace(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1),
        reader.NullableDouble(2), reader.NullableDouble(3), reader.NullableDouble(4),
        reader.IsDBNull(5) ? null : JsonSerializer.Deserialize<double[][]>(reader.GetString(5)), reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7));
}

using Npgsql;
using OpsCentre.Database.Operations;

namespace OpsCentre.Grains.KeyPersons;

/// <summary>A travel leave (外出请假) as stored: a temporary allowed area and a return deadline.</summary>
public sealed record TravelLeave(
    string Id,
    string PersonId,
    string AreaCode,
    string Reason,
    DateTimeOffset LeaveFrom,
    DateTimeOffset ReturnBy,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    string State,
    string? AnsweredBy,
    DateTimeOffset? AnsweredAt,
    string? AnswerNote,
    string? ReturnedBy,
    DateTimeOffset? ReturnedAt);

/// <summary>How a write on a travel leave went.</summary>
public enum TravelLeaveOutcome
{
    Done,

    /// <summary>No such person or leave.</summary>
    NotFound,

    /// <summary>The person has a leave requested or running already, or the leave is not in the state the write needs.</summary>
    Conflict,

    /// <summary>The area is no unit above a grid (a district, street or community), or the times are not in order.</summary>
    Invalid,

    OpIdReused,
}

/// <summary>
/// Travel leaves in PostgreSQL (<c>key_person_travel_leave</c>, migration 0030). The caller then tells the person's grain
/// (<see cref="IKeyPersonGrain.Reload"/>): while a leave is approved and not returned, the grain adds its area to the allowed
/// one from <c>leaveFrom</c> until <c>returnBy</c> and offers <c>returnBy</c> to the rules as the deadline <c>travelReturn</c>.
/// </summary>
public sealed class TravelLeaves(NpgsqlDataSource db)
{
    private const string Columns = "id, person_id, area_code, reason, leave_from, return_by, requested_by, requested_at, state, answered_by, answered_at, answer_note, returned_by, returned_at";

    /// <summary>Asks for a leave to <paramref name="areaCode"/> (a district, street or community) between the two times; once per op id.</summary>
    public async Task<(TravelLeaveOutcome Outcome, TravelLeave? Leave)> RequestAsync(
        Operation operation, string personId, string areaCode, string reason, DateTimeOffset leaveFrom, DateTimeOffset returnBy, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (await KeyPersonRecords.GridOfAsync(connection, transaction, personId, ct) is not { } grid)
        {
            return (TravelLeaveOutcome.NotFound, null);
        }

        await using (var check = new NpgsqlCommand("SELECT count(*) FROM unit_map WHERE code = @code AND length(code) BETWEEN 6 AND 12", connection, transaction))
        {
            check.Parameters.AddWithValue("code", areaCode);
            if ((long)(await check.ExecuteScalarAsync(ct))! == 0 || returnBy <= leaveFrom || returnBy <= now)
            {
                return (TravelLeaveOutcome.Invalid, null);
            }
        }

        var claim = await OperationLedger.ClaimAsync(connection, transaction, operation, DistrictIds.New(grid), ct);
        if (claim.Outcome == ClaimOutcome.Reused)
        {
            return (TravelLeaveOutcome.OpIdReused, null);
        }

        if (claim.Outcome == ClaimOutcome.Replay)
        {
            return (TravelLeaveOutcome.Done, await FindAsync(connection, transaction, claim.ResultId, ct));
        }

        await using var insert = new NpgsqlCommand(
            $"""
            INSERT INTO key_person_travel_leave (id, person_id, area_code, reason, leave_from, return_by, requested_by, requested_at)
            VALUES (@id, @person, @area, @reason, @from, @by_time, @by, @now)
            ON CONFLICT (person_id) WHERE state IN ('requested', 'approved') DO NOTHING
            RETURNING {Columns}
            """, connection, transaction);
        insert.Parameters.AddWithValue("id", claim.ResultId);
        insert.Parameters.AddWithValue("person", personId);
        insert.Parameters.AddWithValue("area", areaCode);
        insert.Parameters.AddWithValue("reason", reason);
        insert.Parameters.AddWithValue("from", leaveFrom.ToUniversalTime());
        insert.Parameters.AddWithValue("by_time", returnBy.ToUniversalTime());
        insert.Parameters.AddWithValue("by", operation.Caller);
        insert.Parameters.AddWithValue("now", now.ToUniversalTime());
        var stored = await ReadOneAsync(insert, ct);
        if (stored is null)
        {
            return (TravelLeaveOutcome.Conflict, null);
        }

        await transaction.CommitAsync(ct);
        return (TravelLeaveOutcome.Done, stored);
    }

    /// <summary>Approves or refuses a requested leave (once).</summary>
    public Task<(TravelLeaveOutcome Outcome, TravelLeave? Leave)> AnswerAsync(string id, bool approve, string by, string? note, DateTimeOffset now, CancellationToken ct = default) =>
        TransitionAsync(id, "requested", approve ? "approved" : "refused",
            "answered_by = @by, answered_at = @now, answer_note = @note", by, note, now, ct);

    /// <summary>Records that the person is back (ends an approved leave).</summary>
    public Task<(TravelLeaveOutcome Outcome, TravelLeave? Leave)> ReturnedAsync(string id, string by, DateTimeOffset now, CancellationToken ct = default) =>
        TransitionAsync(id, "approved", "returned", "returned_by = @by, returned_at = @now", by, null, now, ct);

    private async Task<(TravelLeaveOutcome Outcome, TravelLeave? Leave)> TransitionAsync(
        string id, string from, string to, string set, string by, string? note, DateTimeOffset now, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var update = new NpgsqlCommand(
            $"UPDATE key_person_travel_leave SET state = @to, {set} WHERE id = @id AND state = @from RETURNING {Columns}", connection);
        update.Parameters.AddWithValue("to", to);
        update.Parameters.AddWithValue("from", from);
        update.Parameters.AddWithValue("by", by);
        update.Parameters.AddWithValue("now", now.ToUniversalTime());
        update.Parameters.AddWithValue("note", (object?)note ?? DBNull.Value);
        update.Parameters.AddWithValue("id", id);
        if (await ReadOneAsync(update, ct) is { } changed)
        {
            return (TravelLeaveOutcome.Done, changed);
        }

        return (await FindAsync(connection, null, id, ct) is null ? TravelLeaveOutcome.NotFound : TravelLeaveOutcome.Conflict, null);
    }

    /// <summary>One leave; null for an unknown id.</summary>
    public async Task<TravelLeave?> FindAsync(string id, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await FindAsync(connection, null, id, ct);
    }

    /// <summary>A person's leaves, newest first.</summary>
    public async Task<List<TravelLeave>> OfPersonAsync(string personId, int take, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand($"SELECT {Columns} FROM key_person_travel_leave WHERE person_id = @person ORDER BY requested_at DESC, id DESC LIMIT @take");
        command.Parameters.AddWithValue("person", personId);
        command.Parameters.AddWithValue("take", take);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var leaves = new List<TravelLeave>();
        while (await reader.ReadAsync(ct))
        {
            leaves.Add(Read(reader));
        }

        return leaves;
    }

    private static async Task<TravelLeave?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM key_person_travel_leave WHERE id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        return await ReadOneAsync(command, ct);
    }

    private static async Task<TravelLeave?> ReadOneAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    private static TravelLeave Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4), r.GetFieldValue<DateTimeOffset>(5),
        r.GetString(6), r.GetFieldValue<DateTimeOffset>(7), r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9),
        r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10), r.IsDBNull(11) ? null : r.GetString(11),
        r.IsDBNull(12) ? null : r.GetString(12), r.IsDBNull(13) ? null : r.GetFieldValue<DateTimeOffset>(13));
}

using Npgsql;
using OpsCentre.Database.Operations;

namespace OpsCentre.Grains.KeyPersons;

/// <summary>A cross-district supervision hand-over request (异地协作监管) as stored.</summary>
public sealed record HandOver(
    string Id,
    string PersonId,
    string FromGrid,
    string ToGrid,
    string Reason,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    DateTimeOffset RespondBy,
    string State,
    string? AnsweredBy,
    DateTimeOffset? AnsweredAt,
    string? AnswerNote);

public enum HandOverOutcome
{
    /// <summary>Stored (a request) or answered.</summary>
    Done,

    /// <summary>No such person, or no such request.</summary>
    NotFound,

    /// <summary>The person already has an open request, or the request was answered before.</summary>
    Conflict,

    /// <summary>The receiving grid is in the person's own district, or is not a grid.</summary>
    Invalid,

    /// <summary>The op id was used before for another request.</summary>
    OpIdReused,
}

/// <summary>
/// Hand-over requests in PostgreSQL (<c>key_person_hand_over</c>, migration 0027). Accepting one moves the person's grid
/// in the same transaction; the person's visits, check-ins and forbidden places are keyed by the person and so move with
/// them. The caller then tells the person's grain (<see cref="IKeyPersonGrain.Reassign"/> or <see cref="IKeyPersonGrain.Reload"/>),
/// which offers an open request's answer deadline to the rules as <c>handOver</c>.
/// </summary>
public sealed class HandOvers(NpgsqlDataSource db)
{
    private const string Columns = "id, person_id, from_grid, to_grid, reason, requested_by, requested_at, respond_by, state, answered_by, answered_at, answer_note";

    /// <summary>
    /// Asks <paramref name="toGrid"/>'s district to take the person over, to be answered within <paramref name="respondWithin"/>;
    /// once per op id of <paramref name="operation"/> (the same again answers the request as stored).
    /// </summary>
    public async Task<(HandOverOutcome Outcome, HandOver? HandOver)> RequestAsync(
        Operation operation, string personId, string toGrid, string reason, DateTimeOffset now, TimeSpan respondWithin, CancellationToken ct = default)
    {
        var by = operation.Caller;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var fromGrid = await KeyPersonRecords.GridOfAsync(connection, transaction, personId, ct);
        if (fromGrid is null)
        {
            return (HandOverOutcome.NotFound, null);
        }

        await using (var check = new NpgsqlCommand("SELECT count(*) FROM unit_map WHERE code = @grid AND length(code) = 15", connection, transaction))
        {
            check.Parameters.AddWithValue("grid", toGrid);
            if ((long)(await check.ExecuteScalarAsync(ct))! == 0 || toGrid[..6] == fromGrid[..6])
            {
                return (HandOverOutcome.Invalid, null);
            }
        }

        var claim = await OperationLedger.ClaimAsync(connection, transaction, operation, DistrictIds.New(fromGrid), ct);
        if (claim.Outcome == ClaimOutcome.Reused)
        {
            return (HandOverOutcome.OpIdReused, null);
        }

        if (claim.Outcome == ClaimOutcome.Replay)
        {
            return (HandOverOutcome.Done, await FindAsync(connection, transaction, claim.ResultId, ct));
        }

        await using var insert = new NpgsqlCommand(
            $"""
            INSERT INTO key_person_hand_over (id, person_id, from_grid, to_grid, reason, requested_by, requested_at, respond_by)
            VALUES (@id, @person, @from, @to, @reason, @by, @now, @due)
            ON CONFLICT (person_id) WHERE state = 'requested' DO NOTHING
            RETURNING {Columns}
            """, connection, transaction);
        insert.Parameters.AddWithValue("id", claim.ResultId);
        insert.Parameters.AddWithValue("person", personId);
        insert.Parameters.AddWithValue("from", fromGrid);
        insert.Parameters.AddWithValue("to", toGrid);
        insert.Parameters.AddWithValue("reason", reason);
        insert.Parameters.AddWithValue("by", by);
        insert.Parameters.AddWithValue("now", now.ToUniversalTime());
        insert.Parameters.AddWithValue("due", (now + respondWithin).ToUniversalTime());
        var stored = await ReadOneAsync(insert, ct);
        if (stored is null)
        {
            return (HandOverOutcome.Conflict, null);
        }

        await transaction.CommitAsync(ct);
        return (HandOverOutcome.Done, stored);
    }

    /// <summary>The receiving district's answer; on acceptance the person's grid becomes the request's receiving grid.</summary>
    public async Task<(HandOverOutcome Outcome, HandOver? HandOver)> AnswerAsync(
        string id, bool accept, string by, string? note, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var update = new NpgsqlCommand(
            $"""
            UPDATE key_person_hand_over SET state = @state, answered_by = @by, answered_at = @now, answer_note = @note
            WHERE id = @id AND state = 'requested'
            RETURNING {Columns}
            """, connection, transaction);
        update.Parameters.AddWithValue("state", accept ? "accepted" : "refused");
        update.Parameters.AddWithValue("by", by);
        update.Parameters.AddWithValue("now", now.ToUniversalTime());
        update.Parameters.AddWithValue("note", (object?)note ?? DBNull.Value);
        update.Parameters.AddWithValue("id", id);
        var answered = await ReadOneAsync(update, ct);
        if (answered is null)
        {
            return (await FindAsync(connection, transaction, id, ct) is null ? HandOverOutcome.NotFound : HandOverOutcome.Conflict, null);
        }

        if (accept)
        {
            await using var move = new NpgsqlCommand("UPDATE key_person SET grid_code = @grid WHERE id = @person", connection, transaction);
            move.Parameters.AddWithValue("grid", answered.ToGrid);
            move.Parameters.AddWithValue("person", answered.PersonId);
            await move.ExecuteNonQueryAsync(ct);

            // The responsible officer (社区矫正) was the requesting district's: the receiving district names its own.
            await using var release = new NpgsqlCommand("DELETE FROM key_person_officer WHERE person_id = @person", connection, transaction);
            release.Parameters.AddWithValue("person", answered.PersonId);
            await release.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return (HandOverOutcome.Done, answered);
    }

    /// <summary>The states a request passes through (<c>key_person_hand_over.state</c>).</summary>
    public static IReadOnlyList<string> States { get; } = ["requested", "accepted", "refused", "withdrawn"];

    /// <summary>
    /// Requests either side of which lies within <paramref name="unitPrefix"/> (the person's former grid or the receiving one),
    /// newest first by request time then id, after the (requestedAt, id) keyset; optionally one state, one person.
    /// </summary>
    public async Task<List<HandOver>> ListAsync(
        string unitPrefix, string? state, string? personId, (DateTimeOffset At, string Id)? after, int take, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT {Columns} FROM key_person_hand_over
            WHERE (starts_with(from_grid, @unit) OR starts_with(to_grid, @unit))
              AND (@state::text IS NULL OR state = @state) AND (@person::text IS NULL OR person_id = @person)
              AND (@after_at::timestamptz IS NULL OR (requested_at, id) < (@after_at, @after_id))
            ORDER BY requested_at DESC, id DESC LIMIT @take
            """, connection);
        command.Parameters.AddWithValue("unit", unitPrefix);
        command.Parameters.AddWithValue("state", (object?)state ?? DBNull.Value);
        command.Parameters.AddWithValue("person", (object?)personId ?? DBNull.Value);
        command.Parameters.AddWithValue("after_at", after is { } a ? a.At.ToUniversalTime() : DBNull.Value);
        command.Parameters.AddWithValue("after_id", after?.Id ?? "");
        command.Parameters.AddWithValue("take", take);
        var found = new List<HandOver>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found.Add(Read(reader));
        }

        return found;
    }

    /// <summary>
    /// The person's open request (state <c>requested</c>; at most one), in the transaction of an audited read: while it is open the
    /// receiving side reads the person's record too. Null when none is open.
    /// </summary>
    public static async Task<HandOver?> OpenOfPersonAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string personId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM key_person_hand_over WHERE person_id = @person AND state = 'requested' LIMIT 1", connection, transaction);
        command.Parameters.AddWithValue("person", personId);
        return await ReadOneAsync(command, ct);
    }

    /// <summary>One request; null for an unknown id.</summary>
    public async Task<HandOver?> FindAsync(string id, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await FindAsync(connection, null, id, ct);
    }

    private static async Task<HandOver?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM key_person_hand_over WHERE id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        return await ReadOneAsync(command, ct);
    }

    private static async Task<HandOver?> ReadOneAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        return Read(reader);
    }

    private static HandOver Read(NpgsqlDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
            reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7), reader.GetString(8),
            reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
            reader.IsDBNull(11) ? null : reader.GetString(11));
}

using Npgsql;
using OpsCentre.Database.Operations;

namespace OpsCentre.Grains.KeyPersons;

/// <summary>
/// A release notice (刑满释放人员衔接) as stored, with its first visit: the earliest visit that found the person after the
/// confirmation (null while none has).
/// </summary>
public sealed record ReleaseNotice(
    string Id,
    string PersonId,
    string CommunityCode,
    DateTimeOffset ReleasedAt,
    string Note,
    string NotifiedBy,
    DateTimeOffset NotifiedAt,
    DateTimeOffset ConfirmBy,
    string State,
    string? ConfirmedBy,
    DateTimeOffset? ConfirmedAt,
    DateTimeOffset? FirstVisitBy,
    DateTimeOffset? FirstVisitAt);

/// <summary>A confirmed notice whose first visit is still to be made: a task on the grid worker's phone.</summary>
public sealed record FirstVisitDue(string NoticeId, string PersonId, string Name, DateTimeOffset Due);

public enum ReleaseNoticeOutcome
{
    Done,

    /// <summary>No such person or notice.</summary>
    NotFound,

    /// <summary>Confirmed before.</summary>
    Conflict,

    /// <summary>The person's grid is not in the receiving community.</summary>
    Invalid,

    OpIdReused,
}

/// <summary>
/// Release notices in PostgreSQL (<c>release_notice</c>, migration 0031). The caller then tells the person's grain
/// (<see cref="IKeyPersonGrain.Reload"/>), which offers <c>confirmBy</c> as the deadline <c>releaseReceipt</c> while the notice
/// is unconfirmed, then <c>firstVisitBy</c> as <c>releaseFirstVisit</c> until a visit finds the person.
/// </summary>
public sealed class ReleaseNotices(NpgsqlDataSource db)
{
    private const string Columns =
        """
        r.id, r.person_id, r.community_code, r.released_at, r.note, r.notified_by, r.notified_at, r.confirm_by, r.state, r.confirmed_by, r.confirmed_at,
        r.first_visit_by,
        (SELECT min(v.visited_at) FROM key_person_visit v WHERE v.person_id = r.person_id AND v.outcome <> 'absent' AND v.visited_at >= r.confirmed_at)
        """;

    /// <summary>The key person with this ID number (身份证号), not ended; null when none is on the roster.</summary>
    public async Task<string?> PersonByIdNumberAsync(string idNumber, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand("SELECT id FROM key_person WHERE id_number = @number AND ended_at IS NULL ORDER BY id LIMIT 1");
        command.Parameters.AddWithValue("number", idNumber);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>
    /// Stores a notice that the person, released at <paramref name="releasedAt"/>, goes to <paramref name="communityCode"/>: to be
    /// confirmed within <paramref name="confirmWithin"/> and first visited within <paramref name="visitWithin"/> of the confirmation.
    /// Once per op id (the same again answers the notice as stored).
    /// </summary>
    public async Task<(ReleaseNoticeOutcome Outcome, ReleaseNotice? Notice)> NotifyAsync(
        Operation operation, string personId, string communityCode, DateTimeOffset releasedAt, string note, DateTimeOffset now,
        TimeSpan confirmWithin, TimeSpan visitWithin, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (await KeyPersonRecords.GridOfAsync(connection, transaction, personId, ct) is not { } grid)
        {
            return (ReleaseNoticeOutcome.NotFound, null);
        }

        if (communityCode.Length != 12 || !grid.StartsWith(communityCode, StringComparison.Ordinal))
        {
            return (ReleaseNoticeOutcome.Invalid, null);
        }

        var claim = await OperationLedger.ClaimAsync(connection, transaction, operation, DistrictIds.New(grid), ct);
        if (claim.Outcome == ClaimOutcome.Reused)
        {
            return (ReleaseNoticeOutcome.OpIdReused, null);
        }

        if (claim.Outcome == ClaimOutcome.Fresh)
        {
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO release_notice (id, person_id, community_code, released_at, note, notified_by, notified_at, confirm_by, visit_within)
                VALUES (@id, @person, @community, @released, @note, @by, @now, @confirm_by, @visit_within)
                """, connection, transaction);
            insert.Parameters.AddWithValue("id", claim.ResultId);
            insert.Parameters.AddWithValue("person", personId);
            insert.Parameters.AddWithValue("community", communityCode);
            insert.Parameters.AddWithValue("released", releasedAt.ToUniversalTime());
            insert.Parameters.AddWithValue("note", note);
            insert.Parameters.AddWithValue("by", operation.Caller);
            insert.Parameters.AddWithValue("now", now.ToUniversalTime());
            insert.Parameters.AddWithValue("confirm_by", (now + confirmWithin).ToUniversalTime());
            insert.Parameters.AddWithValue("visit_within", visitWithin);
            await insert.ExecuteNonQueryAsync(ct);
        }

        var stored = await FindAsync(connection, transaction, claim.ResultId, ct);
        await transaction.CommitAsync(ct);
        return (ReleaseNoticeOutcome.Done, stored);
    }

    /// <summary>The receiving community confirms receipt: the first visit is due within the notice's visit period from now.</summary>
    public async Task<(ReleaseNoticeOutcome Outcome, ReleaseNotice? Notice)> ConfirmAsync(string id, string by, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var update = new NpgsqlCommand(
            """
            UPDATE release_notice SET state = 'confirmed', confirmed_by = @by, confirmed_at = @now, first_visit_by = @now + visit_within
            WHERE id = @id AND state = 'notified'
            """, connection);
        update.Parameters.AddWithValue("by", by);
        update.Parameters.AddWithValue("now", now.ToUniversalTime());
        update.Parameters.AddWithValue("id", id);
        var changed = await update.ExecuteNonQueryAsync(ct) == 1;
        if (await FindAsync(connection, null, id, ct) is not { } notice)
        {
            return (ReleaseNoticeOutcome.NotFound, null);
        }

        return (changed ? ReleaseNoticeOutcome.Done : ReleaseNoticeOutcome.Conflict, notice);
    }

    /// <summary>One notice; null for an unknown id.</summary>
    public async Task<ReleaseNotice?> FindAsync(string id, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await FindAsync(connection, null, id, ct);
    }

    /// <summary>The notices of the communities within <paramref name="unitPrefix"/>, newest first, after a (notifiedAt, id) keyset.</summary>
    public async Task<List<ReleaseNotice>> ListAsync(string unitPrefix, string? state, (DateTimeOffset At, string Id)? after, int take, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            $"""
            SELECT {Columns} FROM release_notice r
            WHERE (starts_with(r.community_code, @prefix)
                   -- a unit below a community (a grid) sees the notices that concern its own persons
                   OR (length(@prefix) > 12 AND EXISTS (SELECT 1 FROM key_person k WHERE k.id = r.person_id AND starts_with(k.grid_code, @prefix))))
              AND (@state::text IS NULL OR r.state = @state)
              AND (@after_at::timestamptz IS NULL OR (r.notified_at, r.id) < (@after_at, @after_id))
            ORDER BY r.notified_at DESC, r.id DESC LIMIT @take
            """);
        command.Parameters.AddWithValue("prefix", unitPrefix);
        command.Parameters.AddWithValue("state", (object?)state ?? DBNull.Value);
        command.Parameters.AddWithValue("after_at", after is { } a ? a.At : (object)DBNull.Value);
        command.Parameters.AddWithValue("after_id", after?.Id ?? "");
        command.Parameters.AddWithValue("take", take);
        return await ReadAllAsync(command, ct);
    }

    /// <summary>Confirmed notices of the grid's persons whose first visit has not been made: the first-visit tasks of its workers.</summary>
    public static async Task<List<FirstVisitDue>> FirstVisitsDueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string grid, int take, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT r.id, k.id, k.name, r.first_visit_by
            FROM release_notice r JOIN key_person k ON k.id = r.person_id
            WHERE k.grid_code = @grid AND k.ended_at IS NULL AND r.state = 'confirmed'
              AND NOT EXISTS (SELECT 1 FROM key_person_visit v WHERE v.person_id = r.person_id AND v.outcome <> 'absent' AND v.visited_at >= r.confirmed_at)
            ORDER BY r.first_visit_by, r.id LIMIT @take
            """, connection, transaction);
        command.Parameters.AddWithValue("grid", grid);
        command.Parameters.AddWithValue("take", take);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var due = new List<FirstVisitDue>();
        while (await reader.ReadAsync(ct))
        {
            due.Add(new FirstVisitDue(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return due;
    }

    private static async Task<ReleaseNotice?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM release_notice r WHERE r.id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        return (await ReadAllAsync(command, ct)).FirstOrDefault();
    }

    private static async Task<List<ReleaseNotice>> ReadAllAsync(NpgsqlCommand command, CancellationToken ct)
    {
        await using var r = await command.ExecuteReaderAsync(ct);
        var notices = new List<ReleaseNotice>();
        while (await r.ReadAsync(ct))
        {
            notices.Add(new ReleaseNotice(
                r.GetString(0), r.GetString(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3), r.GetString(4), r.GetString(5),
                r.GetFieldValue<DateTimeOffset>(6), r.GetFieldValue<DateTimeOffset>(7), r.GetString(8), r.IsDBNull(9) ? null : r.GetString(9),
                r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10), r.IsDBNull(11) ? null : r.GetFieldValue<DateTimeOffset>(11),
                r.IsDBNull(12) ? null : r.GetFieldValue<DateTimeOffset>(12)));
        }

        return notices;
    }
}

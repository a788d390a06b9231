using Npgsql;
using OpsCentre.Database;

namespace OpsCentre.Gateway.Photos;

/// <summary>A stored photo of a case, without its bytes.</summary>
public sealed record CasePhoto(Guid Id, string CaseId, int Position, int Width, int Height, int Bytes, DateTimeOffset AddedAt);

/// <summary>
/// The attachment store of cases' photos (<c>case_photo</c>, migration 0025): PostgreSQL, only re-encoded JPEGs
/// (<see cref="PhotoEncoder"/>). Photos are added inside the transaction that records what they came with, so a report is
/// never acknowledged without its photos, nor photos kept without their report. Who may read them is the caller's
/// business: operators for a case they may see, the public for a resident's case.
/// </summary>
public sealed class CasePhotoStore(NpgsqlDataSource db)
{
    /// <summary>Adds photos to a case after the ones it has, in the caller's transaction (which holds the case's report row locked).</summary>
    public static async Task AddAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string caseId, IReadOnlyList<EncodedPhoto> photos,
        string addedBy, DateTimeOffset at, CancellationToken ct, string purpose = "report", string? opId = null)
    {
        if (photos.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(
            """
            INSERT INTO case_photo (id, case_id, purpose, position, content_type, width, height, content, added_by, added_at, op_id)
            SELECT p.id, @case, @purpose, coalesce((SELECT max(position) + 1 FROM case_photo WHERE case_id = @case), 0) + p.n - 1,
                   'image/jpeg', p.width, p.height, p.content, @by, @at, @op
            FROM unnest(@ids, @widths, @heights, @contents) WITH ORDINALITY AS p (id, width, height, content, n)
            """, connection, transaction);
        command.Parameters.AddWithValue("case", caseId);
        command.Parameters.AddWithValue("ids", photos.Select(_ => Guid.NewGuid()).ToArray());
        command.Parameters.AddWithValue("widths", photos.Select(p => p.Width).ToArray());
        command.Parameters.AddWithValue("heights", photos.Select(p => p.Height).ToArray());
        command.Parameters.AddWithValue("contents", photos.Select(p => p.Jpeg).ToArray());
        command.Parameters.AddWithValue("by", addedBy);
        command.Parameters.AddWithValue("at", at);
        command.Parameters.AddWithValue("purpose", purpose);
        command.Parameters.AddWithValue("op", (object?)opId ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Stores the photos an operator's action came with (反馈 with photos, purpose <c>feedback</c>) under the action's opId,
    /// once: the same opId sent again stores nothing more. Called before the action is taken, so an acknowledged action never
    /// lacks its photos; true when this call stored them (the caller removes them again if the action is then refused).
    /// </summary>
    public static async Task<bool> AddForActionAsync(NpgsqlConnection connection, string caseId, string opId, IReadOnlyList<EncodedPhoto> photos, string addedBy,
        DateTimeOffset at, CancellationToken ct)
    {
        if (photos.Count == 0)
        {
            return false;
        }

        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var check = new NpgsqlCommand(
            "SELECT pg_advisory_xact_lock(hashtext('case_photo:' || @case)), EXISTS (SELECT 1 FROM case_photo WHERE case_id = @case AND op_id = @op)",
            connection, transaction))
        {
            check.Parameters.AddWithValue("case", caseId);
            check.Parameters.AddWithValue("op", opId);
            await using var reader = await check.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (reader.GetBoolean(1))
            {
                return false;
            }
        }

        await AddAsync(connection, transaction, caseId, photos, addedBy, at, ct, purpose: "feedback", opId: opId);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>Removes the photos stored for an action that was then refused (its stage or duty did not allow it): nothing of it stays.</summary>
    public static async Task RemoveForActionAsync(NpgsqlConnection connection, string caseId, string opId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("DELETE FROM case_photo WHERE case_id = @case AND op_id = @op", connection);
        command.Parameters.AddWithValue("case", caseId);
        command.Parameters.AddWithValue("op", opId);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Adds the photos a report came with unless that reporter's photos of the case are stored already (a report sent again
    /// under its opId, e.g. a phone's queue replayed after a lost answer): one transaction, serialised per case.
    /// </summary>
    public static async Task AddOnceAsync(NpgsqlConnection connection, string caseId, IReadOnlyList<EncodedPhoto> photos, string addedBy, DateTimeOffset at,
        CancellationToken ct)
    {
        if (photos.Count == 0)
        {
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var check = new NpgsqlCommand(
            "SELECT pg_advisory_xact_lock(hashtext('case_photo:' || @case)), EXISTS (SELECT 1 FROM case_photo WHERE case_id = @case AND added_by = @by)",
            connection, transaction))
        {
            check.Parameters.AddWithValue("case", caseId);
            check.Parameters.AddWithValue("by", addedBy);
            await using var reader = await check.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (reader.GetBoolean(1))
            {
                return;
            }
        }

        await AddAsync(connection, transaction, caseId, photos, addedBy, at, ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>A case's photos in order, without their bytes.</summary>
    public async Task<List<CasePhoto>> ListAsync(string caseId, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            "SELECT id, case_id, position, width, height, octet_length(content), added_at FROM case_photo WHERE case_id = @case ORDER BY position");
        command.Parameters.AddWithValue("case", caseId);
        return await command.ReadAllAsync(r => new CasePhoto(r.GetGuid(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5),
            r.GetFieldValue<DateTimeOffset>(6)), ct);
    }

    /// <summary>The photos of many cases at once, in order (for a list of cases).</summary>
    public async Task<ILookup<string, CasePhoto>> ListAsync(IReadOnlyCollection<string> caseIds, CancellationToken ct)
    {
        if (caseIds.Count == 0)
        {
            return Array.Empty<CasePhoto>().ToLookup(p => p.CaseId);
        }

        await using var command = db.CreateCommand(
            "SELECT id, case_id, position, width, height, octet_length(content), added_at FROM case_photo WHERE case_id = ANY (@cases) ORDER BY case_id, position");
        command.Parameters.AddWithValue("cases", caseIds.ToArray());
        var rows = await command.ReadAllAsync(r => new CasePhoto(r.GetGuid(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5),
            r.GetFieldValue<DateTimeOffset>(6)), ct);
        return rows.ToLookup(p => p.CaseId);
    }

    /// <summary>A photo's JPEG bytes, when it is a photo of that case; null otherwise.</summary>
    public async Task<byte[]?> ContentAsync(string caseId, Guid photoId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("SELECT content FROM case_photo WHERE id = @id AND case_id = @case");
        command.Parameters.AddWithValue("id", photoId);
        command.Parameters.AddWithValue("case", caseId);
        return await command.ExecuteScalarAsync(ct) as byte[];
    }
}

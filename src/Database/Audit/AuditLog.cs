using Npgsql;

namespace OpsCentre.Database.Audit;

/// <summary>
/// One read of personal data: who (actor, role), what (action, subject), whether in clear, why (<paramref name="Purpose"/>,
/// one of <see cref="AccessPurposes"/>; null when the read named none) and the detail (the reader's unit, the fields).
/// </summary>
public sealed record AuditedAccess(string Actor, string Role, string Action, bool Unmasked, AccessPurpose? Purpose, string? Detail);

/// <summary>A row of the audit log as the auditor reads it; <c>Purpose</c> is the code, <c>PurposeLabel</c> its zh-CN name.</summary>
public sealed record AuditEntry(long Id, DateTimeOffset At, string Actor, string Role, string Action, string Subject, bool Unmasked,
    string? Purpose, string? PurposeLabel, string? Detail);

/// <summary>Narrows a listing of personal-data reads; a null member leaves that filter out.</summary>
public sealed record AuditFilter(AccessPurpose? Purpose, string? Actor, string? Subject, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>
/// The append-only audit log of personal-data reads (<c>audit_log</c>: key persons' records, workers' tracks; the application role may insert
/// and select, never update or delete). Rows are written in the transaction of the read itself, so no
/// answer leaves without its row.
/// </summary>
public sealed class AuditLog(NpgsqlDataSource db)
{
    /// <summary>The action of a wall screen's subscription that receives key persons' events; its subject is the unit watched.</summary>
    public const string KeyPersonWatch = "key-person.watch";

    /// <summary>
    /// Writes one row per subject of <paramref name="access"/>, inside the read's transaction. Each subject
    /// comes with the unit the read concerned: the person's grid, or the reader's own unit for an unknown id.
    /// </summary>
    public static async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditedAccess access,
        IReadOnlyCollection<(string Subject, string UnitCode)> subjects, CancellationToken cancellationToken)
    {
        if (subjects.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(
            """
            INSERT INTO audit_log (actor, role, action, subject, unit_code, unmasked, purpose, detail)
            SELECT @actor, @role, @action, subject, unit_code, @unmasked, @purpose, @detail FROM unnest(@subjects, @units) AS s (subject, unit_code)
            """, connection, transaction);
        command.Parameters.AddWithValue("actor", access.Actor);
        command.Parameters.AddWithValue("role", access.Role);
        command.Parameters.AddWithValue("action", access.Action);
        command.Parameters.AddWithValue("unmasked", access.Unmasked);
        command.Parameters.AddWithValue("purpose", (object?)access.Purpose?.Code ?? DBNull.Value);
        command.Parameters.AddWithValue("detail", (object?)access.Detail ?? DBNull.Value);
        command.Parameters.AddWithValue("subjects", subjects.Select(s => s.Subject).ToArray());
        command.Parameters.AddWithValue("units", subjects.Select(s => s.UnitCode).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Writes one row in a transaction of its own: an access that reads no rows, such as a wall screen's subscription to a
    /// unit's key-person events (its subject and unit: the unit watched).
    /// </summary>
    public async Task RecordAsync(AuditedAccess access, string unitWatched, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await RecordAsync(connection, transaction, access, [(unitWatched, unitWatched)], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Writes one row in a transaction of its own about <paramref name="subject"/>, which concerns <paramref name="unitCode"/> (a machine client's call).</summary>
    public async Task RecordAsync(AuditedAccess access, string subject, string unitCode, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await RecordAsync(connection, transaction, access, [(subject, unitCode)], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Reads of personal data concerning a unit — key persons' records, workers' tracks, denied probes of unknown ids —
    /// and subscriptions to key persons' events (<see cref="KeyPersonWatch"/>) that cover any of it, newest first,
    /// before the row id <paramref name="before"/>; only those that named <paramref name="purpose"/> when it is given.
    /// </summary>
    public Task<List<AuditEntry>> PersonalDataReadsAsync(string unitPrefix, AccessPurpose? purpose, long before, int take, CancellationToken cancellationToken) =>
        PersonalDataReadsAsync(unitPrefix, new AuditFilter(purpose, null, null, null, null), before, take, cancellationToken);

    /// <summary>As above, narrowed by <paramref name="filter"/>: purpose, actor, subject (the person read), and the period [from, to).</summary>
    public async Task<List<AuditEntry>> PersonalDataReadsAsync(string unitPrefix, AuditFilter filter, long before, int take, CancellationToken cancellationToken)
    {
        var purpose = filter.Purpose;
        await using var command = db.CreateCommand(
            """
            SELECT a.id, a.at, a.actor, a.role, a.action, a.subject, a.unmasked, a.purpose, a.detail
            FROM audit_log a
            WHERE (a.unit_code LIKE @prefix OR (a.action = @watch AND @unit LIKE a.unit_code || '%'))
              AND (@purpose IS NULL OR a.purpose = @purpose)
              AND (@actor IS NULL OR a.actor = @actor)
              AND (@subject IS NULL OR a.subject = @subject)
              AND (@from IS NULL OR a.at >= @from)
              AND (@to IS NULL OR a.at < @to)
              AND a.id < @before
            ORDER BY a.id DESC LIMIT @take
            """);
        command.Parameters.AddWithValue("prefix", unitPrefix + "%");
        command.Parameters.AddWithValue("unit", unitPrefix);
        command.Parameters.AddWithValue("watch", KeyPersonWatch);
        command.Parameters.Add("purpose", NpgsqlTypes.NpgsqlDbType.Text).Value = (object?)purpose?.Code ?? DBNull.Value;
        command.Parameters.Add("actor", NpgsqlTypes.NpgsqlDbType.Text).Value = (object?)filter.Actor ?? DBNull.Value;
        command.Parameters.Add("subject", NpgsqlTypes.NpgsqlDbType.Text).Value = (object?)filter.Subject ?? DBNull.Value;
        command.Parameters.Add("from", NpgsqlTypes.NpgsqlDbType.TimestampTz).Value = (object?)filter.From?.ToUniversalTime() ?? DBNull.Value;
        command.Parameters.Add("to", NpgsqlTypes.NpgsqlDbType.TimestampTz).Value = (object?)filter.To?.ToUniversalTime() ?? DBNull.Value;
        command.Parameters.AddWithValue("before", before);
        command.Parameters.AddWithValue("take", take);
        return await command.ReadAllAsync(r =>
        {
            var code = r.NullableString(7);
            return new AuditEntry(r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetString(3),
                r.GetString(4), r.GetString(5), r.GetBoolean(6), code, AccessPurposes.Find(code)?.Label, r.NullableString(8));
        }, cancellationToken);
    }
}

using Npgsql;
using NpgsqlTypes;
using OpsCentre.Database;
using OpsCentre.Database.Operations;

namespace OpsCentre.Grains.Mediation;

/// <summary>The outcomes a joint mediation closes with: an agreement reached (调解成功), or failed and referred elsewhere (调解不成 → 移交).</summary>
public static class MediationOutcomes
{
    public const string Agreement = "agreement";
    public const string Referred = "referred";

    public static IReadOnlyList<string> All { get; } = [Agreement, Referred];
}

/// <summary>One participating department of a mediation and its part: what it does, and its record once it has done it.</summary>
public sealed record MediationPart(string DepartmentCode, string Part, string? RecordedBy, DateTimeOffset? RecordedAt, string? Record);

/// <summary>A session of a mediation (调解会), numbered from 1.</summary>
public sealed record MediationSession(int N, DateTimeOffset ScheduledAt, string Place, string ScheduledBy);

/// <summary>
/// A joint mediation case (三所联调 / 大调解): a dispute in a unit, possibly from a case of the closed loop, worked by
/// several departments each with its part by <c>PartsDueAt</c>, in sessions; closed with an outcome once every part is recorded.
/// </summary>
public sealed record MediationCase(
    string Id, string UnitCode, string? IncidentId, string Title, string Description, string OpenedBy, DateTimeOffset OpenedAt,
    DateTimeOffset PartsDueAt, string State, string? Outcome, string? ReferredTo, string? OutcomeNote, string? ClosedBy, DateTimeOffset? ClosedAt,
    IReadOnlyList<MediationPart> Parts, IReadOnlyList<MediationSession> Sessions)
{
    /// <summary>The departments whose part is not recorded yet.</summary>
    public IReadOnlyList<string> Missing => [.. Parts.Where(p => p.RecordedAt is null).Select(p => p.DepartmentCode)];
}

/// <summary>What opening a mediation needs: where, from which case, what, which departments with which part, the parts' deadline.</summary>
public sealed record MediationOpening(string UnitCode, string? IncidentId, string Title, string Description, IReadOnlyList<(string Department, string Part)> Parts, DateTimeOffset PartsDueAt);

/// <summary>A department's figures over the mediations it took part in (opened in the period).</summary>
public sealed record MediationDepartmentKpi(
    string DepartmentCode, string Name, long Cases, long PartsRecorded, long PartsOnTime, long PartsOverdue, long Agreements, long Referred, double? OnTimeRate);

public enum MediationOutcome
{
    Done,
    NotFound,

    /// <summary>The case is closed, or (closing) a department has not recorded its part: <c>Missing</c> names them.</summary>
    Conflict,

    /// <summary>A department named is not an enabled department of the case's district.</summary>
    InvalidDepartment,
    OpIdReused,
}

public sealed record MediationResult(MediationOutcome Outcome, MediationCase? Case, IReadOnlyList<string>? Missing = null);

/// <summary>
/// Joint mediations in PostgreSQL (<c>mediation_case</c>, <c>mediation_part</c>, <c>mediation_session</c>, migration 0034).
/// Every write claims its operation id in the operation ledger in its own transaction (a retry answers the case as it is
/// now, another body under the same id is refused) and locks the case row, so a part recorded while the case is being
/// closed is either seen by the close or refused after it.
/// </summary>
public sealed class MediationCases(NpgsqlDataSource db)
{
    private const string Columns =
        "id, unit_code, incident_id, title, description, opened_by, opened_at, parts_due_at, state, outcome, referred_to, outcome_note, closed_by, closed_at";

    public async Task<MediationResult> OpenAsync(Operation operation, MediationOpening opening, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var codes = opening.Parts.Select(p => p.Department).Distinct().ToArray();
        await using (var check = new NpgsqlCommand(
            "SELECT count(*) FROM department WHERE code = ANY(@codes) AND district_code = @district AND NOT disabled", connection, transaction))
        {
            check.Parameters.AddWithValue("codes", codes);
            check.Parameters.AddWithValue("district", opening.UnitCode[..6]);
            if ((long)(await check.ExecuteScalarAsync(ct))! != codes.Length || codes.Length != opening.Parts.Count)
            {
                return new(MediationOutcome.InvalidDepartment, null);
            }
        }

        var claim = await OperationLedger.ClaimAsync(connection, transaction, operation, DistrictIds.New(opening.UnitCode), ct);
        if (claim.Outcome == ClaimOutcome.Reused)
        {
            return new(MediationOutcome.OpIdReused, null);
        }

        if (claim.Outcome == ClaimOutcome.Fresh)
        {
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO mediation_case (id, unit_code, incident_id, title, description, opened_by, opened_at, parts_due_at)
                VALUES (@id, @unit, @incident, @title, @description, @by, @now, @due)
                """, connection, transaction);
            insert.Parameters.AddWithValue("id", claim.ResultId);
            insert.Parameters.AddWithValue("unit", opening.UnitCode);
            insert.Parameters.AddWithValue("incident", NpgsqlDbType.Text, (object?)opening.IncidentId ?? DBNull.Value);
            insert.Parameters.AddWithValue("title", opening.Title);
            insert.Parameters.AddWithValue("description", opening.Description);
            insert.Parameters.AddWithValue("by", operation.Caller);
            insert.Parameters.AddWithValue("now", now.ToUniversalTime());
            insert.Parameters.AddWithValue("due", opening.PartsDueAt.ToUniversalTime());
            await insert.ExecuteNonQueryAsync(ct);
            foreach (var (department, part) in opening.Parts)
            {
                await using var add = new NpgsqlCommand("INSERT INTO mediation_part (case_id, department_code, part) VALUES (@id, @department, @part)", connection, transaction);
                add.Parameters.AddWithValue("id", claim.ResultId);
                add.Parameters.AddWithValue("department", department);
                add.Parameters.AddWithValue("part", part);
                await add.ExecuteNonQueryAsync(ct);
            }
        }

        var stored = await ReadAsync(connection, transaction, claim.ResultId, forUpdate: false, ct);
        await transaction.CommitAsync(ct);
        return new(MediationOutcome.Done, stored);
    }

    /// <summary>Schedules the next session.</summary>
    public Task<MediationResult> ScheduleAsync(Operation operation, string id, DateTimeOffset at, string place, CancellationToken ct = default) =>
        ChangeAsync(operation, id, ct, async (connection, transaction, current) =>
        {
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO mediation_session (case_id, n, scheduled_at, place, scheduled_by)
                VALUES (@id, (SELECT coalesce(max(n), 0) + 1 FROM mediation_session WHERE case_id = @id), @at, @place, @by)
                """, connection, transaction);
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("at", at.ToUniversalTime());
            insert.Parameters.AddWithValue("place", place);
            insert.Parameters.AddWithValue("by", operation.Caller);
            await insert.ExecuteNonQueryAsync(ct);
            return null;
        });

    /// <summary>A participating department records its part (a second record replaces the first while the case is open).</summary>
    public Task<MediationResult> RecordPartAsync(Operation operation, string id, string department, string record, DateTimeOffset now, CancellationToken ct = default) =>
        ChangeAsync(operation, id, ct, async (connection, transaction, current) =>
        {
            if (current.Parts.All(p => p.DepartmentCode != department))
            {
                return new(MediationOutcome.InvalidDepartment, current);
            }

            await using var update = new NpgsqlCommand(
                "UPDATE mediation_part SET recorded_by = @by, recorded_at = @now, record = @record WHERE case_id = @id AND department_code = @department",
                connection, transaction);
            update.Parameters.AddWithValue("id", id);
            update.Parameters.AddWithValue("department", department);
            update.Parameters.AddWithValue("by", operation.Caller);
            update.Parameters.AddWithValue("now", now.ToUniversalTime());
            update.Parameters.AddWithValue("record", record);
            await update.ExecuteNonQueryAsync(ct);
            return null;
        });

    /// <summary>Closes the case with its outcome — refused (Conflict, with the departments missing) while any part is not recorded.</summary>
    public Task<MediationResult> CloseAsync(
        Operation operation, string id, string outcome, string? referredTo, string? note, DateTimeOffset now, CancellationToken ct = default) =>
        ChangeAsync(operation, id, ct, async (connection, transaction, current) =>
        {
            if (current.Missing.Count > 0)
            {
                return new(MediationOutcome.Conflict, current, current.Missing);
            }

            await using var update = new NpgsqlCommand(
                """
                UPDATE mediation_case SET state = 'closed', outcome = @outcome, referred_to = @referred, outcome_note = @note, closed_by = @by, closed_at = @now
                WHERE id = @id
                """, connection, transaction);
            update.Parameters.AddWithValue("id", id);
            update.Parameters.AddWithValue("outcome", outcome);
            update.Parameters.AddWithValue("referred", NpgsqlDbType.Text, (object?)referredTo ?? DBNull.Value);
            update.Parameters.AddWithValue("note", NpgsqlDbType.Text, (object?)note ?? DBNull.Value);
            update.Parameters.AddWithValue("by", operation.Caller);
            update.Parameters.AddWithValue("now", now.ToUniversalTime());
            await update.ExecuteNonQueryAsync(ct);
            return null;
        });

    /// <summary>
    /// One change of an open case under its operation id: the case locked, the claim made; a replay answers the case as it is; the
    /// step returns null to commit, or a result to answer without committing (nothing is stored, the claim neither).
    /// </summary>
    private async Task<MediationResult> ChangeAsync(
        Operation operation, string id, CancellationToken ct, Func<NpgsqlConnection, NpgsqlTransaction, MediationCase, Task<MediationResult?>> step)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (await ReadAsync(connection, transaction, id, forUpdate: true, ct) is not { } current)
        {
            return new(MediationOutcome.NotFound, null);
        }

        var claim = await OperationLedger.ClaimAsync(connection, transaction, operation, id, ct);
        if (claim.Outcome == ClaimOutcome.Reused)
        {
            return new(MediationOutcome.OpIdReused, null);
        }

        if (claim.Outcome == ClaimOutcome.Replay)
        {
            return new(MediationOutcome.Done, current);
        }

        if (current.State != "open")
        {
            return new(MediationOutcome.Conflict, current);
        }

        if (await step(connection, transaction, current) is { } refused)
        {
            return refused;
        }

        var changed = await ReadAsync(connection, transaction, id, forUpdate: false, ct);
        await transaction.CommitAsync(ct);
        return new(MediationOutcome.Done, changed);
    }

    public async Task<MediationCase?> FindAsync(string id, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await ReadAsync(connection, null, id, forUpdate: false, ct);
    }

    /// <summary>
    /// The cases within <paramref name="unitPrefix"/> (or, for department staff, those their department takes part in within the
    /// district), newest first before <paramref name="after"/>, optionally by state.
    /// </summary>
    public async Task<List<MediationCase>> ListAsync(string unitPrefix, string? department, string? state, string? after, int take, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT id FROM mediation_case c
            WHERE unit_code LIKE @prefix || '%' AND (@state::text IS NULL OR state = @state) AND (@after::text IS NULL OR id < @after)
              AND (@department::text IS NULL OR EXISTS (SELECT 1 FROM mediation_part p WHERE p.case_id = c.id AND p.department_code = @department))
            ORDER BY id DESC LIMIT @take
            """, connection);
        command.Parameters.AddWithValue("prefix", unitPrefix);
        command.Parameters.AddWithValue("state", NpgsqlDbType.Text, (object?)state ?? DBNull.Value);
        command.Parameters.AddWithValue("after", NpgsqlDbType.Text, (object?)after ?? DBNull.Value);
        command.Parameters.AddWithValue("department", NpgsqlDbType.Text, (object?)department ?? DBNull.Value);
        command.Parameters.AddWithValue("take", take);
        var ids = await command.ReadAllAsync(r => r.GetString(0), ct);
        var cases = new List<MediationCase>();
        foreach (var id in ids)
        {
            cases.Add((await ReadAsync(connection, null, id, forUpdate: false, ct))!);
        }

        return cases;
    }

    /// <summary>
    /// Per participating department, over the mediations within <paramref name="unitPrefix"/> opened in <c>[from, to)</c>: the cases it
    /// took part in, its parts recorded, recorded by the parts' deadline, still missing past it (at <paramref name="now"/>), and the
    /// outcomes of the closed ones. <c>OnTimeRate</c> = parts recorded on time / parts due by now or recorded (null when none).
    /// </summary>
    public async Task<List<MediationDepartmentKpi>> KpisAsync(string unitPrefix, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            """
            SELECT p.department_code, d.name, count(*),
                   count(*) FILTER (WHERE p.recorded_at IS NOT NULL),
                   count(*) FILTER (WHERE p.recorded_at <= c.parts_due_at),
                   count(*) FILTER (WHERE p.recorded_at IS NULL AND c.parts_due_at < @now),
                   count(*) FILTER (WHERE c.outcome = 'agreement'),
                   count(*) FILTER (WHERE c.outcome = 'referred'),
                   count(*) FILTER (WHERE p.recorded_at IS NOT NULL OR c.parts_due_at < @now)
            FROM mediation_part p JOIN mediation_case c ON c.id = p.case_id JOIN department d ON d.code = p.department_code
            WHERE c.unit_code LIKE @prefix || '%' AND c.opened_at >= @from AND c.opened_at < @to
            GROUP BY 1, 2 ORDER BY 1
            """);
        command.Parameters.AddWithValue("prefix", unitPrefix);
        command.Parameters.AddWithValue("from", from.ToUniversalTime());
        command.Parameters.AddWithValue("to", to.ToUniversalTime());
        command.Parameters.AddWithValue("now", now.ToUniversalTime());
        return await command.ReadAllAsync(r =>
        {
            var due = r.GetInt64(8);
            return new MediationDepartmentKpi(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7),
                due == 0 ? null : Math.Round((double)r.GetInt64(4) / due, 4));
        }, ct);
    }

    private static async Task<MediationCase?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string id, bool forUpdate, CancellationToken ct)
    {
        MediationCase? found;
        await using (var command = new NpgsqlCommand($"SELECT {Columns} FROM mediation_case WHERE id = @id" + (forUpdate ? " FOR UPDATE" : ""), connection, transaction))
        {
            command.Parameters.AddWithValue("id", id);
            found = (await command.ReadAllAsync(r => new MediationCase(
                r.GetString(0), r.GetString(1), r.NullableString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetFieldValue<DateTimeOffset>(6),
                r.GetFieldValue<DateTimeOffset>(7), r.GetString(8), r.NullableString(9), r.NullableString(10), r.NullableString(11), r.NullableString(12),
                r.NullableTime(13), [], []), ct)).SingleOrDefault();
        }

        if (found is null)
        {
            return null;
        }

        await using var parts = new NpgsqlCommand(
            "SELECT department_code, part, recorded_by, recorded_at, record FROM mediation_part WHERE case_id = @id ORDER BY department_code", connection, transaction);
        parts.Parameters.AddWithValue("id", id);
        var partRows = await parts.ReadAllAsync(r => new MediationPart(r.GetString(0), r.GetString(1), r.NullableString(2), r.NullableTime(3), r.NullableString(4)), ct);
        await using var sessions = new NpgsqlCommand(
            "SELECT n, scheduled_at, place, scheduled_by FROM mediation_session WHERE case_id = @id ORDER BY n", connection, transaction);
        sessions.Parameters.AddWithValue("id", id);
        var sessionRows = await sessions.ReadAllAsync(r => new MediationSession(r.GetInt32(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), r.GetString(3)), ct);
        return found with { Parts = partRows, Sessions = sessionRows };
    }
}

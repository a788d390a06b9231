using Npgsql;

namespace OpsCentre.Grains.KeyPersons;

/// <summary>A person's responsible officer (社区矫正) as assigned.</summary>
public sealed record OfficerAssignment(string PersonId, string Officer, string AssignedBy, DateTimeOffset AssignedAt);

/// <summary>One corrections officer and the number of persons they are responsible for.</summary>
public sealed record OfficerCaseload(string Username, string DisplayName, string UnitCode, int Caseload);

public enum OfficerOutcome
{
    Done,

    /// <summary>No such person.</summary>
    NotFound,

    /// <summary>The officer is no enabled corrections account whose unit holds the person's grid.</summary>
    Invalid,
}

/// <summary>
/// Responsible officers (<c>key_person_officer</c>, migration 0030): each supervised person's named corrections officer,
/// whose scope must hold the person. The caller then tells the person's grain (<see cref="IKeyPersonGrain.Reload"/>), which
/// puts the officer on every alert it opens from then on (<c>assignee</c>). An accepted hand-over (异地协作监管) ends the
/// assignment: the receiving district names its own officer.
/// </summary>
public sealed class CorrectionsOfficers(NpgsqlDataSource db)
{
    /// <summary>Names <paramref name="officer"/> responsible for the person (replacing any earlier officer).</summary>
    public async Task<(OfficerOutcome Outcome, OfficerAssignment? Assignment)> AssignAsync(string personId, string officer, string by, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (await KeyPersonRecords.GridOfAsync(connection, transaction, personId, ct) is not { } grid)
        {
            return (OfficerOutcome.NotFound, null);
        }

        await using (var check = new NpgsqlCommand(
            "SELECT count(*) FROM operator_account WHERE username = @officer AND role = 'corrections' AND NOT disabled AND starts_with(@grid, unit_code)",
            connection, transaction))
        {
            check.Parameters.AddWithValue("officer", officer);
            check.Parameters.AddWithValue("grid", grid);
            if ((long)(await check.ExecuteScalarAsync(ct))! == 0)
            {
                return (OfficerOutcome.Invalid, null);
            }
        }

        await using var upsert = new NpgsqlCommand(
            """
            INSERT INTO key_person_officer (person_id, officer, assigned_by, assigned_at) VALUES (@person, @officer, @by, @now)
            ON CONFLICT (person_id) DO UPDATE SET officer = EXCLUDED.officer, assigned_by = EXCLUDED.assigned_by, assigned_at = EXCLUDED.assigned_at
            RETURNING person_id, officer, assigned_by, assigned_at
            """, connection, transaction);
        upsert.Parameters.AddWithValue("person", personId);
        upsert.Parameters.AddWithValue("officer", officer);
        upsert.Parameters.AddWithValue("by", by);
        upsert.Parameters.AddWithValue("now", now.ToUniversalTime());
        OfficerAssignment assignment;
        await using (var reader = await upsert.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            assignment = new OfficerAssignment(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3));
        }

        await transaction.CommitAsync(ct);
        return (OfficerOutcome.Done, assignment);
    }

    /// <summary>The person's officer; null when none is named.</summary>
    public async Task<OfficerAssignment?> OfPersonAsync(string personId, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand("SELECT person_id, officer, assigned_by, assigned_at FROM key_person_officer WHERE person_id = @person");
        command.Parameters.AddWithValue("person", personId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new OfficerAssignment(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)) : null;
    }

    /// <summary>
    /// The corrections officers whose unit lies within <paramref name="unitPrefix"/>, each with the number of persons (not ended)
    /// they are responsible for, most loaded first; and how many persons of the unit have no officer.
    /// </summary>
    public async Task<(List<OfficerCaseload> Officers, int Unassigned)> CaseloadsAsync(string unitPrefix, CancellationToken ct = default)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            SELECT a.username, a.display_name, a.unit_code, count(k.id)::int
            FROM operator_account a
            LEFT JOIN key_person_officer o ON o.officer = a.username
            LEFT JOIN key_person k ON k.id = o.person_id AND k.ended_at IS NULL
            WHERE a.role = 'corrections' AND NOT a.disabled AND starts_with(a.unit_code, $1)
            GROUP BY a.username, a.display_name, a.unit_code
            ORDER BY count(k.id) DESC, a.username
            LIMIT 1000
            """) { Parameters = { new() { Value = unitPrefix } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            SELECT count(*)::int FROM key_person k
            WHERE starts_with(k.grid_code, $1) AND k.ended_at IS NULL AND NOT EXISTS (SELECT 1 FROM key_person_officer o WHERE o.person_id = k.id)
            """) { Parameters = { new() { Value = unitPrefix } } });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var officers = new List<OfficerCaseload>();
        while (await reader.ReadAsync(ct))
        {
            officers.Add(new OfficerCaseload(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3)));
        }

        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return (officers, reader.GetInt32(0));
    }
}

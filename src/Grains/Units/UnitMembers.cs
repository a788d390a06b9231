using Npgsql;
using OpsCentre.Grains.Alerts;

namespace OpsCentre.Grains.Units;

/// <summary>
/// How many members a unit has for a rule, from the rosters (one datum, one source): the devices not revoked that are bound to
/// the unit's workers or key persons (of the rule's device kinds), or the unit's workers, or its key persons.
/// </summary>
public sealed class UnitMembers(NpgsqlDataSource db)
{
    public async Task<int> CountAsync(string subjectKind, IReadOnlySet<string>? deviceKinds, string unitCode, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(subjectKind switch
        {
            SubjectKinds.Device =>
                """
                SELECT count(*)::int FROM device_credential d
                WHERE d.revoked_at IS NULL AND (@kinds::text[] IS NULL OR d.kind = ANY (@kinds))
                  AND d.bound_to IN (SELECT id FROM grid_worker WHERE assigned_grid LIKE @prefix AND ended_at IS NULL
                                     UNION ALL SELECT id FROM key_person WHERE grid_code LIKE @prefix AND ended_at IS NULL)
                """,
            SubjectKinds.Worker => "SELECT count(*)::int FROM grid_worker WHERE assigned_grid LIKE @prefix AND ended_at IS NULL",
            SubjectKinds.KeyPerson => "SELECT count(*)::int FROM key_person WHERE grid_code LIKE @prefix AND ended_at IS NULL",
            _ => "SELECT 0",
        });
        command.Parameters.AddWithValue("prefix", unitCode + "%");
        command.Parameters.Add(new NpgsqlParameter("kinds", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text)
        {
            Value = deviceKinds is null ? DBNull.Value : deviceKinds.ToArray(),
        });
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }
}

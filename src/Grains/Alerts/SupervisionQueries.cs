using Npgsql;
using OpsCentre.Database;

namespace OpsCentre.Grains.Alerts;

/// <summary>Reads of the 督办 records (<c>alert_supervision</c>, projected from the event log in the transaction of each alert event that issues or answers one).</summary>
public sealed class SupervisionQueries(NpgsqlDataSource db)
{
    /// <summary>The 督办 of every alert about one subject (a case's overdue stages), oldest first; at most 500.</summary>
    public async Task<List<Supervision>> ForSubjectAsync(string subjectKind, string subjectId, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            SELECT id, alert_id, number, urged_unit_code, level, reason, repeated, rule_id, rule_version, issued_at, reply_due_at, replied_at, replied_by, reply
            FROM alert_supervision WHERE subject_kind = @kind AND subject_id = @id
            ORDER BY issued_at, alert_id, number LIMIT 500
            """);
        command.Parameters.AddWithValue("kind", subjectKind);
        command.Parameters.AddWithValue("id", subjectId);
        return await command.ReadAllAsync(r => new Supervision(
            r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetInt32(4), r.GetString(5), r.GetBoolean(6), r.GetString(7), r.GetInt32(8),
            r.GetFieldValue<DateTimeOffset>(9), r.GetFieldValue<DateTimeOffset>(10), r.NullableTime(11), r.NullableString(12), r.NullableString(13)), ct);
    }
}

using Npgsql;
using OpsCentre.Database;

namespace OpsCentre.Grains.Alerts;

/// <summary>An alert in the alert list (kept by the database from the event log), with its escalation level and its number of 督办.</summary>
public sealed record AlertItem(
    string Id, string RuleId, string Severity, string State, string UnitCode, string ResponsibleUnitCode,
    AlertSubject Subject, DateTimeOffset RaisedAt, DateTimeOffset UpdatedAt, string Title, int EscalationLevel, int SupervisionCount, string? Assignee = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? DrillId = null)
{
    /// <summary>An alert of a drill's scripted position (演练): true, with its <c>drillId</c>; absent otherwise.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool Drill => DrillId is not null;
}

/// <summary>Which alerts a list wants: a unit, optionally a state, severity, rule and period, and the page after a (raisedAt, id) keyset.</summary>
/// <param name="KeyPersons">Whether alerts about key persons (<see cref="AlertSubject.KeyPerson"/>) are listed: only for roles that watch them.</param>
/// <param name="Responsible">Only alerts this unit is responsible for now (an escalated alert: the unit it reached).</param>
/// <param name="Assignee">Only alerts that go first to this account (a key person's responsible officer, 社区矫正).</param>
/// <param name="RuleId">Only the alerts of this rule.</param>
/// <param name="From">Only alerts raised at or after this moment.</param>
/// <param name="To">Only alerts raised before this moment.</param>
public sealed record AlertFilter(
    string UnitPrefix, string? State, string? Severity, (DateTimeOffset RaisedAt, string Id)? After, int Take, bool KeyPersons, string? Responsible = null,
    string? Assignee = null, string? RuleId = null, DateTimeOffset? From = null, DateTimeOffset? To = null);

/// <summary>Reads of the alert list (<c>alert</c>, projected from the event log in the transaction of each alert event).</summary>
public sealed class AlertQueries(NpgsqlDataSource db)
{
    /// <summary>Alerts newest first.</summary>
    public async Task<List<AlertItem>> ListAsync(AlertFilter filter, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            SELECT id, rule_id, severity, state, unit_code, responsible_unit_code, subject_kind, subject_id, raised_at, updated_at, title, key_person_id,
                   escalation_level, supervision_count, assignee, drill_id
            FROM alert
            WHERE unit_code LIKE @prefix AND (@state::text IS NULL OR state = @state) AND (@severity::text IS NULL OR severity = @severity)
              AND (@responsible::text IS NULL OR responsible_unit_code = @responsible)
              AND (@assignee::text IS NULL OR assignee = @assignee)
              AND (@rule::text IS NULL OR rule_id = @rule)
              AND (@from::timestamptz IS NULL OR raised_at >= @from) AND (@to::timestamptz IS NULL OR raised_at < @to)
              AND (@key_persons OR key_person_id IS NULL)
              AND (@after_at::timestamptz IS NULL OR (raised_at, id) < (@after_at, @after_id))
            ORDER BY raised_at DESC, id DESC
            LIMIT @take
            """);
        command.Parameters.AddWithValue("prefix", filter.UnitPrefix + "%");
        command.Parameters.AddWithValue("state", (object?)filter.State ?? DBNull.Value);
        command.Parameters.AddWithValue("severity", (object?)filter.Severity ?? DBNull.Value);
        command.Parameters.AddWithValue("after_at", filter.After is { } after ? after.RaisedAt : (object)DBNull.Value);
        command.Parameters.AddWithValue("after_id", filter.After?.Id ?? "");
        command.Parameters.AddWithValue("take", filter.Take);
        command.Parameters.AddWithValue("key_persons", filter.KeyPersons);
        command.Parameters.AddWithValue("responsible", (object?)filter.Responsible ?? DBNull.Value);
        command.Parameters.AddWithValue("assignee", (object?)filter.Assignee ?? DBNull.Value);
        command.Parameters.AddWithValue("rule", (object?)filter.RuleId ?? DBNull.Value);
        command.Parameters.Add("from", NpgsqlTypes.NpgsqlDbType.TimestampTz).Value = (object?)filter.From?.ToUniversalTime() ?? DBNull.Value;
        command.Parameters.Add("to", NpgsqlTypes.NpgsqlDbType.TimestampTz).Value = (object?)filter.To?.ToUniversalTime() ?? DBNull.Value;
        return await command.ReadAllAsync(r => new AlertItem(
            r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5),
            new AlertSubject(r.GetString(6), r.GetString(7), r.GetString(6) == SubjectKinds.KeyPerson ? null : r.NullableString(11)), r.GetFieldValue<DateTimeOffset>(8), r.GetFieldValue<DateTimeOffset>(9), r.GetString(10),
            r.GetInt32(12), r.GetInt32(13), r.NullableString(14), r.NullableString(15)), ct);
    }
}

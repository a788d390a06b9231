using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;

namespace OpsCentre.Grains.Alerts;

/// <summary>What happened to a change of rules or silences.</summary>
public enum ChangeOutcome
{
    Stored,

    /// <summary>The caller's operation id was already used for this very change: the stored result is returned.</summary>
    Replayed,

    /// <summary>The caller's operation id was already used for a different change.</summary>
    OpIdReused,

    /// <summary>The rule changed meanwhile (its version is not the one the caller expected), or the id is taken.</summary>
    Conflict,

    NotFound,
}

/// <summary>
/// Rules and silences in PostgreSQL. Every change is a new row (a rule's new version, a silence) under
/// the caller's operation id, so a retried request is applied once; a trigger moves the revision the
/// silos watch (<see cref="RuleBook"/>).
/// </summary>
public sealed class AlertRuleStore(NpgsqlDataSource db)
{
    private const string RuleColumns =
        "id, version, title, kind, subject_kind, unit_scope, severity, parameters::text, pending_seconds, recovery_seconds, escalation::text, enabled, changed_by, changed_at";

    private const string SilenceColumns =
        "id, unit_scope, rule_id, starts_at, coalesce(ended_early_at, ends_at), reason, created_by, created_at";

    public async Task<long> RevisionAsync(CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand("SELECT revision FROM alert_config_revision");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The latest version of every rule, disabled ones included.</summary>
    public async Task<IReadOnlyList<AlertRule>> CurrentRulesAsync(CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand($"SELECT DISTINCT ON (id) {RuleColumns} FROM alert_rule ORDER BY id, version DESC");
        return await ReadRulesAsync(command, cancellationToken);
    }

    /// <summary>Every version of one rule, newest first.</summary>
    public async Task<IReadOnlyList<AlertRule>> HistoryAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand($"SELECT {RuleColumns} FROM alert_rule WHERE id = @id ORDER BY version DESC");
        command.Parameters.AddWithValue("id", id);
        return await ReadRulesAsync(command, cancellationToken);
    }

    /// <summary>
    /// Stores <paramref name="draft"/> as the rule's next version. <paramref name="expectedVersion"/> is 0
    /// to create a rule, or the version the caller last saw to change one.
    /// </summary>
    public async Task<(ChangeOutcome Outcome, AlertRule? Rule)> SaveAsync(RuleDraft draft, int expectedVersion, string changedBy, string opId, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var earlier = new NpgsqlCommand($"SELECT {RuleColumns} FROM alert_rule WHERE changed_by = @by AND op_id = @op", connection, transaction))
        {
            earlier.Parameters.AddWithValue("by", changedBy);
            earlier.Parameters.AddWithValue("op", opId);
            if ((await ReadRulesAsync(earlier, cancellationToken)).SingleOrDefault() is { } stored)
            {
                return (Same(stored, draft) ? ChangeOutcome.Replayed : ChangeOutcome.OpIdReused, stored);
            }
        }

        await using var insert = new NpgsqlCommand(
            $"""
            INSERT INTO alert_rule (id, version, title, kind, subject_kind, unit_scope, severity, parameters, pending_seconds,
                                    recovery_seconds, escalation, enabled, changed_by, op_id)
            SELECT @id, @expected + 1, @title, @kind, @subject, @scope, @severity, @parameters, @pending, @recovery, @escalation, @enabled, @by, @op
            WHERE coalesce((SELECT max(version) FROM alert_rule WHERE id = @id), 0) = @expected
            ON CONFLICT DO NOTHING
            RETURNING {RuleColumns}
            """, connection, transaction);
        insert.Parameters.AddWithValue("id", draft.Id);
        insert.Parameters.AddWithValue("expected", expectedVersion);
        insert.Parameters.AddWithValue("title", draft.Title);
        insert.Parameters.AddWithValue("kind", draft.Kind);
        insert.Parameters.AddWithValue("subject", draft.SubjectKind);
        insert.Parameters.AddWithValue("scope", draft.UnitScope);
        insert.Parameters.AddWithValue("severity", draft.Severity);
        insert.Parameters.AddWithValue("parameters", NpgsqlDbType.Jsonb, draft.ParametersJson);
        insert.Parameters.AddWithValue("pending", draft.PendingSeconds);
        insert.Parameters.AddWithValue("recovery", draft.RecoverySeconds);
        insert.Parameters.AddWithValue("escalation", NpgsqlDbType.Jsonb, draft.Escalation is null ? DBNull.Value : JsonSerializer.Serialize(draft.Escalation, JsonSerializerOptions.Web));
        insert.Parameters.AddWithValue("enabled", draft.Enabled);
        insert.Parameters.AddWithValue("by", changedBy);
        insert.Parameters.AddWithValue("op", opId);
        var rule = (await ReadRulesAsync(insert, cancellationToken)).SingleOrDefault();
        if (rule is null)
        {
            return (ChangeOutcome.Conflict, null);
        }

        await transaction.CommitAsync(cancellationToken);
        return (ChangeOutcome.Stored, rule);
    }

    /// <summary>Silences that have not ended by <paramref name="since"/>.</summary>
    public async Task<IReadOnlyList<AlertSilence>> SilencesAsync(DateTimeOffset since, string unitPrefix = "", CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand(
            $"SELECT {SilenceColumns} FROM alert_silence WHERE coalesce(ended_early_at, ends_at) > @since AND unit_scope LIKE @prefix ORDER BY starts_at, id");
        command.Parameters.AddWithValue("since", since.ToUniversalTime());
        command.Parameters.AddWithValue("prefix", unitPrefix + "%");
        return await ReadSilencesAsync(command, cancellationToken);
    }

    public async Task<AlertSilence?> FindSilenceAsync(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand($"SELECT {SilenceColumns} FROM alert_silence WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        return (await ReadSilencesAsync(command, cancellationToken)).SingleOrDefault();
    }

    /// <summary>Creates a silence under the caller's operation id; the same id again returns the silence first created.</summary>
    public async Task<(ChangeOutcome Outcome, AlertSilence Silence)> CreateSilenceAsync(
        string unitScope, string? ruleId, DateTimeOffset startsAt, DateTimeOffset endsAt, string reason, string createdBy, string opId, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand(
            $"""
            WITH inserted AS (
                INSERT INTO alert_silence (id, unit_scope, rule_id, starts_at, ends_at, reason, created_by, op_id)
                VALUES (@id, @scope, @rule, @starts, @ends, @reason, @by, @op)
                ON CONFLICT (created_by, op_id) DO NOTHING
                RETURNING {SilenceColumns}, true AS fresh)
            SELECT * FROM inserted
            UNION ALL
            SELECT {SilenceColumns}, false FROM alert_silence WHERE created_by = @by AND op_id = @op
            """);
        command.Parameters.AddWithValue("id", Guid.NewGuid());
        command.Parameters.AddWithValue("scope", unitScope);
        command.Parameters.AddWithValue("rule", (object?)ruleId ?? DBNull.Value);
        command.Parameters.AddWithValue("starts", startsAt.ToUniversalTime());
        command.Parameters.AddWithValue("ends", endsAt.ToUniversalTime());
        command.Parameters.AddWithValue("reason", reason);
        command.Parameters.AddWithValue("by", createdBy);
        command.Parameters.AddWithValue("op", opId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var silence = ReadSilence(reader);
        var fresh = reader.GetBoolean(8);
        // A retry may not repeat a default start ("now"), and times come back at microsecond precision.
        var same = silence.UnitScope == unitScope && silence.RuleId == ruleId && silence.Reason == reason
            && (silence.EndsAt - endsAt).Duration() < TimeSpan.FromMilliseconds(1);
        return (fresh ? ChangeOutcome.Stored : same ? ChangeOutcome.Replayed : ChangeOutcome.OpIdReused, silence);
    }

    /// <summary>Ends a silence now (planned work finished early). Ending one already over changes nothing.</summary>
    public async Task<AlertSilence?> EndSilenceAsync(Guid id, string endedBy, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand(
            "UPDATE alert_silence SET ended_early_at = @at, ended_by = @by WHERE id = @id AND coalesce(ended_early_at, ends_at) > @at");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("by", endedBy);
        command.Parameters.AddWithValue("at", at.ToUniversalTime());
        await command.ExecuteNonQueryAsync(cancellationToken);
        return await FindSilenceAsync(id, cancellationToken);
    }

    private static bool Same(AlertRule stored, RuleDraft draft) =>
        stored.Id == draft.Id && stored.Title == draft.Title && stored.Kind == draft.Kind && stored.SubjectKind == draft.SubjectKind
        && stored.UnitScope == draft.UnitScope && stored.Severity == draft.Severity && stored.PendingSeconds == draft.PendingSeconds
        && stored.RecoverySeconds == draft.RecoverySeconds && stored.Escalation == draft.Escalation && stored.Enabled == draft.Enabled
        && JsonNode.DeepEquals(JsonNode.Parse(stored.ParametersJson), JsonNode.Parse(draft.ParametersJson));

    private static async Task<IReadOnlyList<AlertRule>> ReadRulesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rules = new List<AlertRule>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rules.Add(new AlertRule(
                reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                reader.GetString(6), reader.GetString(7), reader.GetInt32(8), reader.GetInt32(9),
                reader.IsDBNull(10) ? null : JsonSerializer.Deserialize<EscalationPolicy>(reader.GetString(10), JsonSerializerOptions.Web),
                reader.GetBoolean(11), reader.GetString(12), reader.GetFieldValue<DateTimeOffset>(13)));
        }

        return rules;
    }

    private static async Task<IReadOnlyList<AlertSilence>> ReadSilencesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var silences = new List<AlertSilence>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            silences.Add(ReadSilence(reader));
        }

        return silences;
    }

    private static AlertSilence ReadSilence(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3),
        reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5), reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7));
}

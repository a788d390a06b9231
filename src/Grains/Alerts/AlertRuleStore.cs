using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OpsCentre.Database.Operations;

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
        var claim = await OperationLedger.ClaimAsync(connection, transaction, new Operation(changedBy, opId, "alert-rule.save", RequestHash(draft)),
            $"{draft.Id}/{expectedVersion + 1}", cancellationToken);
        if (claim.Outcome != ClaimOutcome.Fresh)
        {
            var slash = claim.ResultId.LastIndexOf('/');
            await using var earlier = new NpgsqlCommand($"SELECT {RuleColumns} FROM alert_rule WHERE id = @id AND version = @version", connection, transaction);
            earlier.Parameters.AddWithValue("id", claim.ResultId[..slash]);
            earlier.Parameters.AddWithValue("version", int.Parse(claim.ResultId[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
            return (claim.Outcome == ClaimOutcome.Replay ? ChangeOutcome.Replayed : ChangeOutcome.OpIdReused, (await ReadRulesAsync(earlier, cancellationToken)).Single());
        }

        await using var insert = new NpgsqlCommand(
            $"""
            INSERT INTO alert_rule (id, version, title, kind, subject_kind, unit_scope, severity, parameters, pending_seconds,
                                    recovery_seconds, escalation, enabled, changed_by)
            SELECT @id, @expected + 1, @title, @kind, @subject, @scope, @severity, @parameters, @pending, @recovery, @escalation, @enabled, @by
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
        insert.Parameters.AddWithValue("escalation", NpgsqlDbType.Jsonb, draft.Escalation is null ? DBNull.Value : EscalationJson(draft.Escalation));
        insert.Parameters.AddWithValue("enabled", draft.Enabled);
        insert.Parameters.AddWithValue("by", changedBy);
        // A conflict rolls the claim back with the transaction: the same opId may try again once the caller has read the rule anew.
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
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Not the start: a retry of a silence that starts "now" comes a moment later.
        var hash = OperationIds.Hash(unitScope, ruleId, endsAt, reason);
        var claim = await OperationLedger.ClaimAsync(connection, transaction, new Operation(createdBy, opId, "alert-silence.create", hash),
            Guid.NewGuid().ToString(), cancellationToken);
        if (claim.Outcome == ClaimOutcome.Fresh)
        {
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO alert_silence (id, unit_scope, rule_id, starts_at, ends_at, reason, created_by)
                VALUES (@id, @scope, @rule, @starts, @ends, @reason, @by)
                """, connection, transaction);
            insert.Parameters.AddWithValue("id", Guid.Parse(claim.ResultId));
            insert.Parameters.AddWithValue("scope", unitScope);
            insert.Parameters.AddWithValue("rule", (object?)ruleId ?? DBNull.Value);
            insert.Parameters.AddWithValue("starts", startsAt.ToUniversalTime());
            insert.Parameters.AddWithValue("ends", endsAt.ToUniversalTime());
            insert.Parameters.AddWithValue("reason", reason);
            insert.Parameters.AddWithValue("by", createdBy);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var read = new NpgsqlCommand($"SELECT {SilenceColumns} FROM alert_silence WHERE id = @id", connection, transaction);
        read.Parameters.AddWithValue("id", Guid.Parse(claim.ResultId));
        var silence = (await ReadSilencesAsync(read, cancellationToken)).Single();
        await transaction.CommitAsync(cancellationToken);
        return (claim.Outcome switch { ClaimOutcome.Fresh => ChangeOutcome.Stored, ClaimOutcome.Replay => ChangeOutcome.Replayed, _ => ChangeOutcome.OpIdReused }, silence);
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

    /// <summary>A rule change's digest: every field of the draft, its parameters in one JSON form.</summary>
    private static string RequestHash(RuleDraft draft) => OperationIds.Hash(
        draft.Id, draft.Title, draft.Kind, draft.SubjectKind, draft.UnitScope, draft.Severity, OperationIds.Json(draft.ParametersJson),
        draft.PendingSeconds, draft.RecoverySeconds, draft.Escalation is null ? null : OperationIds.Json(EscalationJson(draft.Escalation)), draft.Enabled);

    private static string EscalationJson(EscalationPolicy escalation) => JsonSerializer.Serialize(escalation, JsonSerializerOptions.Web);

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

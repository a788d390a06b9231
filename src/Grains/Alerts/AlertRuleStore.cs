using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OpsCentre.Database;
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

    /// <summary>Flags a rule version as faulty (its evaluation threw); the first report of a version is kept.</summary>
    public async Task RecordFaultAsync(string ruleId, int version, string error, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand(
            "INSERT INTO alert_rule_fault (rule_id, version, error) VALUES (@id, @version, @error) ON CONFLICT DO NOTHING");
        command.Parameters.AddWithValue("id", ruleId);
        command.Parameters.AddWithValue("version", version);
        command.Parameters.AddWithValue("error", error.Length > 1000 ? error[..1000] : error);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The faults recorded for rule versions, by (rule id, version).</summary>
    public async Task<IReadOnlyDictionary<(string RuleId, int Version), RuleFault>> FaultsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand("SELECT rule_id, version, error, first_at FROM alert_rule_fault");
        return (await command.ReadAllAsync(r => (Key: (r.GetString(0), r.GetInt32(1)), Fault: new RuleFault(r.GetString(2), r.GetFieldValue<DateTimeOffset>(3))), cancellationToken))
            .ToDictionary(f => f.Key, f => f.Fault);
    }

    /// <summary>How many current rules are managed in exactly this unit scope.</summary>
    public async Task<int> RulesInScopeAsync(string unitScope, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand("SELECT count(DISTINCT id)::int FROM alert_rule WHERE unit_scope = @scope");
        command.Parameters.AddWithValue("scope", unitScope);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Silences not yet ended by <paramref name="at"/>, set in exactly this unit scope.</summary>
    public async Task<int> SilencesInScopeAsync(string unitScope, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand(
            "SELECT count(*)::int FROM alert_silence WHERE unit_scope = @scope AND coalesce(ended_early_at, ends_at) > @at");
        command.Parameters.AddWithValue("scope", unitScope);
        command.Parameters.AddWithValue("at", at.ToUniversalTime());
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
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

    /// <summary>The longest a silence may run, alone or chained with the silences of the same scope and rule it overlaps or adjoins.</summary>
    public static readonly TimeSpan LongestSilence = TimeSpan.FromDays(31);

    /// <summary>Silences closer than this follow on from each other: one chain.</summary>
    private static readonly TimeSpan ChainGap = TimeSpan.FromMinutes(1);

    /// <summary>The most silences running or planned in one unit scope.</summary>
    public const int MaxSilencesPerScope = 100;

    /// <summary>
    /// Creates a silence under the caller's operation id; the same id again returns the silence first created.
    /// A new silence that would chain past <see cref="LongestSilence"/>, or exceed <see cref="MaxSilencesPerScope"/>,
    /// is refused (<see cref="ChangeOutcome.Conflict"/>, with the reason) and nothing is stored.
    /// </summary>
    public async Task<(ChangeOutcome Outcome, AlertSilence? Silence, string? Refusal)> CreateSilenceAsync(
        string unitScope, string? ruleId, DateTimeOffset startsAt, DateTimeOffset endsAt, string reason, string createdBy, string opId, CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Not the start: a retry of a silence that starts "now" comes a moment later.
        var hash = OperationIds.Hash(unitScope, ruleId, endsAt, reason);
        var claim = await OperationLedger.ClaimAsync(connection, transaction, new Operation(createdBy, opId, "alert-silence.create", hash),
            Guid.NewGuid().ToString(), cancellationToken);
        if (claim.Outcome == ClaimOutcome.Fresh && await RefusalAsync(connection, transaction, unitScope, ruleId, startsAt, endsAt, cancellationToken) is { } refusal)
        {
            return (ChangeOutcome.Conflict, null, refusal); // the claim goes with the transaction: the same opId may try again
        }

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
        return (claim.Outcome switch { ClaimOutcome.Fresh => ChangeOutcome.Stored, ClaimOutcome.Replay => ChangeOutcome.Replayed, _ => ChangeOutcome.OpIdReused }, silence, null);
    }

    /// <summary>Why a new silence may not be stored, or null: too many in its scope, or a chain past the longest silence.</summary>
    private static async Task<string?> RefusalAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string unitScope, string? ruleId, DateTimeOffset startsAt, DateTimeOffset endsAt, CancellationToken ct)
    {
        // Serialises the silences of one scope, so two concurrent requests cannot both pass the checks.
        await using (var lockScope = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('alert_silence:' || @scope))", connection, transaction))
        {
            lockScope.Parameters.AddWithValue("scope", unitScope);
            await lockScope.ExecuteNonQueryAsync(ct);
        }

        await using var command = new NpgsqlCommand(
            "SELECT rule_id, starts_at, coalesce(ended_early_at, ends_at) FROM alert_silence WHERE unit_scope = @scope AND coalesce(ended_early_at, ends_at) > now()",
            connection, transaction);
        command.Parameters.AddWithValue("scope", unitScope);
        var running = await command.ReadAllAsync(r => (RuleId: r.NullableString(0), Start: r.GetFieldValue<DateTimeOffset>(1), End: r.GetFieldValue<DateTimeOffset>(2)), ct);
        if (running.Count >= MaxSilencesPerScope)
        {
            return $"a unit scope holds at most {MaxSilencesPerScope} running or planned silences";
        }

        // Grow the new window by every silence of the same rule that overlaps or adjoins it, until none is left.
        var (chainStart, chainEnd) = (startsAt, endsAt);
        var same = running.Where(s => s.RuleId == ruleId).ToList();
        for (var grown = true; grown;)
        {
            grown = false;
            foreach (var s in same.Where(s => s.Start <= chainEnd + ChainGap && s.End + ChainGap >= chainStart).ToList())
            {
                (chainStart, chainEnd) = (s.Start < chainStart ? s.Start : chainStart, s.End > chainEnd ? s.End : chainEnd);
                same.Remove(s);
                grown = true;
            }
        }

        return chainEnd - chainStart > LongestSilence
            ? $"with the silences of the same scope and rule it joins, it would run {(chainEnd - chainStart).TotalDays:0.#} days; at most {LongestSilence.TotalDays:0} in a row"
            : null;
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

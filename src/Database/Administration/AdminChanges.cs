using System.Globalization;
using System.Text.Json;
using Npgsql;
using OpsCentre.Database.Operations;

namespace OpsCentre.Database.Administration;

/// <summary>Who makes an administrative change: the signed-in account and its role.</summary>
public sealed record AdminActor(string Username, string Role);

/// <summary>
/// One administrative change as written: what (entity kind and key, the unit it belongs to, the action) and its old and
/// new value, each an object serialised to JSON (old null for a creation). Password hashes are never part of it.
/// </summary>
public sealed record AdminChange(string EntityKind, string EntityKey, string UnitCode, string Action, object? Old, object New);

/// <summary>A row of the change log as an auditor reads it: the change, who made it and when; <c>Ref</c> is its stable id.</summary>
public sealed record AdminChangeEntry(
    string Ref, DateTimeOffset At, string Actor, string? ActorRole, string EntityKind, string EntityKey, string UnitCode, string Action,
    JsonElement? Old, JsonElement New, string? OpId);

/// <summary>What the change log is filtered by; every field optional but the unit scope.</summary>
public sealed record AdminChangeFilter(string UnitScope, string? EntityKind, string? EntityKey, string? Actor, DateTimeOffset? From, DateTimeOffset? To);

/// <summary>The kinds of entity whose changes the log holds.</summary>
public static class AdminEntityKinds
{
    public const string Operator = "operator";
    public const string IncidentCategory = "incident-category";
    public const string Department = "department";
    public const string SupervisionSchedule = "supervision-schedule";

    /// <summary>A grid worker's collection record (采集记录), approved or rejected by community staff.</summary>
    public const string Collection = "collection";
    /// <summary>A departmental system's machine client (机器客户端): its registration, secret rotations, disabling.</summary>
    public const string MachineClient = "machine-client";
    /// <summary>A unit's webhook subscription (通知订阅): creation, disabling, enabling, a dead-lettered notification sent again.</summary>
    public const string NotificationSubscription = "notification-subscription";

    /// <summary>Not written here: the alert rules keep their own versions (who, when), which the log reads as they are.</summary>
    public const string AlertRule = "alert-rule";

    public static IReadOnlyList<string> All { get; } = [Operator, IncidentCategory, Department, SupervisionSchedule, Collection, MachineClient, NotificationSubscription, AlertRule];
}

/// <summary>How an administrative write came out.</summary>
public enum AdminOutcome
{
    /// <summary>Applied now, with its change row.</summary>
    Applied,

    /// <summary>The same request under the same operation id came before: nothing changed again.</summary>
    Replayed,

    /// <summary>The operation id was used for another request: 422, nothing changed.</summary>
    OpIdReused,

    /// <summary>The entity to change does not exist: 404, nothing changed.</summary>
    NotFound,

    /// <summary>The change was refused by a check made inside its transaction (a duplicate key, the last admin): nothing changed.</summary>
    Refused,
}

/// <summary>What one step of an administrative write decided: apply this change, or refuse with a reason.</summary>
public readonly record struct AdminStep(AdminChange? Change, AdminOutcome Refusal = AdminOutcome.Refused, string? Reason = null)
{
    public static AdminStep Apply(AdminChange change) => new(change);

    public static AdminStep Missing() => new(null, AdminOutcome.NotFound);

    public static AdminStep Refuse(string reason) => new(null, AdminOutcome.Refused, reason);
}

/// <summary>The answer of <see cref="AdminChanges.WriteAsync"/>: the outcome, and for a refusal its reason.</summary>
public readonly record struct AdminWrite(AdminOutcome Outcome, string? Reason = null);

/// <summary>
/// The one mechanism of administrative writes (账号、事件类别、职能部门、督查计划): the caller's operation id is claimed in the
/// operation ledger, the change is made, and its row in <c>admin_change</c> (who, role, when, old → new) is written — all in
/// one transaction, so a change never lands without its record, a refused one leaves nothing, and a retry is applied once.
/// </summary>
public sealed class AdminChanges(NpgsqlDataSource db, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Claims <paramref name="operation"/> and runs <paramref name="apply"/> in the transaction; <paramref name="apply"/> reads the
    /// entity (locking it), makes the change and says what changed, or refuses. A replay runs nothing.
    /// </summary>
    public async Task<AdminWrite> WriteAsync(
        AdminActor actor, Operation operation, string resultId,
        Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task<AdminStep>> apply, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var claim = await OperationLedger.ClaimAsync(connection, transaction, operation, resultId, cancellationToken);
        if (claim.Outcome != ClaimOutcome.Fresh)
        {
            return new(claim.Outcome == ClaimOutcome.Replay ? AdminOutcome.Replayed : AdminOutcome.OpIdReused);
        }

        var step = await apply(connection, transaction, cancellationToken);
        if (step.Change is not { } change)
        {
            await transaction.RollbackAsync(cancellationToken);
            return new(step.Refusal, step.Reason);
        }

        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO admin_change (at, actor, actor_role, entity_kind, entity_key, unit_code, action, old_value, new_value, op_id)
            VALUES (@at, @actor, @role, @kind, @key, @unit, @action, @old::jsonb, @new::jsonb, @op)
            """, connection, transaction);
        insert.Parameters.AddWithValue("at", clock.GetUtcNow());
        insert.Parameters.AddWithValue("actor", actor.Username);
        insert.Parameters.AddWithValue("role", actor.Role);
        insert.Parameters.AddWithValue("kind", change.EntityKind);
        insert.Parameters.AddWithValue("key", change.EntityKey);
        insert.Parameters.AddWithValue("unit", change.UnitCode);
        insert.Parameters.AddWithValue("action", change.Action);
        insert.Parameters.AddWithValue("old", change.Old is null ? DBNull.Value : JsonSerializer.Serialize(change.Old, Json));
        insert.Parameters.AddWithValue("new", JsonSerializer.Serialize(change.New, Json));
        insert.Parameters.AddWithValue("op", operation.OpId);
        await insert.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(AdminOutcome.Applied);
    }

    /// <summary>
    /// The changes within <see cref="AdminChangeFilter.UnitScope"/> that match the filter, newest first, up to
    /// <paramref name="limit"/> after the cursor <paramref name="after"/> (a <see cref="Cursor"/> of the last row read).
    /// </summary>
    public async Task<List<AdminChangeEntry>> ReadAsync(AdminChangeFilter filter, string? after, int limit, CancellationToken cancellationToken)
    {
        var (afterAt, afterRef) = ParseCursor(after);
        await using var command = db.CreateCommand(
            """
            SELECT ref, at, actor, actor_role, entity_kind, entity_key, unit_code, action, old_value::text, new_value::text, op_id
            FROM admin_change_log
            WHERE unit_code LIKE @scope || '%'
              AND (@kind::text IS NULL OR entity_kind = @kind) AND (@key::text IS NULL OR entity_key = @key)
              AND (@actor::text IS NULL OR actor = @actor)
              AND (@from::timestamptz IS NULL OR at >= @from) AND (@to::timestamptz IS NULL OR at < @to)
              AND (@afterAt::timestamptz IS NULL OR (at, ref) < (@afterAt, @afterRef))
            ORDER BY at DESC, ref DESC
            LIMIT @limit
            """);
        command.Parameters.AddWithValue("scope", filter.UnitScope);
        command.Parameters.AddWithValue("kind", (object?)filter.EntityKind ?? DBNull.Value);
        command.Parameters.AddWithValue("key", (object?)filter.EntityKey ?? DBNull.Value);
        command.Parameters.AddWithValue("actor", (object?)filter.Actor ?? DBNull.Value);
        command.Parameters.AddWithValue("from", (object?)filter.From ?? DBNull.Value);
        command.Parameters.AddWithValue("to", (object?)filter.To ?? DBNull.Value);
        command.Parameters.AddWithValue("afterAt", (object?)afterAt ?? DBNull.Value);
        command.Parameters.AddWithValue("afterRef", afterRef ?? "");
        command.Parameters.AddWithValue("limit", limit);
        var rows = new List<AdminChangeEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new AdminChangeEntry(
                reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7),
                reader.IsDBNull(8) ? null : JsonDocument.Parse(reader.GetString(8)).RootElement.Clone(),
                JsonDocument.Parse(reader.GetString(9)).RootElement.Clone(), reader.IsDBNull(10) ? null : reader.GetString(10)));
        }

        return rows;
    }

    /// <summary>The paging cursor of a row: its time (microseconds since the Unix epoch) and its ref.</summary>
    public static string Cursor(AdminChangeEntry entry) =>
        ((entry.At.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10).ToString(CultureInfo.InvariantCulture) + "_" + entry.Ref;

    /// <summary>Whether <paramref name="after"/> is absent or a cursor this log made.</summary>
    public static bool IsCursor(string? after) => after is null || ParseCursor(after).At is not null;

    private static (DateTimeOffset? At, string? Ref) ParseCursor(string? after)
    {
        var cut = after?.IndexOf('_') ?? -1;
        return cut > 0 && long.TryParse(after![..cut], NumberStyles.None, CultureInfo.InvariantCulture, out var micros) && micros < 1L << 52
            ? (DateTimeOffset.UnixEpoch.AddTicks(micros * 10), after[(cut + 1)..])
            : (null, null);
    }
}

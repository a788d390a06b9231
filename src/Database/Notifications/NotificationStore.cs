using Npgsql;
using OpsCentre.Database.Registries;

namespace OpsCentre.Database.Notifications;

/// <summary>What a notification tells (通知类别).</summary>
public static class NotificationKinds
{
    /// <summary>督办: an alert escalated one level up, or urged again at the district (<c>alert.escalated</c>, <c>alert.urged</c>).</summary>
    public const string Escalation = "escalation";

    /// <summary>A critical alert fired (<c>alert.raised</c> with severity critical).</summary>
    public const string CriticalAlert = "critical-alert";

    /// <summary>派遣: a case dispatched to a responsible unit (and worker) — a task (<c>incident.stage-changed</c> into dispatched).</summary>
    public const string TaskAssignment = "task-assignment";

    public static IReadOnlyList<string> All { get; } = [Escalation, CriticalAlert, TaskAssignment];
}

/// <summary>The body a receiver gets: generic JSON, 企业微信 group robot, 钉钉 group robot.</summary>
public static class WebhookFormats
{
    public const string Json = "json";
    public const string WeCom = "wecom";
    public const string DingTalk = "dingtalk";

    public static IReadOnlyList<string> All { get; } = [Json, WeCom, DingTalk];
}

/// <summary>A delivery's state: waiting (first try or a retry), delivered (2xx), or dead-lettered after the attempt limit.</summary>
public static class DeliveryStates
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Dead = "dead";

    public static IReadOnlyList<string> All { get; } = [Pending, Delivered, Dead];
}

/// <summary>
/// A unit's subscription (通知订阅): the kinds of notification about <paramref name="UnitCode"/> and every unit below it, sent to
/// <paramref name="Url"/> in <paramref name="Format"/>, signed when it has a secret (<paramref name="Signed"/>). The secret itself
/// is never part of it.
/// </summary>
public sealed record NotificationSubscription(
    string Id, string Name, string UnitCode, IReadOnlyList<string> Kinds, string Url, string Format, bool Signed, bool Disabled,
    DateTimeOffset CreatedAt, string CreatedBy);

/// <summary>One notification to one subscription, with its delivery state.</summary>
public sealed record NotificationDelivery(
    long Id, string SubscriptionId, string SubscriptionName, string Kind, string UnitCode, string SubjectKind, string SubjectId,
    string DistrictCode, long Seq, string State, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? LastAttemptAt, int? LastStatus,
    string? LastError, DateTimeOffset? DeliveredAt, DateTimeOffset? NextAttemptAt);

/// <summary>A notification a dispatcher has claimed for one attempt: where to send it, how, and the event it tells of.</summary>
public sealed record ClaimedNotification(
    long Id, string Kind, int Attempt, string SubscriptionId, string Url, string Format, string? Secret,
    string DistrictCode, long Seq, string UnitCode, string EventType, DateTimeOffset OccurredAt, string PayloadJson);

/// <summary>
/// The subscriptions (<c>notification_subscription</c>) and the outbox (<c>notification</c>, rows written by a trigger on
/// <c>event_log</c>, migration 0032). Secrets are sealed with the registries' key (<see cref="PersonalDataCipher"/>).
/// </summary>
public sealed class NotificationStore(NpgsqlDataSource dataSource, PersonalDataCipher cipher)
{
    private const string SubscriptionColumns = "s.id, s.name, s.unit_code, s.kinds, s.url, s.format, s.secret_sealed IS NOT NULL, s.disabled, s.created_at, s.created_by";

    private const string DeliveryColumns =
        """
        n.id, n.subscription_id, s.name, n.kind, n.unit_code, n.subject_kind, n.subject_id, n.district_code, n.seq, n.state, n.attempts, n.created_at,
        n.last_attempt_at, n.last_status, n.last_error, n.delivered_at, CASE WHEN n.state = 'pending' THEN n.next_attempt_at END
        """;

    public async Task<NotificationSubscription?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {SubscriptionColumns} FROM notification_subscription s WHERE s.id = @id");
        command.Parameters.AddWithValue("id", id);
        return (await command.ReadAllAsync(ReadSubscription, cancellationToken)).SingleOrDefault();
    }

    /// <summary>The subscriptions whose unit lies within <paramref name="unitPrefix"/>, by id, after <paramref name="after"/>.</summary>
    public async Task<List<NotificationSubscription>> ListAsync(string unitPrefix, string? after, int take, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {SubscriptionColumns} FROM notification_subscription s WHERE s.unit_code LIKE @prefix || '%' AND s.id > @after ORDER BY s.id LIMIT @take");
        command.Parameters.AddWithValue("prefix", unitPrefix);
        command.Parameters.AddWithValue("after", after ?? "");
        command.Parameters.AddWithValue("take", take);
        return await command.ReadAllAsync(ReadSubscription, cancellationToken);
    }

    /// <summary>Inserts <paramref name="subscription"/> (its secret sealed) inside <paramref name="transaction"/>; false when the id is taken.</summary>
    public async Task<bool> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, NotificationSubscription subscription, string? secret, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO notification_subscription (id, name, unit_code, kinds, url, format, secret_sealed, disabled, created_at, created_by)
            VALUES (@id, @name, @unit, @kinds, @url, @format, @secret, false, @at, @by)
            ON CONFLICT (id) DO NOTHING
            """, connection, transaction);
        insert.Parameters.AddWithValue("id", subscription.Id);
        insert.Parameters.AddWithValue("name", subscription.Name);
        insert.Parameters.AddWithValue("unit", subscription.UnitCode);
        insert.Parameters.AddWithValue("kinds", subscription.Kinds.ToArray());
        insert.Parameters.AddWithValue("url", subscription.Url);
        insert.Parameters.AddWithValue("format", subscription.Format);
        insert.Parameters.Add(new NpgsqlParameter("secret", NpgsqlTypes.NpgsqlDbType.Bytea) { Value = secret is null ? DBNull.Value : cipher.Encrypt(secret) });
        insert.Parameters.AddWithValue("at", subscription.CreatedAt);
        insert.Parameters.AddWithValue("by", subscription.CreatedBy);
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The subscription, its row locked for a change inside <paramref name="transaction"/>; null when there is none.</summary>
    public static async Task<NotificationSubscription?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {SubscriptionColumns} FROM notification_subscription s WHERE s.id = @id FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        return (await command.ReadAllAsync(ReadSubscription, cancellationToken)).SingleOrDefault();
    }

    public static async Task SetDisabledAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, bool disabled, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("UPDATE notification_subscription SET disabled = @d WHERE id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("d", disabled);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The notifications about one alert or case, oldest first (at most 200).</summary>
    public async Task<List<NotificationDelivery>> ForSubjectAsync(string subjectKind, string subjectId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {DeliveryColumns} FROM notification n JOIN notification_subscription s ON s.id = n.subscription_id
            WHERE n.subject_kind = @kind AND n.subject_id = @id ORDER BY n.id LIMIT 200
            """);
        command.Parameters.AddWithValue("kind", subjectKind);
        command.Parameters.AddWithValue("id", subjectId);
        return await command.ReadAllAsync(ReadDelivery, cancellationToken);
    }

    /// <summary>
    /// Recent notifications about units within <paramref name="unitPrefix"/>, newest first, optionally of one subscription and in
    /// one state, before the id <paramref name="before"/> (the paging cursor).
    /// </summary>
    public async Task<List<NotificationDelivery>> RecentAsync(
        string unitPrefix, string? subscriptionId, string? state, long? before, int take, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {DeliveryColumns} FROM notification n JOIN notification_subscription s ON s.id = n.subscription_id
            WHERE s.unit_code LIKE @prefix || '%' AND (@sub::text IS NULL OR n.subscription_id = @sub) AND (@state::text IS NULL OR n.state = @state)
              AND n.id < @before
            ORDER BY n.id DESC LIMIT @take
            """);
        command.Parameters.AddWithValue("prefix", unitPrefix);
        command.Parameters.AddWithValue("sub", (object?)subscriptionId ?? DBNull.Value);
        command.Parameters.AddWithValue("state", (object?)state ?? DBNull.Value);
        command.Parameters.AddWithValue("before", before ?? long.MaxValue);
        command.Parameters.AddWithValue("take", take);
        return await command.ReadAllAsync(ReadDelivery, cancellationToken);
    }

    /// <summary>
    /// Claims up to <paramref name="take"/> due notifications of enabled subscriptions for one attempt each: rows another
    /// dispatcher holds are skipped (FOR UPDATE SKIP LOCKED), and each claimed row's next attempt moves to
    /// <paramref name="leaseEnds"/>, so a dispatcher that dies mid-attempt leaves it due again then, not lost.
    /// </summary>
    public async Task<List<ClaimedNotification>> ClaimAsync(DateTimeOffset now, DateTimeOffset leaseEnds, int take, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH due AS (
                SELECT n.id FROM notification n JOIN notification_subscription s ON s.id = n.subscription_id
                WHERE n.state = 'pending' AND n.next_attempt_at <= @now AND NOT s.disabled
                ORDER BY n.next_attempt_at, n.id LIMIT @take
                FOR UPDATE OF n SKIP LOCKED)
            UPDATE notification n SET attempts = n.attempts + 1, next_attempt_at = @lease, last_attempt_at = @now
            FROM due, notification_subscription s, event_log e
            WHERE n.id = due.id AND s.id = n.subscription_id AND e.district_code = n.district_code AND e.seq = n.seq
            RETURNING n.id, n.kind, n.attempts, n.subscription_id, s.url, s.format, s.secret_sealed,
                      e.district_code, e.seq, e.unit_code, e.type, e.occurred_at, e.payload::text
            """);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("lease", leaseEnds);
        command.Parameters.AddWithValue("take", take);
        return await command.ReadAllAsync(r => new ClaimedNotification(
            r.GetInt64(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetString(4), r.GetString(5),
            r.IsDBNull(6) ? null : cipher.Decrypt(r.GetFieldValue<byte[]>(6)),
            r.GetString(7), r.GetInt64(8), r.GetString(9), r.GetString(10), r.GetFieldValue<DateTimeOffset>(11), r.GetString(12)), cancellationToken);
    }

    /// <summary>The earliest time a pending notification of an enabled subscription is due; null when none waits.</summary>
    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT min(n.next_attempt_at) FROM notification n JOIN notification_subscription s ON s.id = n.subscription_id
            WHERE n.state = 'pending' AND NOT s.disabled
            """);
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
    }

    /// <summary>The attempt was answered 2xx: delivered.</summary>
    public async Task DeliveredAsync(long id, DateTimeOffset at, int status, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE notification SET state = 'delivered', delivered_at = @at, last_status = @status, last_error = NULL WHERE id = @id AND state = 'pending'");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("at", at);
        command.Parameters.AddWithValue("status", status);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The attempt failed: retried at <paramref name="retryAt"/>, or dead-lettered when it was attempt <paramref name="maxAttempts"/>.
    /// Returns whether it is dead now.
    /// </summary>
    public async Task<bool> FailedAsync(long id, int? status, string error, DateTimeOffset retryAt, int maxAttempts, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE notification SET state = CASE WHEN attempts >= @max THEN 'dead' ELSE 'pending' END,
                                    next_attempt_at = @retry, last_status = @status, last_error = @error
            WHERE id = @id AND state = 'pending'
            RETURNING state = 'dead'
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("max", maxAttempts);
        command.Parameters.AddWithValue("retry", retryAt);
        command.Parameters.AddWithValue("status", (object?)status ?? DBNull.Value);
        command.Parameters.AddWithValue("error", error.Length > 500 ? error[..500] : error);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>
    /// Sends a dead-lettered notification again from a fresh count, due now; false when it is not dead (delivered, or still
    /// being tried).
    /// </summary>
    public static async Task<bool> RetryAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "UPDATE notification SET state = 'pending', attempts = 0, next_attempt_at = @now WHERE id = @id AND state = 'dead'", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("now", now);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>One notification with its subscription's unit (who may see it); null when there is none.</summary>
    public async Task<(NotificationDelivery Delivery, string SubscriptionUnit)?> FindDeliveryAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {DeliveryColumns}, s.unit_code FROM notification n JOIN notification_subscription s ON s.id = n.subscription_id WHERE n.id = @id");
        command.Parameters.AddWithValue("id", id);
        var rows = await command.ReadAllAsync(r => (ReadDelivery(r), r.GetString(17)), cancellationToken);
        return rows.Count == 0 ? null : rows[0];
    }

    private static NotificationSubscription ReadSubscription(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetFieldValue<string[]>(3), r.GetString(4), r.GetString(5), r.GetBoolean(6), r.GetBoolean(7),
        r.GetFieldValue<DateTimeOffset>(8), r.GetString(9));

    private static NotificationDelivery ReadDelivery(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7), r.GetInt64(8),
        r.GetString(9), r.GetInt32(10), r.GetFieldValue<DateTimeOffset>(11), r.NullableTime(12), r.IsDBNull(13) ? null : r.GetInt32(13),
        r.NullableString(14), r.NullableTime(15), r.NullableTime(16));
}

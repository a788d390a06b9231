using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using OpsCentre.Database.Operations;
using OpsCentre.Database.Registries;

namespace OpsCentre.Database.Collections;

/// <summary>The states of a collection record: pending review, approved (applied to its registry) or rejected (changed nothing).</summary>
public static class CollectionStates
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";

    public static IReadOnlyList<string> All { get; } = [Pending, Approved, Rejected];
}

/// <summary>What a collection asks of its registry: a new row, a change to a row, or a row ended (moved out, closed, removed).</summary>
public static class CollectionActions
{
    public const string Create = "create";
    public const string Update = "update";
    public const string End = "end";

    public static IReadOnlyList<string> All { get; } = [Create, Update, End];
}

/// <summary>
/// 采集记录: one change a grid worker collected in the field, as it was collected — who (the worker and their phone), when (the
/// device's time), where (the worker's grid), which registry and row, and the data — with its review.
/// </summary>
public sealed record CollectionRecord(
    string Id, string UnitCode, string Registry, string Action, string? RecordId, JsonObject Data, string WorkerId, string DeviceId, string OpId,
    DateTimeOffset CollectedAt, DateTimeOffset ReceivedAt, string State, string? ReviewedBy, DateTimeOffset? ReviewedAt, string? Note, string? Refusal,
    string? CaseId, string Channel = CollectionChannels.Device, string? PaperForm = null, string? EnteredBy = null);

/// <summary>How a collection reached the system: from a worker's phone, or typed in afterwards from a paper form (人+纸).</summary>
public static class CollectionChannels
{
    public const string Device = "device";
    public const string Paper = "paper";
}

/// <summary>
/// A paper record typed in afterwards (人+纸): by whom (<c>EnteredBy</c>, community staff), from which form, the date the paper
/// bears (<c>CollectedAt</c>) and the worker who wrote it (<c>WorkerId</c>), in the worker's grid.
/// </summary>
public sealed record PaperSubmission(
    string OpId, string Registry, string Action, string? RecordId, JsonObject Data, string WorkerId, string UnitCode, DateTimeOffset CollectedAt,
    string PaperForm, string EnteredBy);

/// <summary>A collection as the phone sent it, with the device's identity and the worker's grid it belongs to.</summary>
public sealed record CollectionSubmission(
    string OpId, string Registry, string Action, string? RecordId, JsonObject Data, string WorkerId, string DeviceId, string UnitCode, DateTimeOffset CollectedAt);

/// <summary>Where a registry row lies: its grid, and a component's position and code.</summary>
public sealed record RegistryRowPlace(string UnitCode, double? Lat, double? Lon, string? Code);

/// <summary>The answer to a submission: fresh (stored now), replay (the same opId and body came before: the first record), or reused (422).</summary>
public readonly record struct CollectionSubmitted(ClaimOutcome Outcome, CollectionRecord? Record);

/// <summary>
/// The collection records (<c>collection_record</c>): stored under the device's opId in the transaction that claims it in the
/// operation ledger, so a phone sending its queue again finds the same record; listed by unit for review; locked and marked
/// by the review, in the review's own transaction.
/// </summary>
public sealed class CollectionRecords(NpgsqlDataSource db, RegistryReader registries, PersonalDataCipher cipher, TimeProvider clock)
{
    private const string Columns =
        "id, unit_code, registry, action, record_id, data::text, worker_id, device_id, op_id, collected_at, received_at, state, reviewed_by, reviewed_at, note, refusal, case_id, sealed, "
        + "channel, paper_form, entered_by";

    /// <summary>The device id of a paper record: none took part.</summary>
    public const string PaperDevice = "paper";

    private readonly SemaphoreSlim _sealing = new(1, 1);
    private volatile bool _sealed;

    /// <summary>The ledger's caller for a device's writes: the device itself, whose opIds these are.</summary>
    public static string Caller(string deviceId) => "device:" + deviceId;

    public async Task<CollectionSubmitted> SubmitAsync(CollectionSubmission submission, CancellationToken ct)
    {
        await SealStoredAsync(ct);
        var now = clock.GetUtcNow();
        var operation = new Operation(Caller(submission.DeviceId), submission.OpId, "collection.submit", OperationIds.Hash(
            submission.Registry, submission.Action, submission.RecordId, OperationIds.Json(submission.Data.ToJsonString()), submission.CollectedAt));
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var claim = await OperationLedger.ClaimAsync(connection, transaction, operation, "col-" + Guid.CreateVersion7(now).ToString("N"), ct);
        if (claim.Outcome == ClaimOutcome.Reused)
        {
            return new(ClaimOutcome.Reused, null);
        }

        if (claim.Outcome == ClaimOutcome.Fresh)
        {
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO collection_record (id, unit_code, registry, action, record_id, data, sealed, worker_id, device_id, op_id, collected_at, received_at)
                VALUES (@id, @unit, @registry, @action, @record, @data::jsonb, @sealed, @worker, @device, @op, @collected, @received)
                """, connection, transaction);
            insert.Parameters.AddWithValue("id", claim.ResultId);
            insert.Parameters.AddWithValue("unit", submission.UnitCode);
            insert.Parameters.AddWithValue("registry", submission.Registry);
            insert.Parameters.AddWithValue("action", submission.Action);
            insert.Parameters.AddWithValue("record", (object?)submission.RecordId ?? DBNull.Value);
            var (open, sealedValue) = Seal(submission.Registry, submission.Data);
            insert.Parameters.AddWithValue("data", open.ToJsonString());
            insert.Parameters.AddWithValue("sealed", NpgsqlDbType.Bytea, (object?)sealedValue ?? DBNull.Value);
            insert.Parameters.AddWithValue("worker", submission.WorkerId);
            insert.Parameters.AddWithValue("device", submission.DeviceId);
            insert.Parameters.AddWithValue("op", submission.OpId);
            insert.Parameters.AddWithValue("collected", submission.CollectedAt);
            insert.Parameters.AddWithValue("received", now);
            await insert.ExecuteNonQueryAsync(ct);
        }

        var record = await ReadAsync(connection, transaction, claim.ResultId, forUpdate: false, ct)
            ?? throw new InvalidOperationException("a claimed collection has no record");
        await transaction.CommitAsync(ct);
        return new(claim.Outcome, record);
    }

    /// <summary>The ledger's caller for a paper record typed in by an operator: the operator, whose opIds these are.</summary>
    public static string PaperCaller(string username) => "operator:" + username;

    /// <summary>
    /// Stores a paper record typed in afterwards (人+纸) as a pending collection — channel <c>paper</c>, the form's number, who
    /// typed it, the date on the paper as <c>collected_at</c> — under the operator's opId, reviewed like a phone's.
    /// </summary>
    public async Task<CollectionSubmitted> SubmitPaperAsync(PaperSubmission paper, CancellationToken ct)
    {
        await SealStoredAsync(ct);
        var now = clock.GetUtcNow();
        var operation = new Operation(PaperCaller(paper.EnteredBy), paper.OpId, "collection.paper", OperationIds.Hash(
            paper.Registry, paper.Action, paper.RecordId, OperationIds.Json(paper.Data.ToJsonString()), paper.CollectedAt, paper.WorkerId, paper.UnitCode, paper.PaperForm));
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var claim = await OperationLedger.ClaimAsync(connection, transaction, operation, "col-" + Guid.CreateVersion7(now).ToString("N"), ct);
        if (claim.Outcome == ClaimOutcome.Reused)
        {
            return new(ClaimOutcome.Reused, null);
        }

        if (claim.Outcome == ClaimOutcome.Fresh)
        {
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO collection_record (id, unit_code, registry, action, record_id, data, sealed, worker_id, device_id, op_id, collected_at, received_at,
                                               channel, paper_form, entered_by)
                VALUES (@id, @unit, @registry, @action, @record, @data::jsonb, @sealed, @worker, @device, @op, @collected, @received, 'paper', @form, @entered)
                """, connection, transaction);
            insert.Parameters.AddWithValue("id", claim.ResultId);
            insert.Parameters.AddWithValue("unit", paper.UnitCode);
            insert.Parameters.AddWithValue("registry", paper.Registry);
            insert.Parameters.AddWithValue("action", paper.Action);
            insert.Parameters.AddWithValue("record", (object?)paper.RecordId ?? DBNull.Value);
            var (open, sealedValue) = Seal(paper.Registry, paper.Data);
            insert.Parameters.AddWithValue("data", open.ToJsonString());
            insert.Parameters.AddWithValue("sealed", NpgsqlDbType.Bytea, (object?)sealedValue ?? DBNull.Value);
            insert.Parameters.AddWithValue("worker", paper.WorkerId);
            insert.Parameters.AddWithValue("device", PaperDevice);
            insert.Parameters.AddWithValue("op", paper.OpId);
            insert.Parameters.AddWithValue("collected", paper.CollectedAt.ToUniversalTime());
            insert.Parameters.AddWithValue("received", now);
            insert.Parameters.AddWithValue("form", paper.PaperForm);
            insert.Parameters.AddWithValue("entered", paper.EnteredBy);
            await insert.ExecuteNonQueryAsync(ct);
        }

        var record = await ReadAsync(connection, transaction, claim.ResultId, forUpdate: false, ct)
            ?? throw new InvalidOperationException("a claimed collection has no record");
        await transaction.CommitAsync(ct);
        return new(claim.Outcome, record);
    }

    public async Task<CollectionRecord?> FindAsync(string id, CancellationToken ct)
    {
        await SealStoredAsync(ct);
        await using var connection = await db.OpenConnectionAsync(ct);
        return await ReadAsync(connection, null, id, forUpdate: false, ct);
    }

    /// <summary>The record, locked for the rest of the review's transaction; null when there is none.</summary>
    public Task<CollectionRecord?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, CancellationToken ct) =>
        ReadAsync(connection, transaction, id, forUpdate: true, ct);

    /// <summary>The records within <paramref name="unitScope"/> in <paramref name="state"/> (all states when null), oldest first, after the id <paramref name="after"/>.</summary>
    public async Task<List<CollectionRecord>> ListAsync(string unitScope, string? state, string? after, int limit, CancellationToken ct)
    {
        await SealStoredAsync(ct);
        await using var command = db.CreateCommand(
            $"""
            SELECT {Columns} FROM collection_record
            WHERE unit_code LIKE @scope || '%' AND (@state::text IS NULL OR state = @state) AND id > @after
            ORDER BY id LIMIT @limit
            """);
        command.Parameters.AddWithValue("scope", unitScope);
        command.Parameters.AddWithValue("state", NpgsqlDbType.Text, (object?)state ?? DBNull.Value);
        command.Parameters.AddWithValue("after", after ?? "");
        command.Parameters.AddWithValue("limit", limit);
        var rows = new List<CollectionRecord>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(Read(reader));
        }

        return rows;
    }

    /// <summary>Writes a review's outcome onto the locked record: its state, reviewer and note, the registry row, a refusal, the case.</summary>
    public static async Task MarkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CollectionRecord marked, CancellationToken ct)
    {
        await using var update = new NpgsqlCommand(
            """
            UPDATE collection_record SET state = @state, reviewed_by = @by, reviewed_at = @at, note = @note, record_id = @record, refusal = @refusal, case_id = @case
            WHERE id = @id
            """, connection, transaction);
        update.Parameters.AddWithValue("id", marked.Id);
        update.Parameters.AddWithValue("state", marked.State);
        update.Parameters.AddWithValue("by", NpgsqlDbType.Text, (object?)marked.ReviewedBy ?? DBNull.Value);
        update.Parameters.AddWithValue("at", NpgsqlDbType.TimestampTz, (object?)marked.ReviewedAt ?? DBNull.Value);
        update.Parameters.AddWithValue("note", NpgsqlDbType.Text, (object?)marked.Note ?? DBNull.Value);
        update.Parameters.AddWithValue("record", NpgsqlDbType.Text, (object?)marked.RecordId ?? DBNull.Value);
        update.Parameters.AddWithValue("refusal", NpgsqlDbType.Text, (object?)marked.Refusal ?? DBNull.Value);
        update.Parameters.AddWithValue("case", NpgsqlDbType.Text, (object?)marked.CaseId ?? DBNull.Value);
        await update.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Names the case opened for an approved record (after the case's own transaction): once, a repeated naming changes nothing.</summary>
    public async Task NameCaseAsync(string id, string caseId, CancellationToken ct)
    {
        await using var update = db.CreateCommand("UPDATE collection_record SET case_id = @case WHERE id = @id AND case_id IS NULL");
        update.Parameters.AddWithValue("id", id);
        update.Parameters.AddWithValue("case", caseId);
        await update.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Where a live registry row lies (its grid) and, for a component, its position and code: what a collection about the row
    /// is checked against, and where the case of a broken component is opened. Null for an unknown or removed row.
    /// </summary>
    public async Task<RegistryRowPlace?> RegistryRowAsync(string registry, string id, CancellationToken ct)
    {
        if (RegistryFields.Of(registry) is not { } table)
        {
            return null;
        }

        await using var connection = await db.OpenConnectionAsync(ct);
        return await registries.FindAsync(connection, null, table, id, ct) is { RemovedAt: null } row
            ? new RegistryRowPlace(row.UnitCode, Number(row.Fields, "lat"), Number(row.Fields, "lon"), row.Fields["code"]?.GetValue<string>())
            : null;
    }

    private static double? Number(JsonObject fields, string name) => fields[name] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    private async Task<CollectionRecord?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string id, bool forUpdate, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT {Columns} FROM collection_record WHERE id = @id" + (forUpdate ? " FOR UPDATE" : ""), connection, transaction);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    private CollectionRecord Read(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
        Open(JsonNode.Parse(r.GetString(5))!.AsObject(), r.IsDBNull(17) ? null : r.GetFieldValue<byte[]>(17)), r.GetString(6), r.GetString(7), r.GetString(8),
        r.GetFieldValue<DateTimeOffset>(9), r.GetFieldValue<DateTimeOffset>(10), r.GetString(11),
        r.IsDBNull(12) ? null : r.GetString(12), r.IsDBNull(13) ? null : r.GetFieldValue<DateTimeOffset>(13),
        r.IsDBNull(14) ? null : r.GetString(14), r.IsDBNull(15) ? null : r.GetString(15), r.IsDBNull(16) ? null : r.GetString(16),
        r.GetString(18), r.IsDBNull(19) ? null : r.GetString(19), r.IsDBNull(20) ? null : r.GetString(20));

    /// <summary>The fields of <paramref name="registry"/> that are kept only encrypted (<see cref="RegistryFieldKind.Sealed"/>: a person's ID number and phone).</summary>
    private static IEnumerable<string> SealedFields(string registry) =>
        RegistryFields.Of(registry) is { } table ? table.Fields.Where(f => f.Kind == RegistryFieldKind.Sealed).Select(f => f.Name) : [];

    /// <summary>
    /// The collected data split for storing: what stays readable in <c>data</c>, and the registry's sealed fields as one JSON object
    /// encrypted with <see cref="PersonalDataCipher"/> (null when the data holds none).
    /// </summary>
    private (JsonObject Open, byte[]? Sealed) Seal(string registry, JsonObject data)
    {
        var open = (JsonObject)data.DeepClone();
        var hidden = new JsonObject();
        foreach (var name in SealedFields(registry))
        {
            if (open.Remove(name, out var value))
            {
                hidden[name] = value;
            }
        }

        return (open, hidden.Count == 0 ? null : cipher.Encrypt(hidden.ToJsonString()));
    }

    /// <summary>The collected data as it was sent: the readable part with the sealed fields opened back in.</summary>
    private JsonObject Open(JsonObject data, byte[]? sealedValue)
    {
        if (sealedValue is null)
        {
            return data;
        }

        foreach (var (name, value) in JsonNode.Parse(cipher.Decrypt(sealedValue))!.AsObject().ToList())
        {
            data[name] = value?.DeepClone();
        }

        return data;
    }

    /// <summary>
    /// Seals the records stored before the sealed column (migration 0028 cannot: the key is not in the database), once per process at
    /// the store's first use: every row whose <c>data</c> still holds a sealed field in clear is rewritten, each under a row lock so a
    /// concurrent review reads it whole, old or new. Idempotent: a row sealed holds no such field any more.
    /// </summary>
    public async Task SealStoredAsync(CancellationToken ct)
    {
        if (_sealed)
        {
            return;
        }

        await _sealing.WaitAsync(ct);
        try
        {
            if (_sealed)
            {
                return;
            }

            foreach (var registry in RegistryNames.All.Where(r => SealedFields(r).Any()))
            {
                var fields = SealedFields(registry).ToArray();
                await using var connection = await db.OpenConnectionAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                await using var select = new NpgsqlCommand(
                    "SELECT id, data::text, sealed FROM collection_record WHERE registry = @registry AND data ?| @fields FOR UPDATE", connection, transaction);
                select.Parameters.AddWithValue("registry", registry);
                select.Parameters.AddWithValue("fields", fields);
                var rows = new List<(string Id, JsonObject Data, byte[]? Sealed)>();
                await using (var reader = await select.ExecuteReaderAsync(ct))
                {
                    while (await reader.ReadAsync(ct))
                    {
                        rows.Add((reader.GetString(0), JsonNode.Parse(reader.GetString(1))!.AsObject(), reader.IsDBNull(2) ? null : reader.GetFieldValue<byte[]>(2)));
                    }
                }

                foreach (var (id, data, sealedValue) in rows)
                {
                    var (open, resealed) = Seal(registry, Open(data, sealedValue));
                    await using var update = new NpgsqlCommand("UPDATE collection_record SET data = @data::jsonb, sealed = @sealed WHERE id = @id", connection, transaction);
                    update.Parameters.AddWithValue("id", id);
                    update.Parameters.AddWithValue("data", open.ToJsonString());
                    update.Parameters.AddWithValue("sealed", NpgsqlDbType.Bytea, (object?)resealed ?? DBNull.Value);
                    await update.ExecuteNonQueryAsync(ct);
                }

                await transaction.CommitAsync(ct);
            }

            _sealed = true;
        }
        finally
        {
            _sealing.Release();
        }
    }
}

using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using OpsCentre.Database;
using OpsCentre.Database.Operations;

namespace OpsCentre.Grains.Imports;

/// <summary>A queued job taken by a runner: what it needs to run.</summary>
public sealed record ClaimedJob(Guid Id, string Kind, string Unit, string CallerUnit, byte[] Content, string SubmittedBy = "", string? Source = null);

/// <summary>
/// The import jobs in PostgreSQL (<c>import_job</c>): submitted under the caller's operation id (the one ledger), taken by a
/// runner, renewed while they run, finished once. A job is only ever finished by the runner that holds it, so a job its
/// runner lost (its gateway died, and <see cref="FailAbandonedAsync"/> failed it) cannot be finished a second time.
/// </summary>
public sealed class ImportJobStore(NpgsqlDataSource db)
{
    /// <summary>The most refused lines a job keeps (and shows); <c>rejected</c> counts them all.</summary>
    public const int MaxErrors = 100;

    private const string Columns =
        "id, kind, unit_code, state, file_name, submitted_by, submitted_at, started_at, finished_at, rows_read, accepted, rejected, errors::text, failure, added, updated, ended, unchanged, source";

    /// <summary>
    /// Queues a file as a job under the caller's operation id: <see cref="ClaimOutcome.Fresh"/> with the new job,
    /// <see cref="ClaimOutcome.Replay"/> with the job the same request made before, <see cref="ClaimOutcome.Reused"/> (and
    /// no job) for the same id with another file. With <paramref name="runner"/>, a fresh job is not queued but taken by that
    /// runner at once (a tool that runs its own imports, such as <c>CityGen</c>).
    /// </summary>
    public async Task<(ClaimOutcome Outcome, ImportJob? Job)> SubmitAsync(ImportSubmission submission, DateTimeOffset now, CancellationToken ct = default, string? runner = null)
    {
        var hash = Sha256(submission.Content);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var claim = await OperationLedger.ClaimAsync(connection, transaction,
            new Operation(submission.SubmittedBy, submission.OpId, "import." + submission.Kind, submission.Source is { } source ? OperationIds.Hash(submission.Kind, submission.Unit, hash, source) : OperationIds.Hash(submission.Kind, submission.Unit, hash)),
            Guid.CreateVersion7(now).ToString(), ct);
        if (claim.Outcome == ClaimOutcome.Reused)
        {
            return (ClaimOutcome.Reused, null);
        }

        var id = Guid.Parse(claim.ResultId);
        if (claim.Outcome == ClaimOutcome.Fresh)
        {
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO import_job (id, kind, unit_code, caller_unit, state, file_name, file_sha256, content, submitted_by, submitted_at,
                                        runner, started_at, heartbeat_at, source)
                VALUES (@id, @kind, @unit, @caller, CASE WHEN @runner::text IS NULL THEN 'queued' ELSE 'running' END, @name, @hash, @content, @by, @at,
                        @runner, CASE WHEN @runner::text IS NOT NULL THEN @at END, CASE WHEN @runner::text IS NOT NULL THEN @at END, @source)
                """, connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter("runner", NpgsqlDbType.Text) { Value = (object?)runner ?? DBNull.Value });
            insert.Parameters.Add(new NpgsqlParameter("source", NpgsqlDbType.Text) { Value = (object?)submission.Source ?? DBNull.Value });
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("kind", submission.Kind);
            insert.Parameters.AddWithValue("unit", submission.Unit);
            insert.Parameters.AddWithValue("caller", submission.CallerUnit);
            insert.Parameters.AddWithValue("name", submission.FileName);
            insert.Parameters.AddWithValue("hash", hash);
            insert.Parameters.AddWithValue("content", submission.Content);
            insert.Parameters.AddWithValue("by", submission.SubmittedBy);
            insert.Parameters.AddWithValue("at", now.ToUniversalTime());
            await insert.ExecuteNonQueryAsync(ct);
        }

        var job = await FindAsync(connection, transaction, id, ct);
        await transaction.CommitAsync(ct);
        return (claim.Outcome, job);
    }

    public async Task<ImportJob?> FindAsync(Guid id, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await FindAsync(connection, null, id, ct);
    }

    /// <summary>Jobs whose unit lies within <paramref name="unitPrefix"/>, newest first, after the job <paramref name="after"/>.</summary>
    public async Task<List<ImportJob>> PageAsync(string unitPrefix, Guid? after, int take, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            $"SELECT {Columns} FROM import_job WHERE unit_code LIKE @prefix AND (@after::uuid IS NULL OR id < @after) ORDER BY id DESC LIMIT @take");
        command.Parameters.AddWithValue("prefix", unitPrefix + "%");
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Uuid) { Value = after is { } a ? a : DBNull.Value });
        command.Parameters.AddWithValue("take", take);
        return await command.ReadAllAsync(Read, ct);
    }

    /// <summary>Takes the oldest queued job for <paramref name="runner"/>, or null when none waits (concurrent runners take different ones).</summary>
    public async Task<ClaimedJob?> TakeNextAsync(string runner, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            """
            UPDATE import_job SET state = 'running', runner = @runner, started_at = @now, heartbeat_at = @now
            WHERE id = (SELECT id FROM import_job WHERE state = 'queued' ORDER BY submitted_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id, kind, unit_code, caller_unit, content, submitted_by, source
            """);
        command.Parameters.AddWithValue("runner", runner);
        command.Parameters.AddWithValue("now", now.ToUniversalTime());
        var taken = await command.ReadAllAsync(r => new ClaimedJob(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), (byte[])r[4], r.GetString(5), r.NullableString(6)), ct);
        return taken.SingleOrDefault();
    }

    /// <summary>The runner is alive and has got this far; false when the job is no longer its own.</summary>
    public async Task<bool> RenewAsync(Guid id, string runner, (int RowsRead, int Accepted, int Rejected) progress, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            """
            UPDATE import_job SET heartbeat_at = @now, rows_read = @read, accepted = @accepted, rejected = @rejected
            WHERE id = @id AND runner = @runner AND state = 'running'
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("runner", runner);
        command.Parameters.AddWithValue("now", now.ToUniversalTime());
        command.Parameters.AddWithValue("read", progress.RowsRead);
        command.Parameters.AddWithValue("accepted", progress.Accepted);
        command.Parameters.AddWithValue("rejected", progress.Rejected);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// Ends a job with its outcome — in the transaction of its writes, when it succeeded, so the data and the job's
    /// "succeeded" commit together. False when the job is no longer the runner's: the caller then rolls its writes back.
    /// </summary>
    public static async Task<bool> FinishAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, string runner, ImportOutcome outcome,
        string? failure, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            UPDATE import_job SET state = @state, finished_at = @now, heartbeat_at = @now, content = NULL, failure = @failure,
                   rows_read = @read, accepted = @accepted, rejected = @rejected, errors = @errors::jsonb,
                   added = @added, updated = @updated, ended = @ended, unchanged = @unchanged
            WHERE id = @id AND runner = @runner AND state = 'running'
            """, connection, transaction);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("runner", runner);
        command.Parameters.AddWithValue("state", failure is null && outcome.Succeeded ? ImportStates.Succeeded : ImportStates.Failed);
        command.Parameters.AddWithValue("now", now.ToUniversalTime());
        command.Parameters.Add(new NpgsqlParameter("failure", NpgsqlDbType.Text) { Value = (object?)failure ?? DBNull.Value });
        command.Parameters.AddWithValue("read", outcome.RowsRead);
        command.Parameters.AddWithValue("accepted", outcome.Accepted);
        command.Parameters.AddWithValue("rejected", outcome.Rejected);
        command.Parameters.AddWithValue("errors", JsonSerializer.Serialize(outcome.Errors.Take(MaxErrors), JsonOptions));
        command.Parameters.AddWithValue("added", outcome.Changes.Added);
        command.Parameters.AddWithValue("updated", outcome.Changes.Updated);
        command.Parameters.AddWithValue("ended", outcome.Changes.Ended);
        command.Parameters.AddWithValue("unchanged", outcome.Changes.Unchanged);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Ends a job that failed as a whole (not by its lines), outside any import transaction.</summary>
    public async Task FailAsync(Guid id, string runner, string failure, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await FinishAsync(connection, null, id, runner, new ImportOutcome(0, 0, [], ImportChanges.None), failure, now, ct);
    }

    /// <summary>Gives a job back to the queue (its runner is stopping): another runner, or the same after its restart, takes it.</summary>
    public async Task RequeueAsync(Guid id, string runner, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            "UPDATE import_job SET state = 'queued', runner = NULL, started_at = NULL, heartbeat_at = NULL WHERE id = @id AND runner = @runner AND state = 'running'");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("runner", runner);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Fails the running jobs whose runner has not renewed them since <paramref name="silentSince"/> (its process died): their
    /// writes were never committed, so nothing of them was imported. Returns how many.
    /// </summary>
    public async Task<int> FailAbandonedAsync(DateTimeOffset silentSince, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            """
            UPDATE import_job SET state = 'failed', finished_at = @now, content = NULL,
                   failure = 'the process running this import stopped before it finished; nothing was imported — submit the file again'
            WHERE state = 'running' AND heartbeat_at < @since
            """);
        command.Parameters.AddWithValue("since", silentSince.ToUniversalTime());
        command.Parameters.AddWithValue("now", now.ToUniversalTime());
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Whether a file of this kind and content was imported into this unit with success before (what <c>CityGen ensure</c> skips).</summary>
    public async Task<bool> SucceededBeforeAsync(string kind, string unit, byte[] content, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM import_job WHERE kind = @kind AND file_sha256 = @hash AND unit_code = @unit AND state = 'succeeded')");
        command.Parameters.AddWithValue("kind", kind);
        command.Parameters.AddWithValue("hash", Sha256(content));
        command.Parameters.AddWithValue("unit", unit);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    private static async Task<ImportJob?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM import_job WHERE id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        return (await command.ReadAllAsync(Read, ct)).SingleOrDefault();
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private static ImportJob Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetFieldValue<DateTimeOffset>(6),
        r.NullableTime(7), r.NullableTime(8), r.GetInt32(9), r.GetInt32(10), r.GetInt32(11),
        JsonSerializer.Deserialize<List<ImportError>>(r.GetString(12), JsonOptions) ?? [], r.NullableString(13),
        new ImportChanges(r.GetInt32(14), r.GetInt32(15), r.GetInt32(16), r.GetInt32(17))) { Source = r.NullableString(18) };
}

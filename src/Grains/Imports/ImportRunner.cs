using Microsoft.Extensions.Logging;
using Npgsql;
using OpsCentre.Database.Operations;
using OpsCentre.Database.Registries;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Registries;
using OpsCentre.Grains.Rosters;

namespace OpsCentre.Grains.Imports;

/// <summary>
/// Runs one import job: the kind's importer validates the whole file and writes it in one transaction, which also marks
/// the job succeeded — or, with one refused line, writes nothing and the job fails with every line and reason. While it
/// runs, the job is renewed with its progress, so a console sees lines read and a runner that died is told from one that
/// is busy. The one path every import takes: the gateways' background worker and <c>CityGen</c> alike.
/// </summary>
public sealed partial class ImportRunner(NpgsqlDataSource db, ImportJobStore jobs, TimeProvider clock, ILogger<ImportRunner> logger)
{
    /// <summary>How often a running job is renewed (progress and heartbeat).</summary>
    public TimeSpan RenewEvery { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>This process as a runner: host, process and a random part, so a restarted process is another runner.</summary>
    public string Name { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>The registries' write path and the key of their personal identifiers, for the registries' files; without them a registry's job fails.</summary>
    public (RegistryWriter Writer, PersonalDataCipher Cipher)? Registries { get; init; }

    /// <summary>
    /// Told, after a job's transaction is committed, the grids whose registry dues it may have changed
    /// (<see cref="ImportOutcome.Grids"/>): the gateway has each grid's <c>IRegistryDuesGrain</c> count again, so the tiles
    /// follow an import at once without any scan of all grids. A failure here is logged; the import stands.
    /// </summary>
    public Func<IReadOnlyCollection<string>, Task>? Committed { get; init; }

    public IImporter ImporterOf(string kind) => kind switch
    {
        ImportKinds.Divisions => new DivisionsImporter(),
        ImportKinds.Map => new MapImporter(),
        ImportKinds.Workers => RosterImporter.Workers,
        ImportKinds.KeyPersons => RosterImporter.KeyPersons,
        _ when RegistryNames.IsKnown(kind) && Registries is var (writer, cipher) => new RegistryImporter(kind, writer, cipher),
        _ => throw new ArgumentException($"no importer for '{kind}' in this process", nameof(kind)),
    };

    /// <summary>
    /// Submits a file and runs it here and now, not through the queue (a tool's own import): the same job row, ledger claim
    /// and importer as over HTTP. The same operation id again answers the job it made, without running anything.
    /// </summary>
    public async Task<ImportJob> SubmitAndRunAsync(ImportSubmission submission, CancellationToken ct = default)
    {
        var (outcome, job) = await jobs.SubmitAsync(submission, clock.GetUtcNow(), ct, runner: Name);
        if (outcome == ClaimOutcome.Reused)
        {
            throw new InvalidOperationException($"operation id {submission.OpId} was used for another file");
        }

        return outcome == ClaimOutcome.Fresh
            ? await RunAsync(new ClaimedJob(job!.Id, submission.Kind, submission.Unit, submission.CallerUnit, submission.Content, submission.SubmittedBy, submission.Source), ct)
            : job!;
    }

    /// <summary>Runs a job this runner holds to its end; answers the job as it ended. Cancelled (the process stopping), the job goes back to the queue.</summary>
    public async Task<ImportJob> RunAsync(ClaimedJob job, CancellationToken ct)
    {
        var progress = new ImportProgress();
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var renewal = RenewAsync(job.Id, progress, renewing.Token);
        try
        {
            await RunImportAsync(job, progress, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            LogRequeued(job.Id);
            await jobs.RequeueAsync(job.Id, Name, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Nothing was committed: the transaction went with the exception. The job says why, the log says more; a job
            // never takes its process down (an unhandled exception in a background service stops the host).
            LogFailed(ex, job.Id, job.Kind);
            await jobs.FailAsync(job.Id, Name, "the import could not be completed (an error on the server's side, in its log with the job's id); nothing was imported", clock.GetUtcNow(), CancellationToken.None);
        }
        finally
        {
            await renewing.CancelAsync();
            await renewal;
        }

        return (await jobs.FindAsync(job.Id, CancellationToken.None))!;
    }

    private async Task RunImportAsync(ClaimedJob job, ImportProgress progress, CancellationToken ct)
    {
        var input = new ImportInput(job.Id, job.Kind, job.Unit, job.CallerUnit, job.Content, clock.GetUtcNow(), job.SubmittedBy, job.Source);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var serialise = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            serialise.Parameters.AddWithValue("key", ImportKinds.LockOf(job.Kind));
            await serialise.ExecuteNonQueryAsync(ct);
        }

        var outcome = await ImporterOf(job.Kind).RunAsync(input, connection, transaction, progress, ct);
        progress.Report(outcome.RowsRead, outcome.Accepted, outcome.Rejected);
        if (!outcome.Succeeded)
        {
            await transaction.RollbackAsync(ct);
            await ImportJobStore.FinishAsync(connection, null, job.Id, Name, outcome, Failure(outcome), clock.GetUtcNow(), ct);
            return;
        }

        if (await ImportJobStore.FinishAsync(connection, transaction, job.Id, Name, outcome, null, clock.GetUtcNow(), ct))
        {
            await transaction.CommitAsync(ct);
            await TellCommittedAsync(job.Id, outcome.Grids);
        }
        else
        {
            // Failed as abandoned while it ran (its renewals were late): its writes go, so the job's word stands.
            await transaction.RollbackAsync(ct);
        }
    }

    private async Task TellCommittedAsync(Guid jobId, IReadOnlyCollection<string> grids)
    {
        if (Committed is null || grids.Count == 0)
        {
            return;
        }

        try
        {
            await Committed(grids);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The dues count again by their own timer or reminder; the job succeeded all the same.
            LogCommittedFailed(ex, jobId, grids.Count);
        }
    }

    private static string Failure(ImportOutcome outcome) =>
        $"{outcome.Rejected} line(s) refused; nothing was imported (the first: line {outcome.Errors[0].Line}{(outcome.Errors[0].Field is { } f ? ", " + f : "")}: {outcome.Errors[0].Reason})";

    private async Task RenewAsync(Guid id, ImportProgress progress, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(RenewEvery, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                await jobs.RenewAsync(id, Name, progress.Now, clock.GetUtcNow(), ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The job ended.
        }
        catch (NpgsqlException ex)
        {
            // Renewals stop; should the import still be running when the job is declared abandoned, its writes are rolled back.
            LogRenewalFailed(ex, id);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Import job {JobId} ({Kind}) failed")]
    private partial void LogFailed(Exception exception, Guid jobId, string kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import job {JobId} goes back to the queue: this process is stopping")]
    private partial void LogRequeued(Guid jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import job {JobId} committed; telling its {Grids} grid(s) to count their dues again failed")]
    private partial void LogCommittedFailed(Exception exception, Guid jobId, int grids);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Import job {JobId} could not be renewed")]
    private partial void LogRenewalFailed(Exception exception, Guid jobId);
}

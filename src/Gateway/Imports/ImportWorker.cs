using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using OpsCentre.Grains.Imports;

namespace OpsCentre.Gateway.Imports;

/// <summary>
/// The gateway's background runner of import jobs: <see cref="ImportOptions.Concurrency"/> loops each take the oldest
/// queued job (any gateway's: one whose gateway died before it started is not left waiting) and run it through
/// <see cref="ImportRunner"/>; a job this gateway accepted wakes a loop at once. Every poll also fails the running jobs
/// whose runner stopped renewing them, so no job stays "running" after its gateway died.
/// </summary>
public sealed partial class ImportWorker(ImportJobStore jobs, ImportRunner runner, IOptions<ImportOptions> options, TimeProvider clock, ILogger<ImportWorker> logger)
    : BackgroundService
{
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>A job was queued here: a loop looks at once rather than at its next poll.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.Concurrency).Select(_ => RunJobsAsync(stoppingToken)).Append(FailAbandonedAsync(stoppingToken)));

    private async Task RunJobsAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromSeconds(options.Value.PollSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await jobs.TakeNextAsync(runner.Name, clock.GetUtcNow(), stoppingToken) is { } job)
                {
                    var ended = await runner.RunAsync(job, stoppingToken);
                    LogJobEnded(ended.Id, ended.Kind, ended.State, ended.RowsRead, ended.Rejected);
                    Grains.OpsCentreMetrics.ImportJobEnded(ended.State);
                    continue;
                }

                using var idle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                idle.CancelAfter(poll);
                await _wake.Reader.ReadAsync(idle.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The poll interval passed without a wake-up: look again.
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                LogUnavailable(ex);
                await PauseAsync(poll, stoppingToken);
            }
            catch (Exception ex)
            {
                // Never let a loop end: an exception escaping a background service stops the gateway.
                LogLoopFailed(ex);
                await PauseAsync(poll, stoppingToken);
            }
        }
    }

    private async Task PauseAsync(TimeSpan pause, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(pause, clock, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the loop ends at its next check.
        }
    }

    private async Task FailAbandonedAsync(CancellationToken stoppingToken)
    {
        var silence = TimeSpan.FromSeconds(options.Value.AbandonedAfterSeconds);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.PollSeconds), clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var now = clock.GetUtcNow();
                    if (await jobs.FailAbandonedAsync(now - silence, now, stoppingToken) is > 0 and var failed)
                    {
                        LogAbandoned(failed);
                    }
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    LogUnavailable(ex);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogLoopFailed(ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The gateway is stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Import job {JobId} ({Kind}) ended {State}: {RowsRead} lines read, {Rejected} refused")]
    private partial void LogJobEnded(Guid jobId, string kind, string state, int rowsRead, int rejected);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} import job(s) failed as abandoned: their process stopped renewing them")]
    private partial void LogAbandoned(int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The import runner could not reach PostgreSQL; it tries again")]
    private partial void LogUnavailable(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The import runner failed; it tries again")]
    private partial void LogLoopFailed(Exception exception);
}

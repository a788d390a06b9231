using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orleans.Runtime;

namespace OpsCentre.Grains.Devices;

/// <summary>An accepted position, on its way to <c>device_track</c>.</summary>
public sealed record TrackPoint(string DeviceId, string SubjectId, long Seq, DateTimeOffset At, double Lat, double Lon, double? AccuracyM, DateTimeOffset ReceivedAt);

/// <summary>
/// Appends accepted positions to the daily partitions of <c>device_track</c> in batches (binary
/// COPY), so no status waits for a database write. Positions are live data: a crash loses at most
/// the last <see cref="FlushEvery"/>. One per silo.
/// </summary>
public sealed partial class TrackWriter(
    [FromKeyedServices(LiveState.Storage)] NpgsqlDataSource dataSource,
    IOptions<DeviceOptions> options,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock,
    Database.DatabaseHealth health,
    ILogger<TrackWriter> logger) : BackgroundService
{
    public static readonly TimeSpan FlushEvery = TimeSpan.FromMilliseconds(500);
    private const int MaxBatch = 5000;

    private readonly Channel<TrackPoint> _queue = Channel.CreateBounded<TrackPoint>(new BoundedChannelOptions(200_000)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    private readonly HashSet<DateOnly> _partitions = [];

    /// <summary>Queues a position; never blocks. Under sustained overload the oldest queued positions are dropped first.</summary>
    public void Enqueue(TrackPoint point) => _queue.Writer.TryWrite(point);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<TrackPoint>(MaxBatch);
        var nextRetention = DateTimeOffset.MinValue;
        while (await WaitAsync(stoppingToken))
        {
            if (clock.GetUtcNow() >= nextRetention)
            {
                nextRetention = clock.GetUtcNow().AddHours(1);
                await ApplyRetentionAsync();
            }

            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var point))
            {
                batch.Add(point);
            }

            try
            {
                if (batch.Count > 0)
                {
                    await WriteAsync(batch, CancellationToken.None);
                    batch.Clear();
                    health.Succeeded();
                }
            }
            catch (NpgsqlException ex)
            {
                // Kept for the next attempt; the bounded queue caps what waits meanwhile. An outage is
                // logged once, by the health tracker, not every half second with its stack trace.
                if (Database.DatabaseHealth.IsUnreachable(ex))
                {
                    health.Failed(ex);
                }
                else
                {
                    LogWriteFailed(ex, batch.Count);
                }

                await Task.Delay(FlushEvery, CancellationToken.None);
            }
        }

        await WriteAsync([.. batch, .. Drain()], CancellationToken.None);
    }

    /// <summary>Drops the daily partitions older than the retention period; returns how many.</summary>
    public async Task<int> ApplyRetentionAsync()
    {
        if (options.Value.TrackRetentionDays <= 0)
        {
            return 0;
        }

        try
        {
            await using var command = dataSource.CreateCommand("SELECT drop_track_partitions_before(@day)");
            command.Parameters.AddWithValue("day", DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(-options.Value.TrackRetentionDays));
            var dropped = (int)(await command.ExecuteScalarAsync())!;
            _partitions.RemoveWhere(d => d < DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(-options.Value.TrackRetentionDays));
            return dropped;
        }
        catch (NpgsqlException ex)
        {
            if (Database.DatabaseHealth.IsUnreachable(ex))
            {
                health.Failed(ex);
            }
            else
            {
                LogRetentionFailed(ex);
            }

            return 0;
        }
    }

    /// <summary>Writes what is queued now (tests and shutdown).</summary>
    public Task FlushAsync() => WriteAsync(Drain(), CancellationToken.None);

    private async Task<bool> WaitAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(FlushEvery, stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private List<TrackPoint> Drain()
    {
        var points = new List<TrackPoint>();
        while (_queue.Reader.TryRead(out var point))
        {
            points.Add(point);
        }

        return points;
    }

    private async Task WriteAsync(List<TrackPoint> points, CancellationToken cancellationToken)
    {
        if (points.Count == 0)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var day in points.Select(p => DateOnly.FromDateTime(p.At.UtcDateTime)).Distinct().Where(d => !_partitions.Contains(d)))
        {
            await using var ensure = new NpgsqlCommand("SELECT ensure_track_partition(@day)", connection);
            ensure.Parameters.AddWithValue("day", day);
            await ensure.ExecuteNonQueryAsync(cancellationToken);
            _partitions.Add(day);
        }

        await using var import = await connection.BeginBinaryImportAsync(
            "COPY device_track (device_id, subject_id, seq, at, lat, lon, accuracy_m, received_at) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var p in points)
        {
            await import.StartRowAsync(cancellationToken);
            await import.WriteAsync(p.DeviceId, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(p.SubjectId, NpgsqlDbType.Text, cancellationToken);
            await import.WriteAsync(p.Seq, NpgsqlDbType.Bigint, cancellationToken);
            await import.WriteAsync(p.At.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
            await import.WriteAsync(p.Lat, NpgsqlDbType.Double, cancellationToken);
            await import.WriteAsync(p.Lon, NpgsqlDbType.Double, cancellationToken);
            if (p.AccuracyM is { } accuracy)
            {
                await import.WriteAsync((float)accuracy, NpgsqlDbType.Real, cancellationToken);
            }
            else
            {
                await import.WriteNullAsync(cancellationToken);
            }

            await import.WriteAsync(p.ReceivedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
        }

        await import.CompleteAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropping old track partitions failed; retrying in an hour")]
    private partial void LogRetentionFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} track point(s) failed; retrying")]
    private partial void LogWriteFailed(Exception exception, int count);
}

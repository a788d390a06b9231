using System.Data.Common;
using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OpsCentre.Database;

/// <summary>
/// Whether this process can reach PostgreSQL, as its work finds out: the first failure of an outage
/// logs one warning (with the error), the failures after it are silent, and the first success after
/// them logs one line that it is over and how long it lasted — so an outage costs two log lines per
/// process, not one per request or batch. While it lasts, a probe (<c>SELECT 1</c> every
/// <see cref="ProbeEvery"/>) looks for the end, so the end is noticed and logged even when nothing
/// else touches the database. When an outage begins, the connection pools are cleared. One per
/// process (silo, gateway, or a gateway hosting its silo).
/// </summary>
public sealed partial class DatabaseHealth(NpgsqlDataSource dataSource, ILogger<DatabaseHealth> logger)
{
    public static readonly TimeSpan ProbeEvery = TimeSpan.FromSeconds(2);

    private static int _outagesInProgress;

    private readonly List<NpgsqlDataSource> _alsoPooled = [];
    private int _down;
    private int _probing;
    private long _downSince;

    /// <summary>True from the first failure of an outage until the next success.</summary>
    public bool IsDown => Volatile.Read(ref _down) == 1;

    /// <summary>
    /// True while an outage this process logged is under way. The process's logging then drops further
    /// log events whose error is the same outage (<see cref="IsUnreachable"/>), whoever writes them —
    /// Orleans' storage, membership and activation failures, a failing health check — since the
    /// outage was logged once when it began and will be once when it ends.
    /// </summary>
    public static bool AnyOutage => Volatile.Read(ref _outagesInProgress) > 0;

    /// <summary>
    /// Whether <paramref name="error"/> (or one it wraps) says PostgreSQL cannot be reached or cannot
    /// serve now: a connection that failed or broke, a timeout, the server shutting down or starting up,
    /// out of connections or resources. Not an error of the statement itself (a constraint, a syntax error).
    /// </summary>
    public static bool IsUnreachable(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException postgres:
                    // Rebuilt on the far side of a grain call, it may carry only its message, which begins with the SQLSTATE.
                    return IsUnavailableState(postgres.SqlState ?? (postgres.Message.Length >= 5 ? postgres.Message[..5] : ""));
                case NpgsqlException:
                    // Npgsql's own errors (not the server's): connecting, reading, writing, timing out, an exhausted pool.
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(IsUnreachable):
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// SQLSTATEs of a server that cannot serve now: class 08 (connection exception), 53 (insufficient
    /// resources: too many connections, out of memory or disk), 57P01–57P03 (shutting down, crashed,
    /// starting up).
    /// </summary>
    public static bool IsUnavailableState(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState.StartsWith("53", StringComparison.Ordinal)
        || sqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow;

    /// <summary>Another data source of this process (the process's main one is cleared anyway), whose pool is cleared when an outage begins.</summary>
    public void ClearsAlso(NpgsqlDataSource source)
    {
        lock (_alsoPooled)
        {
            _alsoPooled.Add(source);
        }
    }

    /// <summary>Work found PostgreSQL unreachable. Logs only the first failure of an outage, and starts looking for its end.</summary>
    public void Failed(Exception error)
    {
        if (Interlocked.CompareExchange(ref _down, 1, 0) != 0)
        {
            return;
        }

        Interlocked.Exchange(ref _downSince, Stopwatch.GetTimestamp());
        LogUnreachable(error, error.GetType().Name, error.Message);

        // Counted after the line above is written, so that the logging's filter lets it through.
        Interlocked.Increment(ref _outagesInProgress);

        // The pooled connections are dead (a restarted server ended them): dropped now, so that after the
        // outage no request meets one of them and takes the server for gone again.
        dataSource.Clear();
        lock (_alsoPooled)
        {
            _alsoPooled.ForEach(source => source.Clear());
        }

        NpgsqlConnection.ClearAllPools();
        if (Interlocked.Exchange(ref _probing, 1) == 0)
        {
            _ = ProbeAsync();
        }
    }

    /// <summary>Work reached PostgreSQL. Costs a read while all is well; ends an outage (one log line) when there was one.</summary>
    public void Succeeded()
    {
        if (Volatile.Read(ref _down) == 0 || Interlocked.CompareExchange(ref _down, 0, 1) != 1)
        {
            return;
        }

        Interlocked.Decrement(ref _outagesInProgress);
        LogReachable(Stopwatch.GetElapsedTime(Interlocked.Read(ref _downSince)));
    }

    private async Task ProbeAsync()
    {
        try
        {
            while (IsDown)
            {
                await Task.Delay(ProbeEvery);
                try
                {
                    await using var command = dataSource.CreateCommand("SELECT 1");
                    await command.ExecuteScalarAsync();
                    Succeeded();
                }
                catch (ObjectDisposedException)
                {
                    // The process is shutting down.
                    return;
                }
                catch (Exception ex) when (ex is DbException or SocketException or TimeoutException or IOException or InvalidOperationException)
                {
                    // Still down; the outage was logged when it began.
                }
            }
        }
        finally
        {
            Volatile.Write(ref _probing, 0);
        }

        // An outage that began again just as this probe ended.
        if (IsDown && Interlocked.Exchange(ref _probing, 1) == 0)
        {
            _ = ProbeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL is unreachable ({ErrorType}: {ErrorMessage}); what needs it fails (HTTP: 503) until it is back, and further failures are not logged")]
    private partial void LogUnreachable(Exception exception, string errorType, string errorMessage);

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL is reachable again after {Outage}")]
    private partial void LogReachable(TimeSpan outage);
}

using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using OpsCentre.Database;
using OpsCentre.Gateway.Limits;
using Orleans.Runtime;
using Orleans.Serialization;

namespace OpsCentre.Gateway.Hosting;

/// <summary>What a failure says about the request that met it.</summary>
public enum FailureKind
{
    /// <summary>A defect: answered 500 and logged with its stack trace, as ASP.NET Core does.</summary>
    Defect,

    /// <summary>PostgreSQL cannot be reached or cannot serve now (<see cref="DatabaseHealth.IsUnreachable"/>): 503.</summary>
    DatabaseUnreachable,

    /// <summary>The cluster cannot be reached or did not answer in time (a silo gone, a timeout, a socket error): 503.</summary>
    ClusterUnreachable,

    /// <summary>A transaction lost a race with another (serialization failure 40001, deadlock 40P01, lock not available 55P03): 503, try again at once.</summary>
    Contention,
}

/// <summary>
/// The one judge of failures that are not the caller's fault, for every way in — HTTP requests
/// (<see cref="UnavailableExceptionHandler"/>) and hub methods (<see cref="Screens.UnavailableHubFilter"/>):
/// PostgreSQL's outages are told to the process's <see cref="DatabaseHealth"/>, which logs the outage once
/// when it begins and once when it ends; cluster failures log at most one warning per <see cref="ClusterLogEvery"/>;
/// a transaction that lost a race (a serialization failure, a deadlock, a lock not granted) logs at Debug.
/// Each is answered "try again" after <see cref="RetryAfter"/> (contention: after one second).
/// </summary>
/// <remarks>
/// Failures inside a silo reach the gateway through Orleans, which sends the exception with its inner
/// exceptions; one whose type the gateway cannot rebuild arrives as an
/// <see cref="UnavailableExceptionFallbackException"/> naming the type, and is judged by that name.
/// </remarks>
public sealed partial class UnavailableFailures(DatabaseHealth database, IOptions<LimitOptions> limits, ILogger<UnavailableFailures> logger)
{
    public static readonly TimeSpan ClusterLogEvery = TimeSpan.FromSeconds(10);

    /// <summary>SQLSTATEs of a transaction that lost a race with another and may simply be run again.</summary>
    private static readonly string[] ContentionStates =
        [PostgresErrorCodes.SerializationFailure, PostgresErrorCodes.DeadlockDetected, PostgresErrorCodes.LockNotAvailable];

    private long _clusterLoggedAt = long.MinValue;
    private int _clusterSuppressed;

    /// <summary>How long a client is asked to wait when the database or the cluster is out of reach.</summary>
    public TimeSpan RetryAfter => TimeSpan.FromSeconds(limits.Value.UnavailableRetryAfterSeconds);

    /// <summary>
    /// Judges <paramref name="exception"/> and, when it is not a defect, records it (tells <see cref="DatabaseHealth"/>,
    /// logs as said above) and gives how long the caller should wait before trying again; null for a defect.
    /// </summary>
    public TimeSpan? Note(Exception exception)
    {
        switch (Classify(exception))
        {
            case FailureKind.DatabaseUnreachable:
                database.Failed(exception);
                return RetryAfter;
            case FailureKind.ClusterUnreachable:
                LogClusterFailure(exception);
                return RetryAfter;
            case FailureKind.Contention:
                LogContention(exception.GetBaseException().Message);
                return TimeSpan.FromSeconds(1);
            default:
                return null;
        }
    }

    /// <summary>Judges a failure by itself and what it wraps.</summary>
    public static FailureKind Classify(Exception error)
    {
        if (DatabaseHealth.IsUnreachable(error))
        {
            return FailureKind.DatabaseUnreachable;
        }

        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException postgres when ContentionStates.Contains(postgres.SqlState):
                    return FailureKind.Contention;
                case UnavailableExceptionFallbackException { ExceptionType: { } type } fallback when type.StartsWith("Npgsql.", StringComparison.Ordinal):
                    // A PostgresException's message begins with its SQLSTATE: "57P01: terminating connection…".
                    var state = fallback.Message.Length >= 5 ? fallback.Message[..5] : "";
                    return !type.StartsWith("Npgsql.PostgresException", StringComparison.Ordinal) || DatabaseHealth.IsUnavailableState(state)
                        ? FailureKind.DatabaseUnreachable
                        : ContentionStates.Contains(state) ? FailureKind.Contention : FailureKind.Defect;
                case SocketException or TimeoutException or SiloUnavailableException or OrleansMessageRejectionException or GatewayTooBusyException:
                    return FailureKind.ClusterUnreachable;
            }
        }

        return FailureKind.Defect;
    }

    private void LogClusterFailure(Exception exception)
    {
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _clusterLoggedAt);
        if ((last != long.MinValue && Stopwatch.GetElapsedTime(last, now) < ClusterLogEvery)
            || Interlocked.CompareExchange(ref _clusterLoggedAt, now, last) != last)
        {
            Interlocked.Increment(ref _clusterSuppressed);
            return;
        }

        LogClusterUnreachable(exception, Interlocked.Exchange(ref _clusterSuppressed, 0));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A request failed for want of the cluster; answered 503 ({Suppressed} more such since the last of these lines)")]
    private partial void LogClusterUnreachable(Exception exception, int suppressed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A transaction lost a race with another ({Reason}); answered 503, to be tried again")]
    private partial void LogContention(string reason);
}

/// <summary>
/// Where a failure that is not the request's fault becomes an honest answer: 503 with <c>Retry-After</c>
/// and a problem body, never a 500 (<see cref="UnavailableFailures"/> judges). Whatever else is thrown is a
/// defect, left to ASP.NET Core's own handling (500, logged). Since .NET 10 an exception that a handler
/// handles is not logged again by the middleware.
/// </summary>
public sealed class UnavailableExceptionHandler(UnavailableFailures failures) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (failures.Note(exception) is not { } retryAfter)
        {
            return false;
        }

        await Problems.Unavailable(retryAfter).ExecuteAsync(httpContext);
        return true;
    }
}

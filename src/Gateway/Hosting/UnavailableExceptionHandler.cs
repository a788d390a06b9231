using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
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
}

/// <summary>
/// The one place where a failure that is not the request's fault becomes an honest answer: 503 with
/// <c>Retry-After</c> (<see cref="LimitOptions.UnavailableRetryAfterSeconds"/>) and a problem body, never
/// a 500. PostgreSQL's outages are told to the process's <see cref="DatabaseHealth"/>, which logs the
/// outage once when it begins and once when it ends; cluster failures log at most one warning per
/// <see cref="ClusterLogEvery"/>. Whatever else is thrown is a defect, left to ASP.NET Core's own
/// handling (500, logged).
/// </summary>
/// <remarks>
/// Failures inside a silo reach the gateway through Orleans, which sends the exception with its inner
/// exceptions; one whose type the gateway cannot rebuild arrives as an
/// <see cref="UnavailableExceptionFallbackException"/> naming the type, and is judged by that name.
/// Since .NET 10 an exception that a handler handles is not logged again by the middleware.
/// </remarks>
public sealed partial class UnavailableExceptionHandler(DatabaseHealth database, IOptions<LimitOptions> limits, ILogger<UnavailableExceptionHandler> logger)
    : IExceptionHandler
{
    public static readonly TimeSpan ClusterLogEvery = TimeSpan.FromSeconds(10);

    private long _clusterLoggedAt = long.MinValue;
    private int _clusterSuppressed;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        switch (Classify(exception))
        {
            case FailureKind.DatabaseUnreachable:
                database.Failed(exception);
                break;
            case FailureKind.ClusterUnreachable:
                LogClusterFailure(exception);
                break;
            default:
                return false;
        }

        await Problems.Unavailable(TimeSpan.FromSeconds(limits.Value.UnavailableRetryAfterSeconds)).ExecuteAsync(httpContext);
        return true;
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
                case UnavailableExceptionFallbackException { ExceptionType: { } type } fallback when type.StartsWith("Npgsql.", StringComparison.Ordinal):
                    // A PostgresException's message begins with its SQLSTATE: "57P01: terminating connection…".
                    return !type.StartsWith("Npgsql.PostgresException", StringComparison.Ordinal)
                        || (fallback.Message.Length >= 5 && DatabaseHealth.IsUnavailableState(fallback.Message[..5]))
                        ? FailureKind.DatabaseUnreachable
                        : FailureKind.Defect;
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
}

using Npgsql;

namespace OpsCentre.Grains;

/// <summary>
/// Where live state is kept: device health, workers' counted flags, units' roll-ups and tracks. The same
/// database, but its commits do not wait for the disk flush (<c>synchronous_commit = off</c>): PostgreSQL
/// may lose the last fraction of a second of them if it crashes, never their consistency. All of it is
/// derived (from statuses and reports that are sent again) or already written behind, and leaving the
/// flushes to the facts that must be durable before they are acknowledged — the district event logs,
/// reminders, credentials, visits — keeps those from queueing behind thousands of live writes.
/// </summary>
public static class LiveState
{
    /// <summary>The grain-storage provider (and keyed data source) for live state.</summary>
    public const string Storage = "live";

    /// <summary>The connection string with asynchronous commit for every session it opens.</summary>
    public static string ConnectionString(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? "-c synchronous_commit=off" : builder.Options + " -c synchronous_commit=off";
        return builder.ConnectionString;
    }
}

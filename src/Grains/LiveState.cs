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

    /// <summary>
    /// Connections per process for live state. Its writes are write-behind and many (device health every
    /// few seconds per reporting device, roll-ups, tracks); with the default pool of 100 they ran as many
    /// PostgreSQL backends at once, and on two cores those crowded out the few backends committing facts,
    /// which the latency benchmark showed as a much higher alert p50 (docs/benchmarks.md, "Measured reasons
    /// in the code"). Live writes now wait for one of these connections in .NET instead. Twice the cores,
    /// at least 4 (on two cores 4 did better than 8). The grain-state writes
    /// and the track writer's data source are two pools of this size; the track writer holds one
    /// connection at a time.
    /// </summary>
    public static readonly int MaxConnections = Math.Max(4, 2 * Environment.ProcessorCount);

    /// <summary>The connection string with asynchronous commit and <see cref="MaxConnections"/> for every session it opens.</summary>
    public static string ConnectionString(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? "-c synchronous_commit=off" : builder.Options + " -c synchronous_commit=off";
        builder.MaxPoolSize = MaxConnections;
        return builder.ConnectionString;
    }
}

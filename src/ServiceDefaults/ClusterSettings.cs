using System.Data.Common;
using Microsoft.Extensions.Configuration;
using Npgsql;
using Orleans.Configuration;

namespace OpsCentre.ServiceDefaults;

/// <summary>Where the cluster's PostgreSQL is and which cluster this process belongs to.</summary>
public static class ClusterSettings
{
    /// <summary>ADO.NET invariant name the Orleans providers use for PostgreSQL.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>Name of the application's connection string (<c>ConnectionStrings__OpsCentre</c>).</summary>
    public const string ConnectionStringName = "OpsCentre";

    /// <summary>The application-role connection string; start-up fails with a clear message when it is missing.</summary>
    public static string ConnectionString(IConfiguration configuration)
    {
        // The Orleans ADO.NET providers look the factory up by invariant name.
        DbProviderFactories.RegisterFactory(Invariant, NpgsqlFactory.Instance);
        return configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } value
            ? Tuned(value)
            : throw new InvalidOperationException(
                $"ConnectionStrings:{ConnectionStringName} is not configured (environment variable ConnectionStrings__{ConnectionStringName}).");
    }

    /// <summary>
    /// Two pool settings, each unless the connection string sets it:
    /// statements run again and again (grain state, reminders, the event log) are prepared on each pooled
    /// connection after their second use — PostgreSQL then skips parsing and planning them, which was a
    /// large part of its CPU under load; and a connection handed back to the pool is not reset
    /// (<c>No Reset On Close</c>). The reset is seven statements (<c>RESET ALL</c>, <c>CLOSE ALL</c>,
    /// <c>UNLISTEN *</c>, …) sent before the next use — once per grain-state write, as often as the write
    /// itself. Nothing here leaves session state behind: no <c>SET</c>, no <c>LISTEN</c>, temporary
    /// tables are <c>ON COMMIT DROP</c>, and the migrator's advisory lock is released explicitly.
    /// </summary>
    public static string Tuned(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // Npgsql's builder answers ContainsKey for any keyword it knows, and a default looks like a value
        // set; the string as written says what was set.
        var written = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "")).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!written.Contains(nameof(builder.MaxAutoPrepare)))
        {
            builder.MaxAutoPrepare = 64;
        }

        if (!written.Contains(nameof(builder.AutoPrepareMinUsages)))
        {
            builder.AutoPrepareMinUsages = 2;
        }

        if (!written.Contains(nameof(builder.NoResetOnClose)))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    /// <summary>Cluster and service ids from <c>Orleans:ClusterId</c> / <c>Orleans:ServiceId</c> (default <c>opscentre</c>).</summary>
    public static void Apply(ClusterOptions options, IConfiguration configuration)
    {
        options.ClusterId = configuration["Orleans:ClusterId"] ?? "opscentre";
        options.ServiceId = configuration["Orleans:ServiceId"] ?? "opscentre";
    }

    /// <summary>
    /// Lets Npgsql's exceptions cross grain calls, for silos and clients alike. Orleans serializes only
    /// exceptions of the <c>System</c>, <c>Microsoft</c> and <c>Azure</c> namespaces; a grain whose
    /// database call failed otherwise answered its caller with a <c>CodecNotFoundException</c> that no
    /// longer said why, and the gateway could not tell an outage (503) from a defect.
    /// </summary>
    public static void Apply(Orleans.Serialization.ExceptionSerializationOptions options) =>
        options.SupportedNamespacePrefixes.Add("Npgsql");
}

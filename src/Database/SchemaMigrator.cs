using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace OpsCentre.Database;

/// <summary>
/// Applies OpsCentre's versioned schema migrations (embedded <c>Migrations/NNNN_name.sql</c>) in order.
/// Runs as the database owner role; each migration commits together with its row in
/// <c>schema_version</c>, so re-running is a no-op and a newer build upgrades an older database.
/// Concurrent migrators serialise on an advisory lock.
/// Each row records the SHA-256 checksum of the migration's text; a migration whose text changed after
/// it was applied stops the migrator, naming the file (a database upgraded from a build before the
/// checksums gets them recorded on its first run).
/// </summary>
public sealed partial class SchemaMigrator(ILogger<SchemaMigrator>? logger = null)
{
    // Any constant works; it only has to be the same for every OpsCentre migrator.
    private const long MigrationLockKey = 0x4f70_7343_656e_7472;

    private readonly ILogger _logger = logger ?? NullLogger<SchemaMigrator>.Instance;

    /// <summary>The migrations this build carries, in the order they apply.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } = LoadMigrations();

    /// <summary>The schema version this build expects.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>Applies every migration newer than the database's version.</summary>
    /// <param name="ownerConnectionString">A connection as the role that owns the schema.</param>
    /// <param name="appRole">The application role that receives the rights each migration grants.</param>
    /// <returns>The versions applied by this call (empty when the database was current).</returns>
    public async Task<IReadOnlyList<int>> MigrateAsync(string ownerConnectionString, string appRole, CancellationToken cancellationToken = default)
    {
        DatabaseNames.EnsureIdentifier(appRole);
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync(cancellationToken);

        await using (var setUp = new NpgsqlCommand(
            $"""
            SELECT pg_advisory_lock(@key);
            CREATE TABLE IF NOT EXISTS schema_version (
                version    integer     PRIMARY KEY,
                name       text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now());
            ALTER TABLE schema_version ADD COLUMN IF NOT EXISTS checksum text;
            GRANT SELECT ON schema_version TO {appRole};
            """, connection))
        {
            setUp.Parameters.AddWithValue("key", MigrationLockKey);
            await setUp.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await VerifyChecksumsAsync(connection, cancellationToken);
            var current = await CurrentVersionAsync(connection, cancellationToken);
            var applied = new List<int>();
            foreach (var migration in Migrations.Where(m => m.Version > current))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var apply = new NpgsqlCommand(migration.Sql.Replace("{{app_role}}", appRole, StringComparison.Ordinal), connection, transaction))
                {
                    await apply.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var record = new NpgsqlCommand("INSERT INTO schema_version (version, name, checksum) VALUES (@v, @n, @c)", connection, transaction))
                {
                    record.Parameters.AddWithValue("v", migration.Version);
                    record.Parameters.AddWithValue("n", migration.Name);
                    record.Parameters.AddWithValue("c", migration.Checksum);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                LogApplied(migration.Version, migration.Name);
                applied.Add(migration.Version);
            }

            if (applied.Count == 0)
            {
                LogCurrent(current);
            }

            return applied;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            unlock.Parameters.AddWithValue("key", MigrationLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Compares each applied migration's recorded checksum with this build's text of it; records the
    /// checksum where none was recorded yet (databases migrated before checksums existed).
    /// </summary>
    /// <exception cref="InvalidOperationException">An applied migration's text differs from what was applied.</exception>
    private async Task VerifyChecksumsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var recorded = new List<(int Version, string? Checksum)>();
        await using (var read = new NpgsqlCommand("SELECT version, checksum FROM schema_version ORDER BY version", connection))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                recorded.Add((reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
            }
        }

        // Versions newer than this build are an older build's concern elsewhere (CurrentVersionAsync).
        foreach (var (version, checksum) in recorded.Where(r => r.Version <= Migrations.Count))
        {
            var migration = Migrations[version - 1];
            if (checksum is null)
            {
                await using var record = new NpgsqlCommand("UPDATE schema_version SET checksum = @c WHERE version = @v AND checksum IS NULL", connection);
                record.Parameters.AddWithValue("c", migration.Checksum);
                record.Parameters.AddWithValue("v", version);
                await record.ExecuteNonQueryAsync(cancellationToken);
                LogChecksumRecorded(version, migration.FileName);
            }
            else if (!string.Equals(checksum, migration.Checksum, StringComparison.Ordinal))
            {
                throw new InvalidOperationException(
                    $"Schema migration {migration.FileName} was changed after it was applied to this database " +
                    $"(recorded checksum {checksum}, this build's {migration.Checksum}). Applied migrations must not be edited; " +
                    "put the change into a new migration.");
            }
        }
    }

    /// <summary>The database's schema version, or 0 for an empty database.</summary>
    public static async Task<int> CurrentVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        var exists = await new NpgsqlCommand("SELECT to_regclass('schema_version') IS NOT NULL", connection).ExecuteScalarAsync(cancellationToken) is true;
        if (!exists)
        {
            return 0;
        }

        await using var max = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_version", connection);
        return Convert.ToInt32(await max.ExecuteScalarAsync(cancellationToken));
    }

    private static List<Migration> LoadMigrations()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = MigrationResourceName().Match(resource);
            if (!match.Success)
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(int.Parse(match.Groups["version"].Value), match.Groups["name"].Value, reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Migrations must be numbered 1, 2, 3 … without gaps; found {migrations[i].Version} at position {i + 1}.");
            }
        }

        return migrations;
    }

    [GeneratedRegex(@"\.Migrations\.(?<version>\d{4})_(?<name>[a-z0-9_]+)\.sql$")]
    private static partial Regex MigrationResourceName();

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied schema migration {Version} ({Name})")]
    private partial void LogApplied(int version, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recorded the checksum of applied schema migration {Version} ({FileName})")]
    private partial void LogChecksumRecorded(int version, string fileName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema is current at version {Version}")]
    private partial void LogCurrent(int version);
}

/// <summary>One schema migration.</summary>
public sealed record Migration(int Version, string Name, string Sql)
{
    /// <summary>The file it was embedded from, e.g. <c>0003_city_model.sql</c>.</summary>
    public string FileName => $"{Version:D4}_{Name}.sql";

    /// <summary>
    /// SHA-256 of the text as lowercase hex, line endings normalised to LF so a checkout with CRLF
    /// endings is not taken for an edit.
    /// </summary>
    public string Checksum { get; } = Convert.ToHexStringLower(
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));
}

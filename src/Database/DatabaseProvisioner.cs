using Npgsql;

namespace OpsCentre.Database;

/// <summary>
/// Creates a database with its owner and application roles, as a PostgreSQL superuser would for a
/// local or test installation. In production a DBA does this once; OpsCentre then only needs the
/// owner connection (for <see cref="SchemaMigrator"/>) and the application connection.
/// </summary>
public static class DatabaseProvisioner
{
    /// <summary>
    /// Ensures the roles <c>{database}_owner</c> and <c>{database}_app</c> exist with the given
    /// passwords and that <paramref name="database"/> exists, owned by the owner role, in UTC.
    /// Idempotent.
    /// </summary>
    /// <returns>Connection strings for the owner and the application role.</returns>
    public static async Task<ProvisionedDatabase> ProvisionAsync(
        string adminConnectionString, string database, string ownerPassword, string appPassword,
        CancellationToken cancellationToken = default)
    {
        var owner = DatabaseNames.OwnerRole(database);
        var app = DatabaseNames.AppRole(database);

        await using (var admin = new NpgsqlConnection(adminConnectionString))
        {
            await admin.OpenAsync(cancellationToken);
            await EnsureRoleAsync(admin, owner, ownerPassword, cancellationToken);
            await EnsureRoleAsync(admin, app, appPassword, cancellationToken);

            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @d", admin);
            exists.Parameters.AddWithValue("d", database);
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await ExecuteAsync(admin, $"CREATE DATABASE {database} OWNER {owner} ENCODING 'UTF8' TEMPLATE template0", cancellationToken);
            }

            await ExecuteAsync(admin, $"ALTER DATABASE {database} SET timezone TO 'UTC'", cancellationToken);
            await ExecuteAsync(admin, $"REVOKE ALL ON DATABASE {database} FROM PUBLIC", cancellationToken);
            await ExecuteAsync(admin, $"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {app}", cancellationToken);
        }

        var builder = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = database };
        // The public schema belongs to the database owner from PostgreSQL 15 on; the application
        // role may use it but never create in it.
        var ownerBuilder = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Username = owner, Password = ownerPassword };
        await using (var asOwner = new NpgsqlConnection(ownerBuilder.ConnectionString))
        {
            await asOwner.OpenAsync(cancellationToken);
            await ExecuteAsync(asOwner, $"REVOKE CREATE ON SCHEMA public FROM PUBLIC; GRANT USAGE ON SCHEMA public TO {app}", cancellationToken);
        }

        var appBuilder = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Username = app, Password = appPassword };
        return new ProvisionedDatabase(ownerBuilder.ConnectionString, appBuilder.ConnectionString, owner, app);
    }

    private static async Task EnsureRoleAsync(NpgsqlConnection admin, string role, string password, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = @r", admin);
        exists.Parameters.AddWithValue("r", role);
        var verb = await exists.ExecuteScalarAsync(cancellationToken) is null ? "CREATE" : "ALTER";
        // Passwords cannot be bound as parameters in DDL; quote them as literals.
        var literal = "'" + password.Replace("'", "''", StringComparison.Ordinal) + "'";
        await ExecuteAsync(admin, $"{verb} ROLE {role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {literal}", cancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>What <see cref="DatabaseProvisioner.ProvisionAsync"/> set up.</summary>
public sealed record ProvisionedDatabase(string OwnerConnectionString, string AppConnectionString, string OwnerRole, string AppRole);

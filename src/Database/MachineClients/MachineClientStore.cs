using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace OpsCentre.Database.MachineClients;

/// <summary>
/// A machine client (机器客户端): a departmental system that calls the API with OAuth 2.0 client credentials, within
/// <paramref name="UnitCode"/> and with <paramref name="Permissions"/> only, limited to <paramref name="PerSecond"/> requests a
/// second on average and <paramref name="Burst"/> at once. Its secrets are never part of it.
/// </summary>
public sealed record MachineClient(
    string ClientId, string DisplayName, string UnitCode, IReadOnlyList<string> Permissions, int PerSecond, int Burst, bool Disabled,
    DateTimeOffset CreatedAt, string CreatedBy);

/// <summary>The clients' table and their secrets (<c>machine_client</c>, <c>machine_client_secret</c>, migration 0024).</summary>
public sealed class MachineClientStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    private static readonly PasswordHasher<string> Hasher = new();

    /// <summary>Hashed when the client id is unknown, so an unknown client costs the same as a wrong secret.</summary>
    private static readonly string DummyHash = Hasher.HashPassword("", Guid.NewGuid().ToString());

    /// <summary>A new secret: 256 random bits, base64url (43 characters).</summary>
    public static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async Task<MachineClient?> FindAsync(string clientId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM machine_client c WHERE c.client_id = @id");
        command.Parameters.AddWithValue("id", clientId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>The clients whose unit lies within <paramref name="unitPrefix"/>, by id, after <paramref name="after"/>.</summary>
    public async Task<List<MachineClient>> ListAsync(string unitPrefix, string? after, int take, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM machine_client c WHERE c.unit_code LIKE @prefix || '%' AND c.client_id > @after ORDER BY c.client_id LIMIT @take");
        command.Parameters.AddWithValue("prefix", unitPrefix);
        command.Parameters.AddWithValue("after", after ?? "");
        command.Parameters.AddWithValue("take", take);
        var rows = new List<MachineClient>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(Read(reader));
        }

        return rows;
    }

    /// <summary>
    /// The client when it exists, is enabled and <paramref name="secret"/> is one of its secrets still in force (the current
    /// one, or one a rotation gave an end that has not come); null otherwise. Every secret in force is hashed against, and an
    /// unknown client hashes once, so the time taken tells little.
    /// </summary>
    public async Task<MachineClient?> VerifyAsync(string clientId, string secret, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {Columns}, s.secret_hash
            FROM machine_client c JOIN machine_client_secret s USING (client_id)
            WHERE c.client_id = @id AND (s.expires_at IS NULL OR s.expires_at > @now)
            """);
        command.Parameters.AddWithValue("id", clientId);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        MachineClient? client = null;
        var matched = false;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                client = Read(reader);
                matched |= Hasher.VerifyHashedPassword(clientId, reader.GetString(9), secret) != PasswordVerificationResult.Failed;
            }
        }

        if (client is null)
        {
            Hasher.VerifyHashedPassword(clientId, DummyHash, secret);
        }

        return matched && client is { Disabled: false } ? client : null;
    }

    /// <summary>Inserts <paramref name="client"/> with its first secret inside <paramref name="transaction"/>; false when the id is taken.</summary>
    public static async Task<bool> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, MachineClient client, string secret, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO machine_client (client_id, display_name, unit_code, permissions, per_second, burst, disabled, created_at, created_by)
            VALUES (@id, @name, @unit, @permissions, @perSecond, @burst, false, @at, @by)
            ON CONFLICT (client_id) DO NOTHING
            """, connection, transaction);
        insert.Parameters.AddWithValue("id", client.ClientId);
        insert.Parameters.AddWithValue("name", client.DisplayName);
        insert.Parameters.AddWithValue("unit", client.UnitCode);
        insert.Parameters.AddWithValue("permissions", client.Permissions.ToArray());
        insert.Parameters.AddWithValue("perSecond", client.PerSecond);
        insert.Parameters.AddWithValue("burst", client.Burst);
        insert.Parameters.AddWithValue("at", client.CreatedAt);
        insert.Parameters.AddWithValue("by", client.CreatedBy);
        if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            return false;
        }

        await AddSecretAsync(connection, transaction, client.ClientId, 1, secret, client.CreatedAt, cancellationToken);
        return true;
    }

    /// <summary>The client, its row locked for a change inside <paramref name="transaction"/>; null when there is none.</summary>
    public static async Task<MachineClient?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string clientId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM machine_client c WHERE c.client_id = @id FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue("id", clientId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>
    /// Rotates the client's secret at <paramref name="now"/>: <paramref name="secret"/> becomes the current one, and every secret
    /// still in force ends at <paramref name="oldEnds"/> (the overlap; <paramref name="now"/> ends them at once). Returns the new secret's number.
    /// </summary>
    public static async Task<int> RotateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string clientId, string secret, DateTimeOffset now, DateTimeOffset oldEnds, CancellationToken cancellationToken)
    {
        await using var max = new NpgsqlCommand("SELECT coalesce(max(secret_id), 0) FROM machine_client_secret WHERE client_id = @id", connection, transaction);
        max.Parameters.AddWithValue("id", clientId);
        var last = (int)(await max.ExecuteScalarAsync(cancellationToken))!;
        await using var end = new NpgsqlCommand(
            "UPDATE machine_client_secret SET expires_at = @ends WHERE client_id = @id AND (expires_at IS NULL OR expires_at > @ends)", connection, transaction);
        end.Parameters.AddWithValue("id", clientId);
        end.Parameters.AddWithValue("ends", oldEnds);
        await end.ExecuteNonQueryAsync(cancellationToken);
        await AddSecretAsync(connection, transaction, clientId, last + 1, secret, now, cancellationToken);
        return last + 1;
    }

    /// <summary>Sets whether the client is disabled inside <paramref name="transaction"/>.</summary>
    public static async Task SetDisabledAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string clientId, bool disabled, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("UPDATE machine_client SET disabled = @d WHERE client_id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", clientId);
        command.Parameters.AddWithValue("d", disabled);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task AddSecretAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string clientId, int secretId, string secret, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO machine_client_secret (client_id, secret_id, secret_hash, created_at) VALUES (@id, @n, @hash, @at)", connection, transaction);
        command.Parameters.AddWithValue("id", clientId);
        command.Parameters.AddWithValue("n", secretId);
        command.Parameters.AddWithValue("hash", Hasher.HashPassword(clientId, secret));
        command.Parameters.AddWithValue("at", at);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private const string Columns = "c.client_id, c.display_name, c.unit_code, c.permissions, c.per_second, c.burst, c.disabled, c.created_at, c.created_by";

    private static MachineClient Read(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3), reader.GetInt32(4), reader.GetInt32(5),
        reader.GetBoolean(6), reader.GetFieldValue<DateTimeOffset>(7), reader.GetString(8));
}

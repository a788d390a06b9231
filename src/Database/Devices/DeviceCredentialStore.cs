using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace OpsCentre.Database.Devices;

/// <summary>What a valid device key identifies.</summary>
public sealed record DeviceIdentity(string DeviceId, string Kind, string BoundTo);

/// <summary>A provisioned, unrevoked device as listed: whose it is, the grid of that person, and when it was provisioned.</summary>
public sealed record ProvisionedDevice(string DeviceId, string Kind, string BoundTo, string GridCode, DateTimeOffset ProvisionedAt);

/// <summary>
/// Per-device keys. A key is <c>&lt;deviceId&gt;.&lt;secret&gt;</c>; only the secret's SHA-256 is
/// stored (the secret has 256 random bits, so a fast hash is enough). The device's grain loads the
/// hash and compares presented keys in constant time; revocation goes through that grain, which
/// writes here first.
/// </summary>
public sealed class DeviceCredentialStore(NpgsqlDataSource dataSource)
{
    /// <summary>Characters of a key's secret: 32 random bytes in base64url, unpadded.</summary>
    public const int SecretLength = 43;

    /// <summary>Creates a device with a new key; the key is returned once and never stored.</summary>
    public async Task<string> IssueAsync(string deviceId, string kind, string boundTo, CancellationToken cancellationToken = default)
    {
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await using var command = dataSource.CreateCommand(
            "INSERT INTO device_credential (device_id, secret_hash, kind, bound_to) VALUES (@id, @h, @k, @b)");
        command.Parameters.AddWithValue("id", deviceId);
        command.Parameters.AddWithValue("h", SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
        command.Parameters.AddWithValue("k", kind);
        command.Parameters.AddWithValue("b", boundTo);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return deviceId + "." + secret;
    }

    /// <summary>The device's binding (revoked or not), or null when no such device was ever provisioned.</summary>
    public async Task<(DeviceIdentity Device, bool Revoked)?> FindAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT kind, bound_to, revoked_at IS NOT NULL FROM device_credential WHERE device_id = @id");
        command.Parameters.AddWithValue("id", deviceId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (new DeviceIdentity(deviceId, reader.GetString(0), reader.GetString(1)), reader.GetBoolean(2))
            : null;
    }

    /// <summary>The bindings of those of <paramref name="deviceIds"/> ever provisioned (revoked or not): whose device each is.</summary>
    public static async Task<List<DeviceIdentity>> BindingsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT device_id, kind, bound_to FROM device_credential WHERE device_id = ANY(@ids)", connection, transaction);
        command.Parameters.AddWithValue("ids", deviceIds.ToArray());
        return await command.ReadAllAsync(r => new DeviceIdentity(r.GetString(0), r.GetString(1), r.GetString(2)), cancellationToken);
    }

    /// <summary>
    /// Unrevoked devices whose person (a worker's assigned grid, a key person's grid) lies under <paramref name="unitPrefix"/>,
    /// of <paramref name="kind"/> when given, after <paramref name="after"/> in device-id order, at most <paramref name="take"/>.
    /// </summary>
    public async Task<List<ProvisionedDevice>> PageAsync(string unitPrefix, string? kind, string after, int take, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT d.device_id, d.kind, d.bound_to, p.grid, d.created_at
            FROM device_credential d
            JOIN LATERAL (
                SELECT w.assigned_grid AS grid FROM grid_worker w WHERE d.kind = 'worker-phone' AND w.id = d.bound_to AND w.ended_at IS NULL
                UNION ALL
                SELECT k.grid_code FROM key_person k WHERE d.kind <> 'worker-phone' AND k.id = d.bound_to AND k.ended_at IS NULL
            ) p ON true
            WHERE d.revoked_at IS NULL AND p.grid LIKE @prefix AND (@kind::text IS NULL OR d.kind = @kind) AND d.device_id > @after
            ORDER BY d.device_id LIMIT @take
            """);
        command.Parameters.AddWithValue("prefix", unitPrefix + "%");
        command.Parameters.AddWithValue("kind", NpgsqlTypes.NpgsqlDbType.Text, (object?)kind ?? DBNull.Value);
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("take", take);
        return await command.ReadAllAsync(r => new ProvisionedDevice(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4)), cancellationToken);
    }

    /// <summary>Revokes the device's key at once. False when the device is unknown or already revoked.</summary>
    public async Task<bool> RevokeAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE device_credential SET revoked_at = now() WHERE device_id = @id AND revoked_at IS NULL");
        command.Parameters.AddWithValue("id", deviceId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}

using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace OpsCentre.Database.Devices;

/// <summary>What a valid device key identifies.</summary>
public sealed record DeviceIdentity(string DeviceId, string Kind, string BoundTo);

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

    /// <summary>Revokes the device's key at once. False when the device is unknown or already revoked.</summary>
    public async Task<bool> RevokeAsync(string deviceId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE device_credential SET revoked_at = now() WHERE device_id = @id AND revoked_at IS NULL");
        command.Parameters.AddWithValue("id", deviceId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}

using System.Security.Cryptography;
using Npgsql;

namespace OpsCentre.Database.Operators;

/// <summary>
/// Refresh tokens: random, shown to the client once, stored as SHA-256 hashes, rotated on every use.
/// Presenting a token that was already rotated revokes its whole family (a stolen token is useless
/// to both parties from then on). A family (a chain) ends for good a fixed time after the sign-in that started
/// it, however often it rotated: its start is its first token's <c>issued_at</c> (a family's rows are never
/// deleted while its account exists), and no token of it is valid past that end.
/// </summary>
public sealed class RefreshTokenStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <summary>Issues a token in a new family (a fresh login), valid for <paramref name="lifetime"/> but not past <paramref name="chainLifetime"/>.</summary>
    public Task<string> IssueAsync(string username, TimeSpan lifetime, TimeSpan chainLifetime, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        return InsertAsync(username, Guid.NewGuid(), Earlier(now + lifetime, now + chainLifetime), connection: null, transaction: null, cancellationToken);
    }

    /// <summary>
    /// Uses a token: when it is valid, marks it used and returns the account name and a new token of
    /// the same family; otherwise returns null (and revokes the family if the token had been used before).
    /// The new token is valid for <paramref name="lifetime"/>, but never past the family's start plus
    /// <paramref name="chainLifetime"/>; a family past that end rotates no more.
    /// </summary>
    public async Task<(string Username, string Token)?> RotateAsync(string token, TimeSpan lifetime, TimeSpan chainLifetime, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var find = new NpgsqlCommand(
            """
            SELECT username, family_id, expires_at, used_at, revoked_at,
                   (SELECT min(issued_at) FROM refresh_token f WHERE f.family_id = t.family_id)
            FROM refresh_token t WHERE token_hash = @h FOR UPDATE
            """,
            connection, transaction);
        find.Parameters.AddWithValue("h", Hash(token));
        string username;
        Guid family;
        DateTimeOffset chainEnd;
        var now = clock.GetUtcNow();
        await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            username = reader.GetString(0);
            family = reader.GetGuid(1);
            chainEnd = reader.GetFieldValue<DateTimeOffset>(5) + chainLifetime;
            var expired = reader.GetFieldValue<DateTimeOffset>(2) <= now || chainEnd <= now;
            var used = !reader.IsDBNull(3);
            var revoked = !reader.IsDBNull(4);
            if (used || revoked || expired)
            {
                await reader.DisposeAsync();
                if (used && !revoked)
                {
                    await RevokeFamilyAsync(connection, transaction, family, cancellationToken);
                    await transaction.CommitAsync(cancellationToken);
                }

                return null;
            }
        }

        await using (var markUsed = new NpgsqlCommand("UPDATE refresh_token SET used_at = @now WHERE token_hash = @h", connection, transaction))
        {
            markUsed.Parameters.AddWithValue("now", now);
            markUsed.Parameters.AddWithValue("h", Hash(token));
            await markUsed.ExecuteNonQueryAsync(cancellationToken);
        }

        var next = await InsertAsync(username, family, Earlier(now + lifetime, chainEnd), connection, transaction, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (username, next);
    }

    /// <summary>Revokes the token's family, so neither it nor any token rotated from it works again.</summary>
    /// <returns>False when the token is unknown.</returns>
    public async Task<bool> RevokeAsync(string token, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var find = new NpgsqlCommand("SELECT family_id FROM refresh_token WHERE token_hash = @h", connection);
        find.Parameters.AddWithValue("h", Hash(token));
        if (await find.ExecuteScalarAsync(cancellationToken) is not Guid family)
        {
            return false;
        }

        await RevokeFamilyAsync(connection, null, family, cancellationToken);
        return true;
    }

    private async Task RevokeFamilyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid family, CancellationToken cancellationToken)
    {
        await using var revoke = new NpgsqlCommand(
            "UPDATE refresh_token SET revoked_at = @now WHERE family_id = @f AND revoked_at IS NULL", connection, transaction);
        revoke.Parameters.AddWithValue("now", clock.GetUtcNow());
        revoke.Parameters.AddWithValue("f", family);
        await revoke.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<string> InsertAsync(
        string username, Guid family, DateTimeOffset expiresAt, NpgsqlConnection? connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = clock.GetUtcNow();
        const string Sql = """
            INSERT INTO refresh_token (token_hash, username, family_id, issued_at, expires_at)
            VALUES (@h, @u, @f, @now, @exp)
            """;
        await using var command = connection is null ? dataSource.CreateCommand(Sql) : new NpgsqlCommand(Sql, connection, transaction);
        command.Parameters.AddWithValue("h", Hash(token));
        command.Parameters.AddWithValue("u", username);
        command.Parameters.AddWithValue("f", family);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("exp", expiresAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return token;
    }

    private static DateTimeOffset Earlier(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static byte[] Hash(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));
}

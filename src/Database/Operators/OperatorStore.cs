using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace OpsCentre.Database.Operators;

/// <summary>Operator accounts in PostgreSQL, with passwords hashed by ASP.NET Core's password hasher.</summary>
public sealed class OperatorStore(NpgsqlDataSource dataSource)
{
    private static readonly PasswordHasher<string> Hasher = new();

    /// <summary>
    /// Creates the account, or overwrites everything of it — name, role, unit, password and disabled flag — when it
    /// exists: for setting an account up completely (tests). Seeding uses <see cref="CreateIfMissingAsync"/>, which never
    /// touches an existing account.
    /// </summary>
    public async Task UpsertAsync(OperatorAccount account, string password, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            InsertAccount + """
            ON CONFLICT (username) DO UPDATE
            SET display_name = excluded.display_name, password_hash = excluded.password_hash,
                role = excluded.role, unit_code = excluded.unit_code, disabled = excluded.disabled,
                department_code = excluded.department_code
            """);
        BindAccount(command, account, password);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Creates the account unless one of that name exists; an existing account — its password, its disabled flag, its
    /// role and unit — is left exactly as it is. True when it was created.
    /// </summary>
    public async Task<bool> CreateIfMissingAsync(OperatorAccount account, string password, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(InsertAccount + "ON CONFLICT (username) DO NOTHING");
        BindAccount(command, account, password);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The enabled account whose password matches, or null. Rehashes an outdated hash.</summary>
    public async Task<OperatorAccount?> VerifyAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        var found = await FindWithHashAsync(username, cancellationToken);
        if (found is not { Account.Disabled: false } || password.Length == 0)
        {
            // Hash anyway, so an unknown user costs as much time as a wrong password.
            Hasher.VerifyHashedPassword(username, DummyHash, password);
            return null;
        }

        var result = Hasher.VerifyHashedPassword(username, found.Value.Hash, password);
        if (result == PasswordVerificationResult.Failed)
        {
            return null;
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            // Only the hash, and only if nobody changed it meanwhile: never the disabled flag or the rest.
            await using var rehash = dataSource.CreateCommand("UPDATE operator_account SET password_hash = @h WHERE username = @u AND password_hash = @old");
            rehash.Parameters.AddWithValue("h", Hasher.HashPassword(username, password));
            rehash.Parameters.AddWithValue("u", found.Value.Account.Username);
            rehash.Parameters.AddWithValue("old", found.Value.Hash);
            await rehash.ExecuteNonQueryAsync(cancellationToken);
        }

        return found.Value.Account;
    }

    /// <summary>The account by name (enabled or not), or null.</summary>
    public async Task<OperatorAccount?> FindAsync(string username, CancellationToken cancellationToken = default) =>
        (await FindWithHashAsync(username, cancellationToken))?.Account;

    /// <summary>The accounts of <paramref name="usernames"/> that exist (enabled or not), in one query; absent names are missing.</summary>
    public async Task<Dictionary<string, OperatorAccount>> FindManyAsync(IReadOnlyCollection<string> usernames, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<string, OperatorAccount>(StringComparer.Ordinal);
        if (usernames.Count == 0)
        {
            return found;
        }

        await using var command = dataSource.CreateCommand(
            "SELECT username, display_name, role, unit_code, disabled, department_code FROM operator_account WHERE username = ANY(@u)");
        command.Parameters.AddWithValue("u", usernames.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var account = new OperatorAccount(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4),
                reader.IsDBNull(5) ? null : reader.GetString(5));
            found[account.Username] = account;
        }

        return found;
    }

    /// <summary>
    /// The accounts within <paramref name="unitScope"/> (their unit starts with it), by username after <paramref name="after"/>,
    /// filtered by unit (the unit and below), role and disabled flag when given; at most <paramref name="limit"/>.
    /// </summary>
    public async Task<List<OperatorAccount>> ListAsync(
        string unitScope, string? unit, string? role, bool? disabled, string? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {Columns} FROM operator_account
            WHERE unit_code LIKE @scope || '%' AND (@unit::text IS NULL OR unit_code LIKE @unit || '%')
              AND (@role::text IS NULL OR role = @role) AND (@disabled::boolean IS NULL OR disabled = @disabled)
              AND username > @after
            ORDER BY username LIMIT @limit
            """);
        command.Parameters.AddWithValue("scope", unitScope);
        command.Parameters.AddWithValue("unit", (object?)unit ?? DBNull.Value);
        command.Parameters.AddWithValue("role", (object?)role ?? DBNull.Value);
        command.Parameters.AddWithValue("disabled", (object?)disabled ?? DBNull.Value);
        command.Parameters.AddWithValue("after", after ?? "");
        command.Parameters.AddWithValue("limit", limit);
        var accounts = new List<OperatorAccount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            accounts.Add(Read(reader));
        }

        return accounts;
    }

    /// <summary>
    /// The account, locked for the rest of <paramref name="transaction"/> (an administrative change reads what it changes this way), or
    /// null. Administrative changes of accounts are serialised first (one transaction-level advisory lock): two admins disabling
    /// each other at once then run one after the other — the second sees the first and is refused as the last admin — instead
    /// of deadlocking on each other's rows. They are rare; sign-in and the standing check take no such lock.
    /// </summary>
    public static async Task<OperatorAccount?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string username, CancellationToken cancellationToken)
    {
        await using (var serialise = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('operator_account administration'))", connection, transaction))
        {
            await serialise.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM operator_account WHERE username = @u FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue("u", username);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Creates the account inside <paramref name="transaction"/>; false when one of that name exists (nothing written).</summary>
    public static async Task<bool> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, OperatorAccount account, string password, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(InsertAccount + "ON CONFLICT (username) DO NOTHING", connection, transaction);
        BindAccount(command, account, password);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The one INSERT of an account (its columns and parameters); the callers add what a conflict does.</summary>
    private const string InsertAccount = """
        INSERT INTO operator_account (username, display_name, password_hash, role, unit_code, disabled, department_code)
        VALUES (@u, @n, @h, @r, @c, @d, @dep)

        """;

    private static void BindAccount(NpgsqlCommand command, OperatorAccount account, string password)
    {
        command.Parameters.AddWithValue("u", account.Username);
        command.Parameters.AddWithValue("n", account.DisplayName);
        command.Parameters.AddWithValue("h", Hasher.HashPassword(account.Username, password));
        command.Parameters.AddWithValue("r", account.Role);
        command.Parameters.AddWithValue("c", account.UnitCode);
        command.Parameters.AddWithValue("d", account.Disabled);
        command.Parameters.AddWithValue("dep", (object?)account.DepartmentCode ?? DBNull.Value);
    }

    /// <summary>Writes everything of the account but its password inside <paramref name="transaction"/>.</summary>
    public static async Task UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, OperatorAccount account, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "UPDATE operator_account SET display_name = @n, role = @r, unit_code = @c, disabled = @d, department_code = @dep WHERE username = @u",
            connection, transaction);
        command.Parameters.AddWithValue("u", account.Username);
        command.Parameters.AddWithValue("n", account.DisplayName);
        command.Parameters.AddWithValue("r", account.Role);
        command.Parameters.AddWithValue("c", account.UnitCode);
        command.Parameters.AddWithValue("d", account.Disabled);
        command.Parameters.AddWithValue("dep", (object?)account.DepartmentCode ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Sets a new password inside <paramref name="transaction"/>; with <paramref name="signOutAt"/>, revokes every refresh token of
    /// the account at that time too, so no session refreshes on the old password.
    /// </summary>
    public static async Task SetPasswordAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string username, string password, DateTimeOffset? signOutAt, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE operator_account SET password_hash = $1 WHERE username = $2")
            { Parameters = { new() { Value = Hasher.HashPassword(username, password) }, new() { Value = username } } });
        if (signOutAt is { } at)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE refresh_token SET revoked_at = $2 WHERE username = $1 AND revoked_at IS NULL")
                { Parameters = { new() { Value = username }, new() { Value = at } } });
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>How many enabled admin accounts there are besides <paramref name="excluding"/>, with those rows locked (the last-admin check).</summary>
    public static async Task<int> OtherEnabledAdminsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string excluding, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT username FROM operator_account WHERE role = 'admin' AND NOT disabled AND username <> @u FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue("u", excluding);
        var count = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            count++;
        }

        return count;
    }

    /// <summary>Whether <paramref name="password"/> is the account's current one (no rehash, no lockout: the caller is signed in).</summary>
    public async Task<bool> IsPasswordAsync(string username, string password, CancellationToken cancellationToken = default) =>
        await FindWithHashAsync(username, cancellationToken) is { } found && password.Length > 0
        && Hasher.VerifyHashedPassword(username, found.Hash, password) != PasswordVerificationResult.Failed;

    private const string Columns = "username, display_name, role, unit_code, disabled, department_code";

    private static OperatorAccount Read(NpgsqlDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4), reader.IsDBNull(5) ? null : reader.GetString(5));

    private static readonly string DummyHash = Hasher.HashPassword("", Guid.NewGuid().ToString());

    private async Task<(OperatorAccount Account, string Hash)?> FindWithHashAsync(string username, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT username, display_name, role, unit_code, disabled, password_hash, department_code FROM operator_account WHERE username = @u");
        command.Parameters.AddWithValue("u", username);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return (new OperatorAccount(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4),
            reader.IsDBNull(6) ? null : reader.GetString(6)), reader.GetString(5));
    }
}

using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using OpsCentre.Database.Operators;

namespace OpsCentre.Gateway.Auth;

/// <summary>
/// Whether the account behind an access token is still in good standing: it exists, it is not disabled, and it still has
/// the role, unit and department the token names. An access token lives 15 minutes; this is what shuts a disabled (or
/// deleted, or moved) account out sooner. Each gateway keeps what it read per user for
/// <see cref="AuthOptions.StandingCheckSeconds"/>, so the database is read once per user per period, never per
/// request; concurrent requests of a user whose entry expired share one read. Sign-in and refresh put what they read.
/// </summary>
public sealed class AccountStanding(OperatorStore operators, IOptions<AuthOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _period = TimeSpan.FromSeconds(options.Value.StandingCheckSeconds);

    /// <summary>Whether <paramref name="user"/>'s account still fits the claims it presents. Reads the database only when this gateway's entry for the user is older than the period.</summary>
    public async ValueTask<bool> AdmitsAsync(ClaimsPrincipal user) => Fits(await AccountAsync(user.Username()), user);

    /// <summary>Whether <paramref name="account"/> (null: it does not exist) is enabled and has the role, unit and department <paramref name="user"/>'s token names.</summary>
    public static bool Fits(OperatorAccount? account, ClaimsPrincipal user) =>
        account is { Disabled: false }
        && account.Role == user.RoleOf()
        && account.UnitCode == user.UnitCodeOf()
        && account.DepartmentCode == user.DepartmentOf();

    /// <summary>Records what was just read of <paramref name="username"/> (null: no such account), fresh for one period.</summary>
    public void Put(string username, OperatorAccount? account) => _entries[username] = new Entry(Task.FromResult(account), clock.GetUtcNow() + _period);

    /// <summary>Drops the entries nobody renewed for two periods (users who stopped calling), so the cache holds only active users.</summary>
    public void Prune()
    {
        var stale = clock.GetUtcNow() - _period;
        foreach (var (username, entry) in _entries)
        {
            if (entry.FreshUntil < stale)
            {
                _entries.TryRemove(KeyValuePair.Create(username, entry));
            }
        }
    }

    private async ValueTask<OperatorAccount?> AccountAsync(string username)
    {
        while (true)
        {
            var now = clock.GetUtcNow();
            _entries.TryGetValue(username, out var entry);
            if (entry is not null && entry.FreshUntil > now)
            {
                return await entry.Lookup;
            }

            // Expired or missing: whoever installs the new entry reads; the others await its read.
            var read = new TaskCompletionSource<OperatorAccount?>(TaskCreationOptions.RunContinuationsAsynchronously);
            var fresh = new Entry(read.Task, now + _period);
            if (!(entry is null ? _entries.TryAdd(username, fresh) : _entries.TryUpdate(username, fresh, entry)))
            {
                continue;
            }

            try
            {
                // Not the request's cancellation: other requests wait for this read too.
                var account = await operators.FindAsync(username, CancellationToken.None);
                read.SetResult(account);
                return account;
            }
            catch (Exception ex)
            {
                // Not cached: the next request reads again (PostgreSQL unreachable is a 503, as everywhere).
                _entries.TryRemove(KeyValuePair.Create(username, fresh));
                read.SetException(ex);
                _ = read.Task.Exception;
                throw;
            }
        }
    }

    private sealed record Entry(Task<OperatorAccount?> Lookup, DateTimeOffset FreshUntil);
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace OpsCentre.Gateway.Limits;

/// <summary>
/// The escalating lockout of sign-in: <see cref="LimitOptions.SignInFailuresBeforeLockout"/> failed
/// sign-ins in a row lock the username for <see cref="LimitOptions.SignInLockoutSeconds"/>, each further
/// lockout twice as long as the one before, up to <see cref="LimitOptions.SignInMaxLockoutSeconds"/>.
/// While locked, a sign-in is refused before its password is checked, so a lockout also stops guesses
/// from costing password hashing. A success forgets the username's failures and level; so does a quiet
/// spell as long as the longest lockout. Unknown usernames are counted alike, so the answer does not
/// tell which accounts exist. Kept per gateway process, in memory.
/// </summary>
/// <remarks>
/// Anyone may lock an account by failing to sign in as it: that is the price of stopping password
/// guessing per account, and why the first lockout is short. The per-address limit (a policy of the
/// rate limiter) bounds how fast one client can do either.
/// </remarks>
public sealed partial class SignInLockout(IOptions<LimitOptions> options, TimeProvider clock, ILogger<SignInLockout> logger)
{
    /// <summary>Usernames tracked at most; past it, forgotten ones are swept, and if that is not enough, all.</summary>
    private const int MaxTracked = 100_000;

    private readonly LimitOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Account> _accounts = new(StringComparer.Ordinal);

    /// <summary>How much longer <paramref name="username"/> stays locked; null when it may sign in.</summary>
    public TimeSpan? LockedFor(string username)
    {
        if (!_accounts.TryGetValue(username, out var account))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        lock (account)
        {
            return account.LockedUntil > now ? account.LockedUntil - now : null;
        }
    }

    /// <summary>Counts a failed sign-in; the one that reaches the threshold locks the username.</summary>
    public void Failed(string username)
    {
        if (_accounts.Count >= MaxTracked)
        {
            Sweep();
        }

        var account = _accounts.GetOrAdd(username, _ => new Account());
        var now = clock.GetUtcNow();
        lock (account)
        {
            if (now - account.LastFailure > MaxLockout)
            {
                account.Failures = 0;
                account.Level = 0;
            }

            account.LastFailure = now;
            if (++account.Failures < _options.SignInFailuresBeforeLockout)
            {
                return;
            }

            var period = TimeSpan.FromSeconds(_options.SignInLockoutSeconds * Math.Pow(2, Math.Min(account.Level, 30)));
            period = period < MaxLockout ? period : MaxLockout;
            account.Failures = 0;
            account.Level++;
            account.LockedUntil = now + period;
            LogLocked(username, period, _options.SignInFailuresBeforeLockout, account.Level);
        }
    }

    /// <summary>A successful sign-in: the username's failures and lockout level are forgotten.</summary>
    public void Succeeded(string username) => _accounts.TryRemove(username, out _);

    private TimeSpan MaxLockout => TimeSpan.FromSeconds(_options.SignInMaxLockoutSeconds);

    private void Sweep()
    {
        var now = clock.GetUtcNow();
        foreach (var (username, account) in _accounts)
        {
            bool forgotten;
            lock (account)
            {
                forgotten = account.LockedUntil <= now && now - account.LastFailure > MaxLockout;
            }

            if (forgotten)
            {
                _accounts.TryRemove(username, out _);
            }
        }

        if (_accounts.Count >= MaxTracked)
        {
            // Someone is failing as very many names at once (the per-address limit makes that slow):
            // start over rather than grow without bound.
            _accounts.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sign-in as {Username} locked for {Period} after {Failures} failed attempts (lockout {Level} in a row)")]
    private partial void LogLocked(string username, TimeSpan period, int failures, int level);

    private sealed class Account
    {
        public int Failures { get; set; }

        public int Level { get; set; }

        public DateTimeOffset LastFailure { get; set; } = DateTimeOffset.MinValue;

        public DateTimeOffset LockedUntil { get; set; } = DateTimeOffset.MinValue;
    }
}

namespace OpsCentre.Testing;

/// <summary>
/// The one way tests wait: polls a condition of a real distributed system until it holds or a deadline
/// passes. A probe that throws a transient error (the system still settling) counts as "not yet".
/// </summary>
public static class Eventually
{
    /// <summary>How often a condition is looked at, unless the caller says otherwise.</summary>
    public static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(250);

    /// <summary>Errors of a system over HTTP or sockets that is still starting, moving or restarting.</summary>
    public static bool IsTransient(Exception error) =>
        error is HttpRequestException or TaskCanceledException or InvalidOperationException or IOException;

    /// <summary>
    /// The first value of <paramref name="probe"/> that satisfies <paramref name="condition"/>; throws a
    /// <see cref="TimeoutException"/> naming <paramref name="what"/> (and the last value, when
    /// <paramref name="describe"/> is given) if none does within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<T> HoldsAsync<T>(
        Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, string what,
        Func<Exception, bool>? transient = null, TimeSpan? pollEvery = null, Func<T, string>? describe = null)
    {
        transient ??= IsTransient;
        var deadline = DateTime.UtcNow + timeout;
        var seen = false;
        T last = default!;
        Exception? lastError = null;
        do
        {
            try
            {
                last = await probe();
                seen = true;
                if (condition(last))
                {
                    return last;
                }
            }
            catch (Exception ex) when (transient(ex))
            {
                lastError = ex;
            }

            await Task.Delay(pollEvery ?? DefaultPoll);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"{what} did not hold within {timeout}."
            + (seen && describe is not null ? " Last seen: " + describe(last) : "")
            + (lastError is null ? "" : " Last error: " + lastError.Message));
    }

    /// <summary>Waits until <paramref name="condition"/> answers true.</summary>
    public static Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<Exception, bool>? transient = null, TimeSpan? pollEvery = null) =>
        HoldsAsync(condition, held => held, timeout, what, transient, pollEvery);

    /// <summary>Waits until <paramref name="condition"/> (of state the test holds, such as what a client received) is true.</summary>
    public static Task HoldsAsync(Func<bool> condition, TimeSpan timeout, string what, TimeSpan? pollEvery = null) =>
        HoldsAsync(() => Task.FromResult(condition()), held => held, timeout, what, pollEvery: pollEvery);

    /// <summary>Retries <paramref name="action"/> while it fails transiently; its first answer.</summary>
    public static Task<T> SucceedsAsync<T>(Func<Task<T>> action, TimeSpan timeout, string what, Func<Exception, bool> transient, TimeSpan? pollEvery = null) =>
        HoldsAsync(action, _ => true, timeout, what, transient, pollEvery);
}

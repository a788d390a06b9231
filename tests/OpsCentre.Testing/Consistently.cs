namespace OpsCentre.Testing;

/// <summary>
/// The one way tests check that something does <em>not</em> happen: the condition is looked at from the
/// start to the end of a period and must hold every time. A <c>Task.Delay</c> followed by one assert
/// looks once, at a moment the test guessed; this fails at the first look that finds it broken, and
/// always looks once more after the whole period has passed.
/// </summary>
public static class Consistently
{
    /// <summary>How often the condition is looked at during the period.</summary>
    public static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>Fails (naming <paramref name="what"/> and the value that broke it) unless <paramref name="condition"/> holds throughout <paramref name="period"/>; returns the last value.</summary>
    public static async Task<T> HoldsAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan period, string what, Func<T, string>? describe = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var done = clock.Elapsed >= period;
            var value = await probe();
            if (!condition(value))
            {
                throw new Xunit.Sdk.XunitException(
                    $"{what} stopped holding {clock.Elapsed.TotalMilliseconds:F0} ms into {period.TotalMilliseconds:F0} ms"
                    + (describe is null ? "." : ": " + describe(value)));
            }

            if (done)
            {
                return value;
            }

            var left = period - clock.Elapsed;
            await Task.Delay(left <= TimeSpan.Zero ? TimeSpan.Zero : left < DefaultPoll ? left : DefaultPoll);
        }
    }

    /// <summary>Fails unless <paramref name="condition"/> answers true throughout <paramref name="period"/>.</summary>
    public static Task HoldsAsync(Func<Task<bool>> condition, TimeSpan period, string what) =>
        HoldsAsync(condition, held => held, period, what);

    /// <summary>Fails unless <paramref name="condition"/> (of state the test holds) is true throughout <paramref name="period"/>.</summary>
    public static Task HoldsAsync(Func<bool> condition, TimeSpan period, string what) =>
        HoldsAsync(() => Task.FromResult(condition()), held => held, period, what);
}

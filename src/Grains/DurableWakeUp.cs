using Orleans.Runtime;

namespace OpsCentre.Grains;

/// <summary>
/// A grain's own wake-up: a grain timer for the exact moment, and — while a moment is due — a reminder,
/// the durable wake-up that reactivates the grain on another silo after its silo died. It remembers
/// whether its reminder is registered, so scheduling again (on every status, every transition) costs
/// no storage call unless the reminder must come or go. Used from the grain's own turns only.
/// With a <c>phaseKey</c> (the grain's key) the reminder's phase within its period is spread by the key: grains that
/// registered theirs in the same second (a whole city's devices coming online after a start) do not all tick in the
/// same second after the next start, when every overdue reminder fires within one period.
/// </summary>
public sealed class DurableWakeUp(Grain grain, string reminderName, TimeSpan reminderPeriod, Func<Task> wake, TimeProvider clock, bool keepAlive = false, string? phaseKey = null)
{
    private readonly TimeSpan _firstTick = reminderPeriod + (phaseKey is null ? TimeSpan.Zero : PhaseOf(phaseKey, reminderPeriod));

    /// <summary>
    /// The longest a grain timer waits at once (its limit is ~49.7 days: 2^32 − 2 ms). A moment further away (a floating
    /// resident's registration ending in 200 days) is woken early at this bound; the wake re-reads what is due and
    /// schedules again, as every wake already must (the periodic reminder wakes it early too).
    /// </summary>
    public static readonly TimeSpan LongestTimer = TimeSpan.FromDays(7);

    private IGrainTimer? _timer;
    private bool? _reminderRegistered; // null: not known since activation

    /// <summary>For a grain that knows it never registered its reminder (a brand-new object): saves the lookup.</summary>
    public void AssumeNoReminder() => _reminderRegistered ??= false;

    /// <summary>Wakes once as soon as the current turn ends (after an activation that may be overdue); the reminder is left as it is.</summary>
    public void Soon() => Arm(TimeSpan.Zero);

    /// <summary>Wakes at <paramref name="due"/> and keeps the reminder meanwhile; with null, stops both.</summary>
    public async Task ScheduleAsync(DateTimeOffset? due)
    {
        if (due is null)
        {
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (_reminderRegistered != false)
            {
                if (await grain.GetReminder(reminderName) is { } reminder)
                {
                    await grain.UnregisterReminder(reminder);
                }

                _reminderRegistered = false;
            }

            return;
        }

        var delay = due.Value - clock.GetUtcNow();
        Arm(delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
        if (_reminderRegistered != true)
        {
            await grain.RegisterOrUpdateReminder(reminderName, _firstTick, reminderPeriod);
            _reminderRegistered = true;
        }
    }

    /// <summary>A stable point within <paramref name="period"/> for <paramref name="key"/> (FNV-1a of the key: the same on every silo and every run).</summary>
    public static TimeSpan PhaseOf(string key, TimeSpan period)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return TimeSpan.FromTicks((long)(hash % (ulong)Math.Max(1, period.Ticks / TimeSpan.TicksPerMillisecond)) * TimeSpan.TicksPerMillisecond);
    }

    private void Arm(TimeSpan delay)
    {
        delay = delay > LongestTimer ? LongestTimer : delay;
        if (_timer is null)
        {
            _timer = grain.RegisterGrainTimer(wake, new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { KeepAlive = keepAlive });
        }
        else
        {
            _timer.Change(delay, Timeout.InfiniteTimeSpan);
        }
    }
}

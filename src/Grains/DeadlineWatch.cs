using OpsCentre.Grains.Alerts;

namespace OpsCentre.Grains;

/// <summary>A subject whose deadline is read from a row: who it is, the unit it is in, and its deadline while it is not met.</summary>
/// <param name="DueAt">The deadline the overdue rules read; null once it is met (or there is none), so an episode (if any) ends.</param>
public sealed record DeadlineSubject(AlertSubject Subject, string UnitCode, DateTimeOffset? DueAt);

/// <summary>
/// The rules' watch over the deadlines of a grain whose subjects are rows (a hand-over request, a mediation, a campaign's grids,
/// a grid's key places). Every evaluation re-reads the rows, so a lost call is corrected by the next wake: it evaluates each subject
/// with its one deadline, writes the grain's state once an episode has ended, and arms the grain's wake-up — its timer at the
/// earliest moment a rule asks to look again, an hourly reminder meanwhile — or, when the evaluation fails, a minute later.
/// Used from the grain's own turns only.
/// </summary>
/// <param name="key">The grain's key, which spreads its reminder's phase (<see cref="DurableWakeUp"/>).</param>
/// <param name="deadline">The deadline's name, as the overdue rules read it (<c>{"deadline":"campaign"}</c>).</param>
/// <param name="wake">What the grain's wake-up calls: the grain's evaluation.</param>
/// <param name="persist">Writes the grain's state, which holds its subjects' watch states.</param>
public sealed class DeadlineWatch(Grain grain, string key, string deadline, Func<Task> wake, Func<Task> persist, AlertWatcher alerts, TimeProvider clock)
{
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromHours(1);

    /// <summary>How soon an evaluation whose alerts could not be written looks again.</summary>
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);

    private readonly DurableWakeUp _wakeUp = new(grain, "wake", ReminderPeriod, wake, clock, phaseKey: key);

    /// <summary>Evaluates once as soon as the current turn ends (after an activation, which may come after the deadline).</summary>
    public void Soon() => _wakeUp.Soon();

    /// <summary>
    /// Evaluates the grain's one subject, as <paramref name="read"/> finds it: with no row, the wake-up stops.
    /// </summary>
    /// <param name="watch">The subject's watch state, in the grain's state.</param>
    public Task EvaluateAsync(AlertWatchState watch, Func<Task<DeadlineSubject?>> read) =>
        RunAsync(clock.GetUtcNow(), null, async evaluation =>
        {
            if (await read() is not { } subject)
            {
                return;
            }

            var hadRules = watch.Rules.Count > 0;
            var next = await EvaluateSubjectAsync(subject, watch, evaluation.Now);
            if (hadRules && watch.Rules.Count == 0)
            {
                await persist();
            }

            // Asked for once the state is written: a failed write looks again a minute later, whatever the rules asked.
            evaluation.WakeAt(next);
        });

    /// <summary>
    /// Evaluates each subject the rows name (<paramref name="keys"/>) and each whose episode is still open (it may have met its deadline
    /// since, or been removed); a subject without a watch is dropped from <paramref name="watches"/>.
    /// </summary>
    /// <param name="watches">The subjects' watch states by key, in the grain's state.</param>
    /// <param name="subjectOf">The subject under a key, with its deadline as the rows have it.</param>
    /// <param name="now">When the rows were read (by default, now).</param>
    /// <param name="wakeAt">A moment of the grain's own to wake at as well (when the rows change with time).</param>
    public Task EvaluateAsync(
        Dictionary<string, AlertWatchState> watches, IEnumerable<string> keys, Func<string, DeadlineSubject> subjectOf,
        DateTimeOffset? now = null, DateTimeOffset? wakeAt = null) =>
        RunAsync(now ?? clock.GetUtcNow(), wakeAt, async evaluation =>
        {
            foreach (var key in keys.Union(watches.Keys).ToList())
            {
                // In the state before it is evaluated: an alert opened persists the state that names it.
                var watch = watches.TryGetValue(key, out var known) ? known : watches[key] = new AlertWatchState();
                evaluation.WakeAt(await EvaluateSubjectAsync(subjectOf(key), watch, evaluation.Now));
                if (watch.Rules.Count == 0 && watches.Remove(key) && known is not null)
                {
                    await persist();
                }
            }
        });

    /// <summary>Runs <paramref name="evaluate"/>, then arms the wake-up at the earliest moment asked for — a minute later at the latest when it fails.</summary>
    private async Task RunAsync(DateTimeOffset now, DateTimeOffset? wakeAt, Func<Evaluation, Task> evaluate)
    {
        var evaluation = new Evaluation(now, wakeAt);
        try
        {
            await evaluate(evaluation);
        }
        catch
        {
            evaluation.WakeAt(now + RetryAfter);
            throw;
        }
        finally
        {
            await _wakeUp.ScheduleAsync(evaluation.Next);
        }
    }

    private Task<DateTimeOffset?> EvaluateSubjectAsync(DeadlineSubject subject, AlertWatchState watch, DateTimeOffset now)
    {
        var facts = new SubjectFacts();
        if (subject.DueAt is { } dueAt)
        {
            facts.Deadlines[deadline] = dueAt;
        }

        return alerts.EvaluateAsync(new WatchedSubject(subject.Subject, subject.UnitCode, watch, persist), facts, now);
    }

    /// <summary>One evaluation's moment, and the earliest moment asked to wake at so far (null: none).</summary>
    private sealed class Evaluation(DateTimeOffset now, DateTimeOffset? next)
    {
        public DateTimeOffset Now { get; } = now;

        public DateTimeOffset? Next { get; private set; } = next;

        public void WakeAt(DateTimeOffset? at) => Next = at is null ? Next : Next is null || at < Next ? at : Next;
    }
}

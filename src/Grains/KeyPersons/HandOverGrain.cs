using Microsoft.Extensions.DependencyInjection;
using OpsCentre.Grains.Alerts;
using Orleans.Runtime;

namespace OpsCentre.Grains.KeyPersons;

/// <summary>
/// One hand-over request (异地协作监管), keyed by its id: the receiving side's notice of it. While the request is open it is a
/// subject of the rules (subject kind <c>hand-over</c>, id the request's, unit the receiving grid) offering the request time as
/// the deadline <c>handOverReceived</c> — due at once — so the demo rule <c>hand-over-received</c> raises an alert in the
/// receiving grid (its wall screens show it, its levels are urged like any alert) that ends when the request is answered.
/// The requesting side's deadline (<c>handOver</c>, the answer due) stays the person's, in <c>KeyPersonGrain</c>. The request
/// is a row (<see cref="HandOvers"/>): every call and every wake re-reads it, so a lost call is corrected by the next wake.
/// </summary>
public interface IHandOverGrain : IGrainWithStringKey
{
    /// <summary>After the request is stored or answered (or either is retried): looks at it again.</summary>
    Task Changed();
}

/// <summary>A hand-over request as an alert subject.</summary>
public static class HandOverSubjects
{
    /// <summary>The deadline name the receiving side's rule reads (<c>{"deadline":"handOverReceived"}</c>): the request's time.</summary>
    public const string Deadline = "handOverReceived";

    public static AlertSubject Of(string handOverId) => new(SubjectKinds.HandOver, handOverId);
}

public sealed class HandOverWatchState
{
    /// <summary>The rules' watch state of the request while an episode is open (or was, until it ends).</summary>
    public AlertWatchState Watch { get; set; } = new();
}

/// <summary>
/// Not reentrant: one evaluation at a time. Its wake-up (timer, hourly reminder while a rule asks to look again) and a look on
/// every activation re-read the request from PostgreSQL.
/// </summary>
public sealed class HandOverGrain(
    [PersistentState("hand-over")] IPersistentState<HandOverWatchState> state,
    HandOvers handOvers,
    AlertWatcher alerts,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, IHandOverGrain, IRemindable
{
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromHours(1);

    /// <summary>How soon an evaluation whose alerts could not be written looks again.</summary>
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(1);

    private string _id = "";
    private DurableWakeUp? _wakeUp;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _id = this.GetPrimaryKeyString();
        _wakeUp = new DurableWakeUp(this, "wake", ReminderPeriod, EvaluateAsync, clock, phaseKey: _id);
        _wakeUp.Soon();
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => EvaluateAsync();

    public Task Changed() => EvaluateAsync();

    private async Task EvaluateAsync()
    {
        var now = clock.GetUtcNow();
        DateTimeOffset? next = null;
        try
        {
            if (await handOvers.FindAsync(_id) is not { } found)
            {
                return;
            }

            var facts = new SubjectFacts();
            if (found.State == "requested")
            {
                facts.Deadlines[HandOverSubjects.Deadline] = found.RequestedAt;
            }

            var watch = state.State.Watch;
            var hadRules = watch.Rules.Count > 0;
            next = await alerts.EvaluateAsync(new WatchedSubject(HandOverSubjects.Of(_id), found.ToGrid, watch, state.WriteStateAsync), facts, now);
            if (hadRules && watch.Rules.Count == 0)
            {
                await state.WriteStateAsync();
            }
        }
        catch
        {
            next = now + RetryAfter;
            throw;
        }
        finally
        {
            await _wakeUp!.ScheduleAsync(next);
        }
    }
}

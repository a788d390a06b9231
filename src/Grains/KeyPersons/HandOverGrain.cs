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
    private string _id = "";
    private DeadlineWatch? _deadline;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _id = this.GetPrimaryKeyString();
        _deadline = new DeadlineWatch(this, _id, HandOverSubjects.Deadline, EvaluateAsync, state.WriteStateAsync, alerts, clock);
        _deadline.Soon();
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => EvaluateAsync();

    public Task Changed() => EvaluateAsync();

    private Task EvaluateAsync() => _deadline!.EvaluateAsync(state.State.Watch, ReadAsync);

    /// <summary>The request's time while it waits for an answer; none once it is answered, so an episode (if any) ends.</summary>
    private async Task<DeadlineSubject?> ReadAsync() =>
        await handOvers.FindAsync(_id) is { } found
            ? new DeadlineSubject(HandOverSubjects.Of(_id), found.ToGrid, found.State == "requested" ? found.RequestedAt : null)
            : null;
}

using Microsoft.Extensions.DependencyInjection;
using OpsCentre.Grains.Alerts;
using Orleans.Runtime;

namespace OpsCentre.Grains.Mediation;

/// <summary>
/// One joint mediation (三所联调), keyed by its id: watches the parts' deadline. While the case is open and a participating
/// department's part is missing, the case is a subject of the overdue rules (subject kind <c>mediation</c>, deadline
/// <c>mediationPart</c> = <c>partsDueAt</c>, unit the case's unit), so an overdue part raises an alert that escalates up the
/// levels like any other; the last part recorded, or the case closed, ends it. The case itself is rows
/// (<see cref="MediationCases"/>): every call and every wake re-reads it, so a lost call is corrected by the next wake.
/// </summary>
public interface IMediationGrain : IGrainWithStringKey
{
    /// <summary>After the case is stored, a part recorded, or the case closed (or any of them retried): looks at the deadline again.</summary>
    Task Changed();
}

/// <summary>A mediation as an alert subject.</summary>
public static class MediationSubjects
{
    /// <summary>The deadline name the overdue rules read (<c>{"deadline":"mediationPart"}</c>).</summary>
    public const string Deadline = "mediationPart";

    public static AlertSubject Of(string mediationId) => new(SubjectKinds.Mediation, mediationId);
}

public sealed class MediationWatchState
{
    /// <summary>The rules' watch state of the case while an episode is open (or was, until it ends).</summary>
    public AlertWatchState Watch { get; set; } = new();
}

/// <summary>
/// Not reentrant: one evaluation at a time. Wakes by its own timer at the deadline (capped at <see cref="DurableWakeUp.LongestTimer"/>,
/// then scheduled again) or when a rule asks to look again, with an hourly reminder meanwhile as its durable wake-up; on every
/// activation it looks once, so a reminder's reactivation (or a silo's death) re-reads the case from PostgreSQL.
/// </summary>
public sealed class MediationGrain(
    [PersistentState("mediation")] IPersistentState<MediationWatchState> state,
    MediationCases cases,
    AlertWatcher alerts,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, IMediationGrain, IRemindable
{
    private string _id = "";
    private DeadlineWatch? _deadline;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _id = this.GetPrimaryKeyString();
        _deadline = new DeadlineWatch(this, _id, MediationSubjects.Deadline, EvaluateAsync, state.WriteStateAsync, alerts, clock);
        _deadline.Soon();
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => EvaluateAsync();

    public Task Changed() => EvaluateAsync();

    private Task EvaluateAsync() => _deadline!.EvaluateAsync(state.State.Watch, ReadAsync);

    /// <summary>The parts' deadline while the case is open with a part missing; otherwise none, so an episode (if any) ends.</summary>
    private async Task<DeadlineSubject?> ReadAsync() =>
        await cases.FindAsync(_id) is { } found
            ? new DeadlineSubject(MediationSubjects.Of(_id), found.UnitCode, found.State == "open" && found.Missing.Count > 0 ? found.PartsDueAt : null)
            : null;
}

using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace OpsCentre.Grains.Tests.Probes;

// Small grains that exercise the silo's infrastructure (storage, reminders, clocks) through the
// real providers. They exist only in this test assembly.

/// <summary>A grain state with the shapes real states have: nested records, lists, times, nulls.</summary>
[GenerateSerializer]
public sealed class ProbeState
{
    [Id(0)]
    public string Name { get; set; } = "";

    [Id(1)]
    public int Count { get; set; }

    [Id(2)]
    public DateTimeOffset? LastSeen { get; set; }

    [Id(3)]
    public List<ProbeItem> Items { get; set; } = [];

    [Id(4)]
    public Dictionary<string, double> Readings { get; set; } = [];
}

[GenerateSerializer, Immutable]
public sealed record ProbeItem([property: Id(0)] string Code, [property: Id(1)] decimal Amount);

public interface IStorageProbeGrain : IGrainWithStringKey
{
    Task Save(ProbeState state);

    Task<ProbeState> Load();

    Task<string> HostingSilo();
}

public sealed class StorageProbeGrain([PersistentState("probe")] IPersistentState<ProbeState> state) : Grain, IStorageProbeGrain
{
    public async Task Save(ProbeState value)
    {
        state.State = value;
        await state.WriteStateAsync();
    }

    public Task<ProbeState> Load() => Task.FromResult(state.State);

    public Task<string> HostingSilo() => Task.FromResult(ServiceProvider.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString());
}

public interface IWakeUpProbeGrain : IGrainWithIntegerKey
{
    Task Arm(TimeSpan dueTime, TimeSpan period);

    Task<int> Ticks();
}

/// <summary>Counts reminder ticks in its persisted state, so a tick survives deactivation.</summary>
public sealed class WakeUpProbeGrain([PersistentState("wakeup")] IPersistentState<WakeUpState> state) : Grain, IWakeUpProbeGrain, IRemindable
{
    public Task Arm(TimeSpan dueTime, TimeSpan period) => this.RegisterOrUpdateReminder("probe", dueTime, period);

    public Task<int> Ticks() => Task.FromResult(state.State.Ticks);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        state.State.Ticks++;
        await state.WriteStateAsync();
        await this.UnregisterReminder(await this.GetReminder("probe") ?? throw new InvalidOperationException("reminder vanished"));
    }
}

public sealed class WakeUpState
{
    public int Ticks { get; set; }
}

public interface IClockProbeGrain : IGrainWithStringKey
{
    Task<DateTimeOffset> Now();

    Task StartTimer(TimeSpan dueTime);

    Task<DateTimeOffset?> TimerFiredAt();
}

/// <summary>Reads time only from the grain clock, as every OpsCentre grain does.</summary>
public sealed class ClockProbeGrain([FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, IClockProbeGrain
{
    private DateTimeOffset? _firedAt;

    public Task<DateTimeOffset> Now() => Task.FromResult(clock.GetUtcNow());

    public Task StartTimer(TimeSpan dueTime)
    {
        this.RegisterGrainTimer(() =>
        {
            _firedAt = clock.GetUtcNow();
            return Task.CompletedTask;
        }, new GrainTimerCreationOptions(dueTime, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public Task<DateTimeOffset?> TimerFiredAt() => Task.FromResult(_firedAt);
}

public interface IAppenderProbeGrain : IGrainWithStringKey
{
    /// <summary>Appends <paramref name="count"/> operations concurrently to the district's log, one event each.</summary>
    Task<IReadOnlyList<long>> AppendMany(string district, int count);
}

/// <summary>A grain that appends to a district log the way domain grains will: as itself, with its own op ids.</summary>
public sealed class AppenderProbeGrain : Grain, IAppenderProbeGrain
{
    public async Task<IReadOnlyList<long>> AppendMany(string district, int count)
    {
        var me = this.GetPrimaryKeyString();
        var log = GrainFactory.GetGrain<OpsCentre.Grains.EventLog.IDistrictEventLogGrain>(district);
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => log.Append(
            me, $"op-{i}",
            [new OpsCentre.Grains.EventLog.EventDraft(district + "001", "probe.appended", me, DateTimeOffset.UtcNow, $$"""{"id":"{{me}}-{{i}}"}""")])));
        return [.. results.Select(r => r[0].Seq)];
    }
}

using Orleans.Concurrency;

namespace OpsCentre.Grains.Workers;

/// <summary>
/// What a worker's device saw: a position at a time, and the duty switch when it sent one; under the device's id
/// and the status's seq, so that the worker keeps the newest when one-way deliveries overtake each other.
/// </summary>
[GenerateSerializer, Immutable, Alias("ops.WorkerObservation")]
public sealed record WorkerObservation(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] double Lat,
    [property: Id(2)] double Lon,
    [property: Id(3)] bool? OnDuty,
    [property: Id(4)] string DeviceId,
    [property: Id(5)] long Seq);

/// <summary>A grid worker's live state.</summary>
[GenerateSerializer, Immutable, Alias("ops.WorkerSnapshot")]
public sealed record WorkerSnapshot(
    [property: Id(0)] string Id,
    [property: Id(1)] string AssignedGrid,
    [property: Id(2)] string? CurrentGrid,
    [property: Id(3)] double? Lat,
    [property: Id(4)] double? Lon,
    [property: Id(5)] bool Online,
    [property: Id(6)] bool OnDuty);

/// <summary>
/// 网格员: one grid worker, keyed by worker id. Holds the last position (resolved to its grid through
/// the grid map), on duty, online, and the assigned grid; reports its part of the assigned grid's
/// counters (online, on duty) whenever they change.
/// </summary>
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>
    /// A fresh observation from the worker's device; the worker is online. One-way: the device's
    /// answer to its status never waits for the worker's roll-up up the hierarchy.
    /// </summary>
    [OneWay]
    Task Observe(WorkerObservation observation);

    /// <summary>
    /// The positions of a queue the worker's device uploaded after a loss of signal, in seq order: each newer than the last
    /// applied is judged by the worker's rules at its own time when it arrives late, then the newest counts as the worker's
    /// live state. Awaited (batches are rare), so the device's next status cannot overtake it.
    /// </summary>
    Task Replay(IReadOnlyList<WorkerObservation> observations);

    /// <summary>The device fell silent. One-way, as <see cref="Observe"/>.</summary>
    [OneWay]
    Task GoOffline();

    /// <summary>Null when no such worker is on the roster.</summary>
    Task<WorkerSnapshot?> Snapshot();

    /// <summary>
    /// The roster changed the worker's assigned grid, ended or brought them back (a re-import; <c>RosterWatch</c> tells): the
    /// worker's entry leaves the old grid's counters and is counted in the new grid's; an ended worker counts nowhere.
    /// </summary>
    /// <param name="formerGrid">The grid the roster assigned the worker to before.</param>
    Task Reassign(string formerGrid);
}

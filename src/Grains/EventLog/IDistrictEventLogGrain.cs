using Orleans.Concurrency;

namespace OpsCentre.Grains.EventLog;

/// <summary>
/// The single writer of one district's event log, keyed by the 6-digit district code. It numbers
/// events gap-free, commits them in order, and only then acknowledges and announces them to the
/// gateways' observers it keeps. Live state (counters, positions) travels beside it, through the
/// district's <see cref="Live.IDistrictLiveFeedGrain"/>.
/// </summary>
public interface IDistrictEventLogGrain : IGrainWithStringKey
{
    /// <summary>
    /// Appends <paramref name="events"/> as one operation of <paramref name="caller"/>. Returns once
    /// they are committed. Retrying with the same caller and <paramref name="opId"/> stores nothing
    /// new and returns the events as first stored.
    /// </summary>
    /// <exception cref="ArgumentException">An event's unit code lies outside this district, or a field is empty.</exception>
    Task<IReadOnlyList<LoggedEvent>> Append(string caller, string opId, IReadOnlyList<EventDraft> events);

    /// <summary>The highest committed sequence number.</summary>
    Task<long> LastSeq();

    /// <summary>
    /// Registers (or renews) a gateway's observer. Observers that are not renewed within the
    /// expiry are dropped, so a vanished gateway costs nothing. Returns the highest committed
    /// sequence number, so the gateway can notice anything it missed.
    /// </summary>
    Task<long> Watch(IEventFeedObserver observer);

    /// <summary>Removes a gateway's observer.</summary>
    Task Unwatch(IEventFeedObserver observer);
}

/// <summary>A gateway process's receiver of committed events; one per gateway.</summary>
public interface IEventFeedObserver : IGrainObserver
{
    /// <summary>Events just committed in a district, in sequence order. One-way: a slow gateway never holds up the writer.</summary>
    [OneWay]
    Task OnEvents(string districtCode, IReadOnlyList<LoggedEvent> events);
}

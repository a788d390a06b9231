using Orleans.Concurrency;

namespace OpsCentre.Grains.Live;

/// <summary>
/// One district's live feed, keyed by the 6-digit district code: where the gateways' observers for the district's
/// live state are kept, and what forwards to them the batches the silos' <see cref="LiveRelay"/>s (and the KPI feed)
/// send. Beside the district's event log, not in it: the log is for durable events only.
/// </summary>
public interface IDistrictLiveFeedGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers (or renews) a gateway's observer. Observers that are not renewed within the expiry are dropped, so a
    /// vanished gateway costs nothing.
    /// </summary>
    Task Watch(ILiveFeedObserver observer);

    /// <summary>Removes a gateway's observer.</summary>
    Task Unwatch(ILiveFeedObserver observer);

    /// <summary>
    /// Passes already conflated live items of the district's units to every gateway, as they are. Best effort and
    /// one-way: live state may be dropped, never durable events.
    /// </summary>
    [OneWay]
    Task Publish(IReadOnlyList<LiveItem> items);
}

/// <summary>A gateway process's receiver of live state; one per gateway.</summary>
public interface ILiveFeedObserver : IGrainObserver
{
    /// <summary>Live items of the district's units, latest per (kind, id) within the batch. One-way.</summary>
    [OneWay]
    Task OnLive(string districtCode, IReadOnlyList<LiveItem> items);
}

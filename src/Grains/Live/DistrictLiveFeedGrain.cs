using Microsoft.Extensions.Logging;
using Orleans.Utilities;
using OpsCentre.Grains.Units;

namespace OpsCentre.Grains.Live;

/// <summary>
/// One district's live feed. It keeps no live state and has no timer: each silo's relay already sends a district's
/// latest items at most once a period, so a batch is forwarded to the gateways in the turn it arrives, and the
/// gateways conflate what reaches them until they send to their screens.
/// </summary>
// Not reentrant: each call only forwards or changes the observer list, and one at a time keeps that list from
// changing while a batch is being handed to it.
public sealed class DistrictLiveFeedGrain(ILogger<DistrictLiveFeedGrain> logger) : Grain, IDistrictLiveFeedGrain
{
    private static readonly TimeSpan ObserverExpiry = TimeSpan.FromMinutes(1);

    private readonly ObserverManager<ILiveFeedObserver> _observers = new(ObserverExpiry, logger);
    private string _district = "";

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _district = this.GetPrimaryKeyString();
        if (!UnitCode.IsValid(_district) || UnitCode.LevelOf(_district) != UnitLevel.District)
        {
            throw new ArgumentException($"'{_district}' is not a district code");
        }

        return Task.CompletedTask;
    }

    public Task Watch(ILiveFeedObserver observer)
    {
        _observers.Subscribe(observer, observer);
        _observers.ClearExpired();
        return Task.CompletedTask;
    }

    public Task Unwatch(ILiveFeedObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task Publish(IReadOnlyList<LiveItem> items) =>
        items.Count == 0 ? Task.CompletedTask : _observers.Notify(o => o.OnLive(_district, items));
}

using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using OpsCentre.Gateway.Auth;
using OpsCentre.Grains.EventLog;
using OpsCentre.Grains.Live;

namespace OpsCentre.Gateway.Screens;

/// <summary>
/// This gateway's link between the districts and its screen connections. It is the gateway's one
/// <see cref="IEventFeedObserver"/> and <see cref="ILiveFeedObserver"/>: registered with the event log and
/// the live feed of every district any local screen watches, renewed every few seconds (Orleans holds
/// client observers weakly and the districts expire silent ones), and each renewal reports the district's
/// head so a lost notification is noticed and filled from the log. Live items are conflated here, once for
/// all of the gateway's connections, and handed to them on each tick.
/// </summary>
public sealed partial class ScreenFeed(
    IClusterClient cluster, IHubContext<OpsHub, IOpsClient> hub, EventLogStore log, IOptions<ScreenOptions> options, Database.DatabaseHealth database, ILogger<ScreenFeed> logger)
    : BackgroundService, IEventFeedObserver, ILiveFeedObserver
{
    private readonly ConcurrentDictionary<string, ScreenConnection> _connections = new();
    private readonly ConcurrentDictionary<string, bool> _watched = new();
    private readonly Lock _liveLock = new();
    private readonly Lock _openLock = new();
    private Dictionary<string, LiveConflation> _live = [];
    private IEventFeedObserver? _events;
    private ILiveFeedObserver? _liveReference;

    /// <summary>The connection's delivery, or null when its user already holds <see cref="ScreenOptions.MaxConnectionsPerUser"/> on this gateway.</summary>
    public ScreenConnection? Open(HubCallerContext context)
    {
        var username = context.User!.Username();
        lock (_openLock)
        {
            if (_connections.Values.Count(c => c.Username == username) >= options.Value.MaxConnectionsPerUser)
            {
                return null;
            }

            Grains.OpsCentreMetrics.ScreenConnected(1);
            return _connections[context.ConnectionId] = new ScreenConnection(context, hub.Clients.Client(context.ConnectionId), log, options.Value, logger);
        }
    }

    public ScreenConnection? Find(string connectionId) => _connections.GetValueOrDefault(connectionId);

    /// <summary>The connections open on this gateway now (a snapshot).</summary>
    public IReadOnlyCollection<ScreenConnection> Connections => [.. _connections.Values];

    public void Close(string connectionId)
    {
        if (_connections.TryRemove(connectionId, out var connection))
        {
            Grains.OpsCentreMetrics.ScreenConnected(-1);
            connection.Complete();
        }
    }

    /// <summary>Makes sure the district's event log and live feed know this gateway; returns the district's head.</summary>
    public async Task<long> WatchAsync(string district)
    {
        await cluster.GetGrain<IDistrictLiveFeedGrain>(district).Watch(_liveReference ??= cluster.CreateObjectReference<ILiveFeedObserver>(this));
        var head = await cluster.GetGrain<IDistrictEventLogGrain>(district).Watch(_events ??= cluster.CreateObjectReference<IEventFeedObserver>(this));
        _watched[district] = true;
        return head;
    }

    public Task OnEvents(string districtCode, IReadOnlyList<LoggedEvent> events)
    {
        foreach (var connection in _connections.Values)
        {
            if (connection.Districts.Contains(districtCode))
            {
                connection.OnEvents(districtCode, events);
            }
        }

        return Task.CompletedTask;
    }

    // Each silo's relay sends a district's latest items every 50 ms; a connection sends at most once a tick, so
    // what arrives in between is conflated here (latest wins per kind and id) rather than in every connection.
    public Task OnLive(string districtCode, IReadOnlyList<LiveItem> items)
    {
        lock (_liveLock)
        {
            if (!_live.TryGetValue(districtCode, out var waiting))
            {
                _live[districtCode] = waiting = new(items.Count);
            }

            waiting.AddRange(items);
        }

        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Read when metrics are collected (a scrape), never on the delivery path.
        Grains.OpsCentreMetrics.ObserveScreenQueues(() => _connections.Values.Select(c => c.QueueDepth).DefaultIfEmpty().Max());
        var settings = options.Value;
        var tick = TimeSpan.FromMilliseconds(settings.LiveFlushMilliseconds);
        var nextWatermark = DateTime.UtcNow + TimeSpan.FromSeconds(settings.WatermarkSeconds);
        var nextRenewal = DateTime.UtcNow + TimeSpan.FromSeconds(settings.RenewSeconds);
        using var timer = new PeriodicTimer(tick);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = DateTime.UtcNow;
            var watermark = now >= nextWatermark;
            if (watermark)
            {
                nextWatermark = now + TimeSpan.FromSeconds(settings.WatermarkSeconds);
            }

            if (now >= nextRenewal)
            {
                nextRenewal = now + TimeSpan.FromSeconds(settings.RenewSeconds);
                await RenewAsync();
            }

            var live = TakeLive();
            foreach (var connection in _connections.Values)
            {
                connection.OnTick(watermark, live, new DateTimeOffset(now, TimeSpan.Zero));
            }
        }
    }

    private async Task RenewAsync()
    {
        var inUse = _connections.Values.SelectMany(c => c.Districts).ToHashSet();
        foreach (var district in _watched.Keys.Where(d => !inUse.Contains(d)))
        {
            _watched.TryRemove(district, out _);
        }

        foreach (var district in inUse)
        {
            try
            {
                var head = await WatchAsync(district);
                foreach (var connection in _connections.Values.Where(c => c.Districts.Contains(district)))
                {
                    connection.OnHead(district, head);
                }
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException || Hosting.UnavailableFailures.Classify(ex) != Hosting.FailureKind.Defect)
            {
                // Also PostgreSQL out of reach (a district's log that must activate reads it): the feed
                // must outlive an outage, not end the gateway's background service with it.
                if (Hosting.UnavailableFailures.Classify(ex) == Hosting.FailureKind.DatabaseUnreachable)
                {
                    database.Failed(ex);
                }
                else
                {
                    LogRenewFailed(ex, district);
                }
            }
        }
    }

    private Dictionary<string, IReadOnlyList<LiveItem>> TakeLive()
    {
        Dictionary<string, LiveConflation> waiting;
        lock (_liveLock)
        {
            (waiting, _live) = (_live, []);
        }

        return waiting.ToDictionary(w => w.Key, w => w.Value.ToList());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the event feed of district {District}; retrying at the next renewal")]
    private partial void LogRenewFailed(Exception exception, string district);
}

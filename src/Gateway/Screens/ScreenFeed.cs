using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using OpsCentre.Grains.EventLog;

namespace OpsCentre.Gateway.Screens;

/// <summary>
/// This gateway's link between the district writers and its screen connections. It is the
/// gateway's one <see cref="IEventFeedObserver"/>: registered with every district any local screen
/// watches, renewed every few seconds (Orleans holds client observers weakly and the writers expire
/// silent ones), and each renewal reports the district's head so a lost notification is noticed
/// and filled from the log.
/// </summary>
public sealed partial class ScreenFeed(
    IClusterClient cluster, IHubContext<OpsHub, IOpsClient> hub, EventLogStore log, IOptions<ScreenOptions> options, ILogger<ScreenFeed> logger)
    : BackgroundService, IEventFeedObserver
{
    private readonly ConcurrentDictionary<string, ScreenConnection> _connections = new();
    private readonly ConcurrentDictionary<string, bool> _watched = new();
    private IEventFeedObserver? _reference;

    public ScreenConnection Open(HubCallerContext context) =>
        _connections[context.ConnectionId] = new ScreenConnection(context, hub.Clients.Client(context.ConnectionId), log, options.Value, logger);

    public ScreenConnection? Find(string connectionId) => _connections.GetValueOrDefault(connectionId);

    public void Close(string connectionId)
    {
        if (_connections.TryRemove(connectionId, out var connection))
        {
            connection.Complete();
        }
    }

    /// <summary>Makes sure the district's writer knows this gateway; returns the district's head.</summary>
    public async Task<long> WatchAsync(string district)
    {
        var head = await cluster.GetGrain<IDistrictEventLogGrain>(district).Watch(Reference());
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

    public Task OnLive(string districtCode, IReadOnlyList<LiveItem> items)
    {
        foreach (var connection in _connections.Values)
        {
            if (connection.Districts.Contains(districtCode))
            {
                connection.OnLive(districtCode, items);
            }
        }

        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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

            foreach (var connection in _connections.Values)
            {
                connection.OnTick(watermark);
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
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogRenewFailed(ex, district);
            }
        }
    }

    private IEventFeedObserver Reference() => _reference ??= cluster.CreateObjectReference<IEventFeedObserver>(this);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the event feed of district {District}; retrying at the next renewal")]
    private partial void LogRenewFailed(Exception exception, string district);
}

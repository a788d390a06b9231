using System.Security.Claims;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using OpsCentre.Gateway.Auth;
using OpsCentre.Grains.EventLog;
using OpsCentre.Grains.Live;

namespace OpsCentre.Gateway.Screens;

/// <summary>
/// One wall-screen connection: its subscriptions, a cursor per subscribed district, and a bounded
/// queue of work drained by a single loop. Replay, live events, gap fills and watermarks all pass
/// through that one queue, so a subscriber gets every event in order exactly once without racing
/// between "join" and "replay": live events that arrive before a subscription has caught up are
/// skipped by sequence number, because its replay reads them from the log. What is sent of each event and live
/// item is <see cref="EventProjection"/>'s decision for the caller.
/// </summary>
public sealed partial class ScreenConnection
{
    private readonly Channel<Work> _work;
    private readonly Dictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _units = new(StringComparer.Ordinal);
    private readonly IOpsClient _client;
    private readonly HubCallerContext _context;
    private readonly EventLogStore _log;
    private readonly ScreenOptions _options;
    private readonly ILogger _logger;

    public ScreenConnection(HubCallerContext context, IOpsClient client, EventLogStore log, ScreenOptions options, ILogger logger)
    {
        _context = context;
        _client = client;
        _log = log;
        _options = options;
        _logger = logger;
        Username = context.User!.Username();
        _work = Channel.CreateBounded<Work>(new BoundedChannelOptions(options.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        Pump = Task.Run(PumpAsync);
    }

    public string ConnectionId => _context.ConnectionId;

    /// <summary>Work waiting in this connection's queue (<c>opscentre.screens.queue_depth</c>).</summary>
    public int QueueDepth => _work.Reader.Count;

    /// <summary>The caller, as authenticated when the connection opened.</summary>
    public ClaimsPrincipal User => _context.User!;

    /// <summary>Whose connection this is (the token's subject), for the per-user limit.</summary>
    public string Username { get; }

    /// <summary>The loop; completes when the connection ends.</summary>
    public Task Pump { get; }

    /// <summary>Districts this connection currently watches (read by the feed; changed only through the queue).</summary>
    public IReadOnlySet<string> Districts { get; private set; } = new HashSet<string>();

    /// <summary>Whether <paramref name="unitCode"/> is subscribed already, or one more subscription stays within <paramref name="limit"/>.</summary>
    public bool MaySubscribe(string unitCode, int limit)
    {
        lock (_units)
        {
            return _units.Contains(unitCode) || _units.Count < limit;
        }
    }

    public void Start(string unitCode, IReadOnlyDictionary<string, long> cursor)
    {
        lock (_units)
        {
            _units.Add(unitCode);
        }

        Enqueue(new StartWork(unitCode, cursor));
    }

    public void Stop(string unitCode)
    {
        lock (_units)
        {
            _units.Remove(unitCode);
        }

        Enqueue(new StopWork(unitCode));
    }

    public void OnEvents(string district, IReadOnlyList<LoggedEvent> events) => Enqueue(new LiveWork(district, events));

    public void OnHead(string district, long head) => Enqueue(new HeadWork(district, head));

    /// <summary>
    /// Sends the live items of this tick (each district's latest per kind and id, conflated by the feed) that lie
    /// within a subscription, and watermarks when <paramref name="watermarks"/> is set.
    /// </summary>
    public void OnTick(bool watermarks, IReadOnlyDictionary<string, IReadOnlyList<LiveItem>> live, DateTimeOffset at) => Enqueue(new TickWork(watermarks, live, at));

    public void Complete() => _work.Writer.TryComplete();

    /// <summary>Closes the connection from the server's side (its account is no longer in good standing: <see cref="ScreenStandingWatch"/>).</summary>
    public void Abort()
    {
        _work.Writer.TryComplete();
        _context.Abort();
    }

    private void Enqueue(Work work)
    {
        if (!_work.Writer.TryWrite(work))
        {
            // Too slow to keep up (or already closing): close it; the screen reconnects with its cursor.
            if (_work.Writer.TryComplete())
            {
                LogTooSlow(ConnectionId);
                Grains.OpsCentreMetrics.ScreenTooSlow();
                _context.Abort();
            }
        }
    }

    private async Task PumpAsync()
    {
        await foreach (var work in _work.Reader.ReadAllAsync())
        {
            try
            {
                await (work switch
                {
                    StartWork s => StartAsync(s),
                    StopWork s => StopAsync(s),
                    LiveWork l => LiveAsync(l),
                    HeadWork h => CatchUpAsync(h.District, h.Head),
                    TickWork t => TickAsync(t),
                    _ => Task.CompletedTask,
                });
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A failed replay must not silently leave a hole: close, and let the screen resume.
                LogDeliveryFailed(ex, ConnectionId);
                _work.Writer.TryComplete();
                _context.Abort();
                return;
            }
        }
    }

    private async Task StartAsync(StartWork start)
    {
        var subscription = new Subscription(start.UnitCode, start.Cursor, EventProjection.MayHideEvents(User, start.UnitCode));
        _subscriptions[start.UnitCode] = subscription;
        Districts = _subscriptions.Values.SelectMany(s => s.Last.Keys).ToHashSet();
        foreach (var district in subscription.Last.Keys)
        {
            await CatchUpAsync(subscription, district, long.MaxValue);
        }
    }

    private Task StopAsync(StopWork stop)
    {
        _subscriptions.Remove(stop.UnitCode);
        Districts = _subscriptions.Values.SelectMany(s => s.Last.Keys).ToHashSet();
        return Task.CompletedTask;
    }

    private async Task LiveAsync(LiveWork live)
    {
        foreach (var subscription in Covering(live.District))
        {
            foreach (var e in live.Events)
            {
                var last = subscription.Last[live.District];
                if (e.Seq <= last)
                {
                    continue;
                }

                if (e.Seq > last + 1)
                {
                    // A notification was lost or reordered: fill the gap from the log first.
                    await CatchUpAsync(subscription, live.District, e.Seq - 1);
                }

                await DeliverAsync(subscription, e);
            }
        }
    }

    private async Task CatchUpAsync(string district, long head)
    {
        foreach (var subscription in Covering(district))
        {
            await CatchUpAsync(subscription, district, head);
        }
    }

    private async Task CatchUpAsync(Subscription subscription, string district, long upTo)
    {
        while (subscription.Last[district] < upTo)
        {
            var page = await _log.ReadAfterAsync(district, subscription.Last[district], _options.ReplayPageSize);
            foreach (var e in page)
            {
                if (e.Seq > upTo)
                {
                    return;
                }

                await DeliverAsync(subscription, e);
            }

            if (page.Count < _options.ReplayPageSize)
            {
                return;
            }
        }
    }

    private async Task DeliverAsync(Subscription subscription, LoggedEvent e)
    {
        // Handled whether sent or not: the cursor moves past what this caller does not see, and watermarks say so.
        subscription.Last[e.DistrictCode] = e.Seq;
        if (EventProjection.Project(User, subscription.UnitCode, e) is { } envelope)
        {
            await _client.Event(envelope);
        }
    }

    private async Task TickAsync(TickWork tick)
    {
        var pending = Districts.Where(tick.Live.ContainsKey).SelectMany(d => tick.Live[d]).ToList();
        if (pending.Count > 0)
        {
            foreach (var subscription in _subscriptions.Values)
            {
                // Each item is already its wire JSON ({"kind":…,"id":…,…}); a subscription only picks its unit's.
                var items = pending.Where(i => EventProjection.Shows(User, subscription.UnitCode, i)).ToList();
                if (items.Count > 0)
                {
                    await _client.Live(new LiveBatch(items, tick.At));
                }
            }
        }

        if (tick.Watermarks)
        {
            await WatermarksAsync();
        }
    }

    private async Task WatermarksAsync()
    {
        foreach (var subscription in _subscriptions.Values.Where(s => s.NeedsWatermarks))
        {
            foreach (var (district, seq) in subscription.Last)
            {
                await _client.Watermark(new WatermarkMessage(district, seq));
            }
        }
    }

    private IEnumerable<Subscription> Covering(string district) => _subscriptions.Values.Where(s => s.Last.ContainsKey(district)).ToList();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Screen connection {ConnectionId} cannot keep up; closing it (it resumes from its cursor)")]
    private partial void LogTooSlow(string connectionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery to screen connection {ConnectionId} failed; closing it")]
    private partial void LogDeliveryFailed(Exception exception, string connectionId);

    private sealed class Subscription(string unitCode, IReadOnlyDictionary<string, long> cursor, bool needsWatermarks)
    {
        public string UnitCode { get; } = unitCode;

        /// <summary>Last sequence number handled (delivered or filtered) per district.</summary>
        public Dictionary<string, long> Last { get; } = new(cursor);

        /// <summary>Events of its districts may pass it by (<see cref="EventProjection.MayHideEvents"/>): it gets watermarks.</summary>
        public bool NeedsWatermarks { get; } = needsWatermarks;
    }

    private abstract record Work;

    private sealed record StartWork(string UnitCode, IReadOnlyDictionary<string, long> Cursor) : Work;

    private sealed record StopWork(string UnitCode) : Work;

    private sealed record LiveWork(string District, IReadOnlyList<LoggedEvent> Events) : Work;

    private sealed record HeadWork(string District, long Head) : Work;

    private sealed record TickWork(bool Watermarks, IReadOnlyDictionary<string, IReadOnlyList<LiveItem>> Live, DateTimeOffset At) : Work;
}

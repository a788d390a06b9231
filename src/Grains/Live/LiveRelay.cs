using System.Threading.Channels;
using Microsoft.Extensions.Hosting;

namespace OpsCentre.Grains.Live;

/// <summary>
/// The silo's relay of live items to the districts' live feeds, through which grains publish theirs (workers'
/// positions, units' counters, incidents' state; the KPI feed sends its own batches). A worker's position changes
/// with every status its device sends; one grain call per status, on the ingest path and all of a district's
/// statuses through one activation, cost the gateway a measurable share of its CPU per status (the ingest
/// benchmark, see docs/benchmarks.md). Grains hand their live items here instead; at most <see cref="Period"/>
/// later each district's latest items travel in one message, and this is the only place on the silos where live
/// items wait and are conflated (<see cref="LiveConflation"/>). Best effort like all live state: a crash drops what
/// waits, at most one period's worth. One per silo; it sleeps while nothing waits.
/// </summary>
public sealed class LiveRelay(IGrainFactory grains) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(50);

    private readonly Lock _lock = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Dictionary<string, int> _lastSizes = [];
    private Dictionary<string, LiveConflation> _waiting = [];

    /// <summary>Queues a live item of a unit in <paramref name="district"/> (its 6-digit code); never blocks.</summary>
    public void Publish(string district, LiveItem item)
    {
        lock (_lock)
        {
            if (!_waiting.TryGetValue(district, out var items))
            {
                // As large as the district's last batch: a busy district's batch is not grown from empty again.
                _waiting[district] = items = new(_lastSizes.GetValueOrDefault(district));
            }

            items.Add(item);
        }

        _wake.Writer.TryWrite(true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync(stoppingToken))
            {
                await Task.Delay(Period, stoppingToken);
                _wake.Reader.TryRead(out _);
                Send();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Send();
        }
    }

    private void Send()
    {
        Dictionary<string, LiveConflation> waiting;
        lock (_lock)
        {
            (waiting, _waiting) = (_waiting, []);
            foreach (var (district, items) in waiting)
            {
                _lastSizes[district] = items.Count;
            }
        }

        foreach (var (district, items) in waiting)
        {
            _ = grains.GetGrain<IDistrictLiveFeedGrain>(district).Publish(items.ToList());
        }
    }
}

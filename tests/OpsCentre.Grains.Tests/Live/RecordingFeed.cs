using System.Collections.Concurrent;
using OpsCentre.Grains.Live;

namespace OpsCentre.Grains.Tests.Live;

/// <summary>A gateway's live feed as a test sees it: every batch of live items a district sends, in arrival order.</summary>
public sealed class RecordingFeed : ILiveFeedObserver
{
    public ConcurrentQueue<IReadOnlyList<LiveItem>> Batches { get; } = new();

    /// <summary>Every live item received so far, in arrival order.</summary>
    public IEnumerable<LiveItem> Live => Batches.SelectMany(batch => batch);

    public Task OnLive(string districtCode, IReadOnlyList<LiveItem> items)
    {
        Batches.Enqueue(items);
        return Task.CompletedTask;
    }
}

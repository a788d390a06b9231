using System.Collections.Concurrent;
using OpsCentre.Grains.EventLog;

namespace OpsCentre.Grains.Tests.EventLog;

/// <summary>A gateway's event feed as a test sees it: every batch of live items a district sends, in arrival order.</summary>
public sealed class RecordingFeed : IEventFeedObserver
{
    public ConcurrentQueue<IReadOnlyList<LiveItem>> Batches { get; } = new();

    /// <summary>Every live item received so far, in arrival order.</summary>
    public IEnumerable<LiveItem> Live => Batches.SelectMany(batch => batch);

    public Task OnEvents(string districtCode, IReadOnlyList<LoggedEvent> events) => Task.CompletedTask;

    public Task OnLive(string districtCode, IReadOnlyList<LiveItem> items)
    {
        Batches.Enqueue(items);
        return Task.CompletedTask;
    }
}

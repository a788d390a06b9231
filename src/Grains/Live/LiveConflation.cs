namespace OpsCentre.Grains.Live;

/// <summary>
/// Live items waiting to be sent, latest wins per (kind, id): a worker that moved ten times since the last send is
/// sent once, at its last position. Items keep the place where their (kind, id) first arrived. Not thread-safe;
/// its owner locks.
/// </summary>
public sealed class LiveConflation(int capacity = 0)
{
    private readonly Dictionary<(string Kind, string Id), LiveItem> _latest = new(capacity);

    public int Count => _latest.Count;

    public void Add(LiveItem item) => _latest[(item.Kind, item.Id)] = item;

    public void AddRange(IEnumerable<LiveItem> items)
    {
        foreach (var item in items)
        {
            Add(item);
        }
    }

    /// <summary>The latest item of each (kind, id).</summary>
    public IReadOnlyList<LiveItem> ToList() => [.. _latest.Values];
}

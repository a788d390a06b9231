namespace OpsCentre.Grains.Map;

/// <summary>
/// The silo's current <see cref="GridIndex"/>. Built on first use from <c>unit_map</c>; after
/// <see cref="RefreshInterval"/> the next lookup checks the map's version (one row) and rebuilds the
/// index when an import changed it. Lookups never wait for a rebuild that another caller started.
/// </summary>
public sealed class GridLocator(MapStore map, TimeProvider clock)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _building = new(1, 1);
    private (GridIndex Index, long Version, DateTimeOffset CheckedAt)? _current;

    /// <summary>The map's version as of the index in use (checked at most every <see cref="RefreshInterval"/>).</summary>
    public async ValueTask<long> VersionAsync(CancellationToken cancellationToken = default)
    {
        await IndexAsync(cancellationToken);
        return _current!.Value.Version;
    }

    public async ValueTask<GridIndex> IndexAsync(CancellationToken cancellationToken = default)
    {
        var current = _current;
        if (current is { } c && clock.GetUtcNow() - c.CheckedAt < RefreshInterval)
        {
            return c.Index;
        }

        if (current is not null && !await _building.WaitAsync(0, cancellationToken))
        {
            return current.Value.Index;
        }

        if (current is null)
        {
            await _building.WaitAsync(cancellationToken);
        }

        try
        {
            current = _current;
            if (current is { } fresh && clock.GetUtcNow() - fresh.CheckedAt < RefreshInterval)
            {
                return fresh.Index;
            }

            var version = await map.VersionAsync(cancellationToken);
            var index = current is { } old && old.Version == version
                ? old.Index
                : new GridIndex((await map.GridGeometriesAsync(cancellationToken)).Select(g => (g.Unit.Code, g.Geometry)));
            _current = (index, version, clock.GetUtcNow());
            return index;
        }
        finally
        {
            _building.Release();
        }
    }
}

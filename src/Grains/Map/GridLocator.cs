using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace OpsCentre.Grains.Map;

/// <summary>Map settings (section <c>Map</c>).</summary>
public sealed class MapOptions
{
    public const string Section = "Map";

    /// <summary>
    /// How stale a process's copy of the map may get: after this the next lookup checks <c>map_version</c> (one row) and
    /// rebuilds on a change, and unit grains read their identity again. Default 30 seconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00", ErrorMessage = "Map:RefreshInterval must be between {1} and {2}")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The silo's current <see cref="GridIndex"/>. Built on first use from <c>unit_map</c>; after
/// <see cref="MapOptions.RefreshInterval"/> the next lookup checks the map's version (one row) and rebuilds the
/// index when an import changed it. Lookups never wait for a rebuild that another caller started.
/// </summary>
public sealed class GridLocator(MapStore map, TimeProvider clock, IOptions<MapOptions> options)
{
    private readonly TimeSpan _refreshInterval = options.Value.RefreshInterval;

    private readonly SemaphoreSlim _building = new(1, 1);
    private (GridIndex Index, long Version, DateTimeOffset CheckedAt)? _current;

    /// <summary>The map's version as of the index in use (checked at most every <see cref="MapOptions.RefreshInterval"/>).</summary>
    public async ValueTask<long> VersionAsync(CancellationToken cancellationToken = default)
    {
        await IndexAsync(cancellationToken);
        return _current!.Value.Version;
    }

    public async ValueTask<GridIndex> IndexAsync(CancellationToken cancellationToken = default)
    {
        var current = _current;
        if (current is { } c && clock.GetUtcNow() - c.CheckedAt < _refreshInterval)
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
            if (current is { } fresh && clock.GetUtcNow() - fresh.CheckedAt < _refreshInterval)
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

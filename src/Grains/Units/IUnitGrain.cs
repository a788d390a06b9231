namespace OpsCentre.Grains.Units;

/// <summary>
/// A unit of the hierarchy — 成都市, a district (区), street (街道), community (社区) or grid (网格) —
/// keyed by its code. It knows its identity from the map and keeps live counters: the sum of the
/// latest totals reported by each of its sources (its child units, or at a grid the workers,
/// persons and cases in it). Each change is reported up to the parent as this unit's own totals.
/// </summary>
public interface IUnitGrain : IGrainWithStringKey
{
    /// <summary>The unit with its counters and children; null when the map has no such unit.</summary>
    Task<UnitSnapshot?> Snapshot();

    /// <summary>This unit's current totals and the version it last reported them under.</summary>
    Task<UnitReport> Totals();

    /// <summary>
    /// A source reports its absolute totals. The entry is replaced only when <paramref name="version"/>
    /// is newer than the one held, so a retried or reordered report can never double-count.
    /// </summary>
    Task Report(string source, long version, UnitCounters totals);

    /// <summary>
    /// A source that has ended for good (a resolved alert, a closed case) removes its entry, so a
    /// unit's state does not grow with history. A retire for an unknown source does nothing.
    /// </summary>
    Task Retire(string source);

    /// <summary>
    /// Rebuilds the entries of the child units by asking each child for its totals and version
    /// (after a crash lost a report, or an entry went wrong), then reports up as usual.
    /// </summary>
    Task<UnitCounters> Repair();
}

/// <summary>A unit's totals with the version it reports them under.</summary>
[GenerateSerializer, Immutable, Alias("ops.UnitReport")]
public sealed record UnitReport([property: Id(0)] long Version, [property: Id(1)] UnitCounters Counters);

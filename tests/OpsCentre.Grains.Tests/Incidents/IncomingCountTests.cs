using OpsCentre.Grains.Incidents;
using OpsCentre.Grains.Units;

namespace OpsCentre.Grains.Tests.Incidents;

/// <summary>
/// The weights of a case's <c>incoming</c> entries: summed up the hierarchy as the unit grains sum them, every unit counts
/// the case once when a unit below it (or itself) receives it from outside, and not at all otherwise.
/// </summary>
public sealed class IncomingCountTests
{
    private static IncidentView Case(string unit, string? responsible = null, string? pending = null, params string[] coHandlers) =>
        new("510104-x", "sanitation", "normal", "", unit, responsible, null, IncidentStages.InProgress, DateTimeOffset.UnixEpoch, null, null, false,
            DateTimeOffset.UnixEpoch, "tests", "operator", null, null, 0, 0, 0, pending, null, null, null, null, null, coHandlers);

    /// <summary>What each unit's counter shows: its own entry plus everything below it, as the roll-up adds them.</summary>
    private static Dictionary<string, long> RolledUp(IReadOnlyDictionary<string, int> weights, IEnumerable<string> units) =>
        units.ToDictionary(u => u, u => (long)weights.Where(w => UnitCode.IsWithin(w.Key, u)).Sum(w => w.Value));

    [Fact]
    public void ACaseDispatchedToAnotherStreetCountsThereAndOnceAboveNowhere()
    {
        var weights = IncidentGrain.IncomingWeights(Case("510104002001001", responsible: "510104001"));
        var counters = RolledUp(weights, ["5101", "510104", "510104001", "510104002", "510104002001001"]);
        Assert.Equal(new Dictionary<string, long> { ["5101"] = 0, ["510104"] = 0, ["510104001"] = 1, ["510104002"] = 0, ["510104002001001"] = 0 }, counters);
    }

    [Fact]
    public void SeveralReceiversUnderOneUnitCountOnceThere()
    {
        var weights = IncidentGrain.IncomingWeights(Case("510104002001001", responsible: "510104001001", pending: "510105001", "510104001002", "510104-CG"));
        var counters = RolledUp(weights, ["5101", "510104", "510104001", "510104001001", "510104001002", "510105", "510105001", "510104002"]);
        Assert.Equal(new Dictionary<string, long>
        {
            ["5101"] = 0, ["510104"] = 0, ["510104001"] = 1, ["510104001001"] = 1, ["510104001002"] = 1, ["510105"] = 1, ["510105001"] = 1, ["510104002"] = 0,
        }, counters);
    }

    [Fact]
    public void ACaseDispatchedWithinItsOwnAreaOrClosedCountsNowhere()
    {
        Assert.Empty(IncidentGrain.IncomingWeights(Case("510104002001001", responsible: "510104002001")));
        Assert.Empty(IncidentGrain.IncomingWeights(Case("510104002001001", responsible: "510104001") with { Stage = IncidentStages.Closed }));
    }
}

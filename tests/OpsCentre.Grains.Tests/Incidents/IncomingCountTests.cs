using OpsCentre.Testing;
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
        var weights = IncidentGrain.IncomingWeights(Case(DemoUnits.SecondStreet + "001001", responsible: DemoUnits.FirstStreet));
        var counters = RolledUp(weights, ["5101", "510104", DemoUnits.FirstStreet, DemoUnits.SecondStreet, DemoUnits.SecondStreet + "001001"]);
        Assert.Equal(new Dictionary<string, long> { ["5101"] = 0, ["510104"] = 0, [DemoUnits.FirstStreet] = 1, [DemoUnits.SecondStreet] = 0, [DemoUnits.SecondStreet + "001001"] = 0 }, counters);
    }

    [Fact]
    public void SeveralReceiversUnderOneUnitCountOnceThere()
    {
        var weights = IncidentGrain.IncomingWeights(Case(DemoUnits.SecondStreet + "001001", responsible: DemoUnits.FirstCommunity, pending: DemoUnits.QingyangFirstStreet, DemoUnits.Community(2), "510104-CG"));
        var counters = RolledUp(weights, ["5101", "510104", DemoUnits.FirstStreet, DemoUnits.FirstCommunity, DemoUnits.Community(2), "510105", DemoUnits.QingyangFirstStreet, DemoUnits.SecondStreet]);
        Assert.Equal(new Dictionary<string, long>
        {
            ["5101"] = 0, ["510104"] = 0, [DemoUnits.FirstStreet] = 1, [DemoUnits.FirstCommunity] = 1, [DemoUnits.Community(2)] = 1, ["510105"] = 1, [DemoUnits.QingyangFirstStreet] = 1, [DemoUnits.SecondStreet] = 0,
        }, counters);
    }

    [Fact]
    public void ACaseDispatchedWithinItsOwnAreaOrClosedCountsNowhere()
    {
        Assert.Empty(IncidentGrain.IncomingWeights(Case(DemoUnits.SecondStreet + "001001", responsible: DemoUnits.SecondStreet + "001")));
        Assert.Empty(IncidentGrain.IncomingWeights(Case(DemoUnits.SecondStreet + "001001", responsible: DemoUnits.FirstStreet) with { Stage = IncidentStages.Closed }));
    }
}

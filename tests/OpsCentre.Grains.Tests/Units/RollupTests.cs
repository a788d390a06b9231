using OpsCentre.Grains.Units;

namespace OpsCentre.Grains.Tests.Units;

[Collection(nameof(ClusterCollection))]
public sealed class RollupTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task EveryUnitEqualsTheSumOfItsChildrensLatestTotalsUnderConcurrentRetriedAndReorderedReports(int seed)
    {
        var city = _kit.Fresh.UnmappedCity();
        var random = new Random(seed);
        var grids = (from d in new[] { "01", "02" }
                     from s in new[] { "001", "002" }
                     from c in new[] { "001", "002" }
                     from g in new[] { "001", "002", "003" }
                     select $"{city}{d}{s}{c}{g}").ToList();

        // The model: each member's latest report (highest version) is what its grid must count.
        var reports = new List<(string Grid, string Member, long Version, UnitCounters Totals)>();
        var latest = new Dictionary<string, (string Grid, UnitCounters Totals)>();
        for (var m = 0; m < 60; m++)
        {
            var grid = grids[random.Next(grids.Count)];
            var versions = random.Next(1, 6);
            for (var v = 1; v <= versions; v++)
            {
                var totals = new UnitCounters(random.Next(0, 2), random.Next(0, 2), random.Next(0, 4), random.Next(0, 5), random.Next(0, 3), random.Next(0, 2));
                reports.Add((grid, $"member:{m}", v, totals));
                latest[$"member:{m}"] = (grid, totals);
            }
        }

        // Retries (duplicates) and a random order, sent with high concurrency.
        var sequence = reports.Concat(reports.Where(_ => random.NextDouble() < 0.3)).OrderBy(_ => random.Next()).ToList();
        foreach (var chunk in sequence.Chunk(40))
        {
            await Task.WhenAll(chunk.Select(r => fixture.Client.GetGrain<IUnitGrain>(r.Grid).Report(r.Member, r.Version, r.Totals)));
        }

        // Every level equals the sum of what is below it in the model: a grid once its reports returned, the levels
        // above once its reports up have arrived (no reporter waits for those).
        var units = grids.SelectMany(Ancestors).Distinct().ToList();
        foreach (var unit in units)
        {
            var expected = latest.Values.Where(l => l.Grid.StartsWith(unit, StringComparison.Ordinal))
                .Aggregate(UnitCounters.Zero, (sum, l) => sum + l.Totals);
            if (unit.Length == 15)
            {
                Assert.Equal(expected, await _kit.CountersAsync(unit));
            }
            else
            {
                await GrainKit.EventuallyAsync(() => _kit.CountersAsync(unit), c => c == expected, $"{unit} sums what is below it", describe: c => c.ToString());
            }
        }
    }

    [Fact]
    public async Task ReportsArrivingWhileAUnitIsWritingNeitherFailNorGetLost()
    {
        // The storage provider serializes a unit's sources off the grain's scheduler when it has to wait for one of the
        // few live-state connections, while new sources keep arriving (the unit is reentrant). Many units writing at
        // once and waves of new sources to each make that overlap near certain.
        var city = _kit.Fresh.UnmappedCity();
        var units = Enumerable.Range(1, 24).Select(g => fixture.Client.GetGrain<IUnitGrain>($"{city}01001001{g:000}")).ToList();
        const int waves = 10, perWave = 60;
        for (var wave = 0; wave < waves; wave++)
        {
            await Task.WhenAll(units.SelectMany(unit => Enumerable.Range(0, perWave)
                .Select(i => unit.Report($"member:{wave}:{i}", 1, new UnitCounters(0, 1, 0, 0, 0, 0)))));
        }

        foreach (var unit in units)
        {
            Assert.Equal(waves * perWave, (await unit.Totals()).Counters.WorkersOnline);
        }
    }

    [Fact]
    public async Task CountersSurviveARestartOfEverySilo()
    {
        var city = _kit.Fresh.UnmappedCity();
        var grid = city + "01001001001";
        await fixture.Client.GetGrain<IUnitGrain>(grid).Report("member:a", 1, new UnitCounters(1, 1, 2, 3, 1, 1));
        await fixture.Client.GetGrain<IUnitGrain>(grid).Report("member:b", 4, new UnitCounters(0, 1, 0, 1, 0, 0));
        var expected = new UnitCounters(1, 2, 2, 4, 1, 1);
        await GrainKit.EventuallyAsync(() => _kit.CountersAsync(city), c => c == expected, "the city has the grid's reports before the restart");

        foreach (var silo in fixture.Cluster.Silos.ToList())
        {
            await fixture.Cluster.RestartSiloAsync(silo);
        }

        await fixture.Cluster.WaitForLivenessToStabilizeAsync();
        Assert.Equal(expected, await _kit.CountersAsync(grid));
        Assert.Equal(expected, await _kit.CountersAsync(city));

        // An old report arriving late still changes nothing.
        await fixture.Client.GetGrain<IUnitGrain>(grid).Report("member:b", 3, new UnitCounters(9, 9, 9, 9, 9, 9));
        Assert.Equal(expected, await _kit.CountersAsync(city));
    }

    [Fact]
    public async Task RepairRebuildsAUnitFromItsChildrenAndLaterReportsStillCount()
    {
        var community = _kit.Fresh.Community(within: "510105");
        var grids = _kit.Fresh.City.Units.Where(u => u.Code.Length == 15 && u.Code.StartsWith(community, StringComparison.Ordinal)).Select(u => u.Code).ToList();
        foreach (var grid in grids)
        {
            await fixture.Client.GetGrain<IUnitGrain>(grid).Report("member:x", 1, new UnitCounters(1, 1, 0, 1, 0, 0));
        }

        var unit = fixture.Client.GetGrain<IUnitGrain>(community);
        var correct = await GrainKit.EventuallyAsync(async () => (await unit.Totals()).Counters, c => c.WorkersOnline >= grids.Count,
            "the community has every grid's report", describe: c => c.ToString());
        // A wrong entry for one grid, with a version far ahead of the grid's own.
        await unit.Report(grids[0], 1_000_000, new UnitCounters(50, 50, 50, 50, 50, 50));
        Assert.NotEqual(correct, (await unit.Totals()).Counters);

        Assert.Equal(correct, await unit.Repair());
        var snapshot = await unit.Snapshot();
        Assert.NotNull(snapshot);
        Assert.Equal(grids, snapshot.Children.Select(c => c.Code));

        await fixture.Client.GetGrain<IUnitGrain>(grids[0]).Report("member:x", 2, new UnitCounters(0, 1, 0, 1, 0, 0));
        await GrainKit.EventuallyAsync(async () => (await unit.Totals()).Counters, c => c == (correct with { WorkersOnDuty = correct.WorkersOnDuty - 1 }),
            "the grid's later report reaches the community", describe: c => c.ToString());
    }

    [Fact]
    public async Task AUnitKnowsItsNameParentAndChildrenFromTheMap()
    {
        var city = await fixture.Client.GetGrain<IUnitGrain>("5101").Snapshot();
        Assert.NotNull(city);
        Assert.Equal("成都市", city.Name);
        Assert.Equal(["510104", "510105", "510106", "510107", "510108"], city.Children.Select(c => c.Code));
        Assert.Equal("锦江区", city.Children[0].Name);

        Assert.Null(await fixture.Client.GetGrain<IUnitGrain>("510109").Snapshot());
    }

    private static IEnumerable<string> Ancestors(string grid)
    {
        for (var code = grid; code is not null; code = UnitCode.ParentOf(code))
        {
            yield return code;
        }
    }
}

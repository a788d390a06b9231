using System.Text.Json;
using OpsCentre.Grains.Live;
using OpsCentre.Grains.Tests.Live;
using OpsCentre.Grains.Units;

namespace OpsCentre.Grains.Tests.Units;

[Collection(nameof(ClusterCollection))]
public sealed class LiveCountersTests(ClusterFixture fixture)
{
    [Fact]
    public async Task ACounterChangeReachesTheGatewaysAsLiveItemsForEveryUnitUpToTheDistrict()
    {
        var grid = new GrainKit(fixture).Fresh.Grid(within: "510106");
        var feed = new RecordingFeed();
        var reference = fixture.Client.CreateObjectReference<ILiveFeedObserver>(feed);
        await fixture.Client.GetGrain<IDistrictLiveFeedGrain>("510106").Watch(reference);

        await fixture.Client.GetGrain<IUnitGrain>(grid).Report("worker:live-test", 1, new UnitCounters(1, 1, 0, 0, 0, 0));

        string[] expected = [grid, grid[..12], grid[..9], grid[..6]];
        await GrainKit.EventuallyAsync(() =>
        {
            // Live items wait in the silo's relay for a moment (real time), then the district's live feed forwards them.
            return Task.FromResult(expected.All(code => feed.Live.Any(i => i.Id == code)));
        }, "a live item for every unit up to the district", seconds: 10);

        foreach (var code in expected)
        {
            var item = feed.Live.Last(i => i.Id == code);
            Assert.Equal("unit", item.Kind);
            using var data = JsonDocument.Parse(item.Json);
            Assert.True(data.RootElement.GetProperty("counters").GetProperty("workersOnline").GetInt64() >= 1);
        }

        Assert.DoesNotContain(feed.Live, i => i.Id == "5101");
        await fixture.Client.GetGrain<IDistrictLiveFeedGrain>("510106").Unwatch(reference);
    }
}

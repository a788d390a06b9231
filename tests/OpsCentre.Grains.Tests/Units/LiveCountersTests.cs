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
        var grid = fixture.City.Units.First(u => u.Code.Length == 15 && u.Code.StartsWith("510106", StringComparison.Ordinal)).Code;
        var feed = new RecordingFeed();
        var reference = fixture.Client.CreateObjectReference<ILiveFeedObserver>(feed);
        await fixture.Client.GetGrain<IDistrictLiveFeedGrain>("510106").Watch(reference);

        await fixture.Client.GetGrain<IUnitGrain>(grid).Report("worker:live-test", 1, new UnitCounters(1, 1, 0, 0, 0, 0));

        string[] expected = [grid, grid[..12], grid[..9], grid[..6]];
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!expected.All(code => feed.Live.Any(i => i.Id == code)) && DateTime.UtcNow < deadline)
        {
            // Live items wait in the silo's relay for a moment (real time), then the district's live feed forwards them.
            await Task.Delay(50);
        }

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

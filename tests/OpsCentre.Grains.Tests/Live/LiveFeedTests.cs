using OpsCentre.Testing;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpsCentre.Grains.Live;

namespace OpsCentre.Grains.Tests.Live;

[Collection(nameof(ClusterCollection))]
public sealed class LiveFeedTests(ClusterFixture fixture)
{
    [Fact]
    public async Task LiveItemsFromBothSilosRelaysReachAGatewayConflatedWithTheLatestLast()
    {
        const string District = "510193";
        const string Unit = "510193001";
        var feed = new RecordingFeed();
        var reference = fixture.Client.CreateObjectReference<ILiveFeedObserver>(feed);
        var liveFeed = fixture.Client.GetGrain<IDistrictLiveFeedGrain>(District);
        await liveFeed.Watch(reference);
        var relays = fixture.Cluster.Silos.Take(2).Select(s => s.ServiceProvider.GetRequiredService<LiveRelay>()).ToList();
        Assert.Equal(2, relays.Count);

        // Twenty values of one item through the first silo's relay, with another item through the second's at the
        // same moment; then twenty more values of the first item through the second silo's relay.
        for (var value = 1; value <= 20; value++)
        {
            relays[0].Publish(District, Probe("p-1", value));
        }

        relays[1].Publish(District, Probe("p-2", 1));
        await SeenAsync("p-1", 20);
        await SeenAsync("p-2", 1);
        for (var value = 21; value <= 40; value++)
        {
            relays[1].Publish(District, Probe("p-1", value));
        }

        await SeenAsync("p-1", 40);
        await liveFeed.Unwatch(reference);

        var values = Mine("p-1").Select(Value).ToList();
        Assert.True(values.Count < 40, $"{values.Count} items for 40 values: not conflated");
        Assert.Equal(40, values[^1]);
        Assert.Equal(values.Order(), values);
        Assert.Equal(values.Distinct().Count(), values.Count);
        foreach (var item in feed.Live)
        {
            // The wire JSON carries its kind and id first, then the item's data.
            using var json = JsonDocument.Parse(item.Json);
            var members = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();
            Assert.Equal(["kind", "id", "value"], members);
            Assert.Equal(item.Kind, json.RootElement.GetProperty("kind").GetString());
            Assert.Equal(item.Id, json.RootElement.GetProperty("id").GetString());
        }

        static LiveItem Probe(string id, int value) => LiveItem.Create("probe", id, Unit, JsonSerializer.Serialize(new { value }));

        IEnumerable<LiveItem> Mine(string id) => feed.Live.Where(i => i.Kind == "probe" && i.Id == id);

        Task SeenAsync(string id, int value) => Testing.Eventually.HoldsAsync(
            () => Task.FromResult(Mine(id).Select(Value).ToList()), seen => seen.Contains(value), TimeSpan.FromSeconds(10),
            $"{id} = {value} reaching the gateway", describe: seen => "it saw " + string.Join(", ", seen));

        static int Value(LiveItem item)
        {
            using var json = JsonDocument.Parse(item.Json);
            return json.RootElement.GetProperty("value").GetInt32();
        }
    }
}

public sealed class LiveItemTests
{
    [Fact]
    public void ALiveItemsJsonIsItsKindAndIdFollowedByItsData()
    {
        var item = LiveItem.Create("worker", "w-\"1\"", DemoUnits.FirstGrid, """{"lat":30.5,"lon":104.1,"gridCode":null,"online":true,"counters":{"workersOnline":1}}""");

        Assert.Equal("""{"kind":"worker","id":"w-\u00221\u0022","lat":30.5,"lon":104.1,"gridCode":null,"online":true,"counters":{"workersOnline":1}}""", item.Json);
        Assert.Equal("""{"kind":"unit","id":"510104"}""", LiveItem.Create("unit", "510104", "510104", "{}").Json);
        Assert.Throws<ArgumentException>(() => LiveItem.Create("unit", "510104", "510104", "[1]"));
    }
}

using System.Text.Json;
using OpsCentre.Grains.Live;
using OpsCentre.Grains.Tests.Live;
using OpsCentre.Grains.Workers;

namespace OpsCentre.Grains.Tests.Workers;

[Collection(nameof(ClusterCollection))]
public sealed class WorkerLiveTests(ClusterFixture fixture)
{
    [Fact]
    public async Task AWorkersPositionsReachTheDistrictsScreensAsTheLatestOneConflated()
    {
        var worker = new GrainKit(fixture).Fresh.Worker();
        var district = worker.Grid[..6];
        var feed = new RecordingFeed();
        var reference = fixture.Client.CreateObjectReference<ILiveFeedObserver>(feed);
        await fixture.Client.GetGrain<IDistrictLiveFeedGrain>(district).Watch(reference);
        var grain = fixture.Client.GetGrain<IWorkerGrain>(worker.Id);

        // Forty positions in quick succession, each a centimetre further north (inside the worker's grid, so no zone
        // rule is involved); the screens need only the last.
        const int Steps = 40;
        var at = fixture.GrainClock.GetUtcNow();
        for (var i = 1; i <= Steps; i++)
        {
            await grain.Observe(new WorkerObservation(at.AddSeconds(i), worker.Lat + (i * 1e-7), worker.Lon, true, "live-test-device", i));
        }

        var lastLat = worker.Lat + (Steps * 1e-7);
        var seen = await GrainKit.EventuallyAsync(() =>
        {
            // The silo's relay sends on real time, and the district's live feed forwards at once.
            return Task.FromResult(Mine().ToList());
        }, items => items.Any(IsLast), $"the last position ({lastLat}) reaching the screens", seconds: 10, describe: items => "the screens saw " + string.Join(", ", items.Select(Lat)));
        Assert.Equal(worker.Grid, seen[^1].UnitCode);
        // Conflated on the way: far fewer items than positions, and none after the last moves it back.
        Assert.True(seen.Count < Steps, $"{seen.Count} live items for {Steps} positions");
        Assert.True(IsLast(seen[^1]), $"the last item is at {Lat(seen[^1])}, not {lastLat}");
        await fixture.Client.GetGrain<IDistrictLiveFeedGrain>(district).Unwatch(reference);

        bool IsLast(LiveItem item) => Math.Abs(Lat(item) - lastLat) < 1e-10;

        IEnumerable<LiveItem> Mine() => feed.Live.Where(i => i.Kind == "worker" && i.Id == worker.Id);

        static double Lat(LiveItem item)
        {
            using var data = JsonDocument.Parse(item.Json);
            return data.RootElement.GetProperty("lat").GetDouble();
        }
    }
}

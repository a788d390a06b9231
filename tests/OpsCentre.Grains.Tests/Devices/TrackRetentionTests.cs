using Microsoft.Extensions.DependencyInjection;
using OpsCentre.Testing;
using OpsCentre.Grains.Devices;

namespace OpsCentre.Grains.Tests.Devices;

[Collection(nameof(ClusterCollection))]
public sealed class TrackRetentionTests(ClusterFixture fixture)
{
    [Fact]
    public async Task DaysOlderThanTheRetentionAreDroppedWholeAndRecentOnesKept()
    {
        var today = DateOnly.FromDateTime(fixture.GrainClock.GetUtcNow().UtcDateTime);
        foreach (var day in new[] { today.AddDays(-400), today.AddDays(-91), today.AddDays(-89), today })
        {
            await fixture.Db.ExecuteAsync("SELECT ensure_track_partition(@day)", ("day", day));
        }

        var writer = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<TrackWriter>();
        Assert.True(await writer.ApplyRetentionAsync() >= 2);

        var partitions = await fixture.Db.RowsAsync(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'device_track'::regclass", r => r.GetString(0));

        Assert.DoesNotContain($"device_track_{today.AddDays(-400):yyyyMMdd}", partitions);
        Assert.DoesNotContain($"device_track_{today.AddDays(-91):yyyyMMdd}", partitions);
        Assert.Contains($"device_track_{today.AddDays(-89):yyyyMMdd}", partitions);
        Assert.Contains($"device_track_{today:yyyyMMdd}", partitions);
    }
}

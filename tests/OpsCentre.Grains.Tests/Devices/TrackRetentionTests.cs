using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpsCentre.Grains.Devices;

namespace OpsCentre.Grains.Tests.Devices;

[Collection(nameof(ClusterCollection))]
public sealed class TrackRetentionTests(ClusterFixture fixture)
{
    [Fact]
    public async Task DaysOlderThanTheRetentionAreDroppedWholeAndRecentOnesKept()
    {
        await using var dataSource = NpgsqlDataSource.Create(fixture.Database.AppConnectionString);
        var today = DateOnly.FromDateTime(fixture.GrainClock.GetUtcNow().UtcDateTime);
        foreach (var day in new[] { today.AddDays(-400), today.AddDays(-91), today.AddDays(-89), today })
        {
            await using var ensure = dataSource.CreateCommand("SELECT ensure_track_partition(@day)");
            ensure.Parameters.AddWithValue("day", day);
            await ensure.ExecuteNonQueryAsync();
        }

        var writer = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<TrackWriter>();
        Assert.True(await writer.ApplyRetentionAsync() >= 2);

        await using var list = dataSource.CreateCommand(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'device_track'::regclass");
        var partitions = new List<string>();
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                partitions.Add(reader.GetString(0));
            }
        }

        Assert.DoesNotContain($"device_track_{today.AddDays(-400):yyyyMMdd}", partitions);
        Assert.DoesNotContain($"device_track_{today.AddDays(-91):yyyyMMdd}", partitions);
        Assert.Contains($"device_track_{today.AddDays(-89):yyyyMMdd}", partitions);
        Assert.Contains($"device_track_{today:yyyyMMdd}", partitions);
    }
}

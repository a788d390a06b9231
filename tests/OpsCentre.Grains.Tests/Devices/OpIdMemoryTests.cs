using System.Text;
using System.Text.Json;
using OpsCentre.Grains.Devices;
using OpsCentre.Grains.Workers;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.Devices;

/// <summary>The op ids a device remembers are bounded by age as well as count, in memory and in its stored state.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class OpIdMemoryTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    /// <summary>The device's state as the live grain storage holds it in PostgreSQL.</summary>
    private async Task<JsonElement> StoredStateAsync(string deviceId)
    {
        var payload = await fixture.Db.ScalarAsync<byte[]>("SELECT payload FROM orleans_grain_state WHERE grain_key = @k", ("k", deviceId));
        return JsonDocument.Parse(Encoding.UTF8.GetString(payload)).RootElement;
    }

    [Fact]
    public async Task ADeviceReportingForAnHourStoresOnlyItsLastMinutesOfOpIdsAndAnswersAnOldRepeatStale()
    {
        var (device, worker) = await _kit.WorkerDeviceAsync();
        var sent = new List<DeviceStatus>();
        for (var i = 0; i < 1800; i++)
        {
            var status = _kit.Status(worker, 80);
            sent.Add(status);
            Assert.Equal([StatusOutcome.Applied], await device.Report([status]));
            fixture.GrainClock.Advance(TimeSpan.FromSeconds(2));
        }

        // Within the bound (10 minutes by default) a repeat is a duplicate; from 50 minutes ago it is only stale (its seq is old),
        // and neither moves the worker.
        Assert.Equal([StatusOutcome.Duplicate], await device.Report([sent[^60]]));
        Assert.Equal([StatusOutcome.Stale], await device.Report([sent[300] with { Lat = worker.Lat + 0.01 }]));
        Assert.Equal(worker.Lat, (await fixture.Client.GetGrain<IWorkerGrain>(worker.Id).Snapshot())!.Lat!.Value, 9);

        // Going offline writes the state at once: what it stores is the last 10 – 11 minutes of op ids, not the hour's 1,800.
        fixture.GrainClock.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        await GrainKit.EventuallyAsync(async () => !(await device.Health()).Online, "device offline");
        var stored = await GrainKit.EventuallyAsync(() => StoredStateAsync(device.GetPrimaryKeyString()), s => !s.GetProperty("online").GetBoolean(), "offline state stored");
        var hashes = stored.GetProperty("recentOpIdHashes").GetBytesFromBase64().Length / sizeof(long);
        Assert.InRange(hashes, 200, 330);
        Assert.True(stored.GetProperty("recentOpIdSlices").GetArrayLength() <= 2 * 12);
    }
}

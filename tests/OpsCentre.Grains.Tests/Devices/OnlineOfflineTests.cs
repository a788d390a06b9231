using Npgsql;
using OpsCentre.Database.Devices;
using OpsCentre.Grains.Devices;
using OpsCentre.Grains.Units;
using OpsCentre.Grains.Workers;
using Orleans.Runtime;

namespace OpsCentre.Grains.Tests.Devices;

[Collection(nameof(ClusterCollection))]
public sealed class OnlineOfflineTests(ClusterFixture fixture)
{
    private static readonly TimeSpan OfflineAfter = TimeSpan.FromMinutes(2);

    private async Task<(string DeviceId, CityGen.GeneratedWorker Worker)> ProvisionAsync(int index)
    {
        var worker = fixture.City.Workers[index];
        await using var dataSource = NpgsqlDataSource.Create(fixture.Database.AppConnectionString);
        var deviceId = $"dev-online-{index}-{Guid.NewGuid():N}"[..24];
        await new DeviceCredentialStore(dataSource).IssueAsync(deviceId, "worker-phone", worker.Id);
        return (deviceId, worker);
    }

    private DeviceStatus Status(long seq, CityGen.GeneratedWorker worker) =>
        new($"op-{seq}-{Guid.NewGuid():N}", seq, fixture.GrainClock.GetUtcNow(), worker.Lat, worker.Lon, 5, 80, OnDuty: true, StrapIntact: null);

    private async Task<long> OnlineInGridAsync(string grid) =>
        (await fixture.Client.GetGrain<IUnitGrain>(grid).Totals()).Counters.WorkersOnline;

    [Fact]
    public async Task ADeviceGoesOfflineAfterTheConfiguredSilenceAndBackOnlineWithTheNextStatus()
    {
        var (deviceId, worker) = await ProvisionAsync(3);
        var device = fixture.Client.GetGrain<IDeviceGrain>(deviceId);
        var before = await OnlineInGridAsync(worker.Grid);

        Assert.Equal([StatusOutcome.Applied], await device.Report([Status(1, worker)]));
        Assert.True((await device.Health()).Online);
        await WaitUntilAsync(async () => await OnlineInGridAsync(worker.Grid) == before + 1, "grid counter up");
        var snapshot = await fixture.Client.GetGrain<IWorkerGrain>(worker.Id).Snapshot();
        Assert.Equal(worker.Grid, snapshot?.CurrentGrid);
        Assert.True(snapshot?.OnDuty);

        // Just short of the silence period: still online.
        fixture.GrainClock.Advance(OfflineAfter - TimeSpan.FromSeconds(1));
        await Task.Delay(200);
        Assert.True((await device.Health()).Online);

        fixture.GrainClock.Advance(TimeSpan.FromSeconds(2));
        await WaitUntilAsync(async () => !(await device.Health()).Online, "device offline");
        await WaitUntilAsync(async () => await OnlineInGridAsync(worker.Grid) == before, "grid counter back");
        Assert.False((await fixture.Client.GetGrain<IWorkerGrain>(worker.Id).Snapshot())?.Online);

        Assert.Equal([StatusOutcome.Applied], await device.Report([Status(2, worker)]));
        Assert.True((await device.Health()).Online);
        await WaitUntilAsync(async () => await OnlineInGridAsync(worker.Grid) == before + 1, "grid counter up again");
    }

    [Fact]
    public async Task ADeviceWhoseSiloWasKilledStillGoesOffline()
    {
        var (deviceId, worker) = await ProvisionAsync(5);
        var device = fixture.Client.GetGrain<IDeviceGrain>(deviceId);
        Assert.Equal([StatusOutcome.Applied], await device.Report([Status(1, worker)]));
        await WaitUntilAsync(async () => (await fixture.Client.GetGrain<IWorkerGrain>(worker.Id).Snapshot())?.Online == true, "worker online");

        var stats = await fixture.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var host = stats.Single(s => s.GrainId == device.GetGrainId()).SiloAddress;
        await fixture.Cluster.KillSiloAsync(fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(host)));

        // Its timer died with the silo; only the durable wake-up can notice the silence now. The test
        // watches the worker, not the device: calling the device would reactivate it and let its own
        // activation notice the silence, proving nothing about the reminder.
        fixture.GrainClock.Advance(OfflineAfter + TimeSpan.FromSeconds(1));
        await WaitUntilAsync(async () => (await fixture.Client.GetGrain<IWorkerGrain>(worker.Id).Snapshot())?.Online == false, "worker offline after its device's silo died", seconds: 90);
        Assert.False((await device.Health()).Online);

        await fixture.Cluster.StartAdditionalSiloAsync();
        await fixture.Cluster.WaitForLivenessToStabilizeAsync();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException)
            {
                // The cluster is still noticing the dead silo.
            }

            Assert.True(DateTime.UtcNow < deadline, $"{what} did not happen within {seconds} s");
            await Task.Delay(200);
        }
    }
}

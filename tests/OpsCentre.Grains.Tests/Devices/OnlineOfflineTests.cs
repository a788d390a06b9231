using OpsCentre.Grains.Devices;
using OpsCentre.Grains.Workers;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.Devices;

[Collection(nameof(ClusterCollection))]
public sealed class OnlineOfflineTests(ClusterFixture fixture)
{
    private static readonly TimeSpan OfflineAfter = TimeSpan.FromMinutes(2);
    private readonly GrainKit _kit = new(fixture);

    private async Task<long> OnlineInGridAsync(string grid) => (await _kit.CountersAsync(grid)).WorkersOnline;

    [Fact]
    public async Task ADeviceGoesOfflineAfterTheConfiguredSilenceAndBackOnlineWithTheNextStatus()
    {
        var (device, worker) = await _kit.WorkerDeviceAsync();
        var before = await OnlineInGridAsync(worker.Grid);

        Assert.Equal([StatusOutcome.Applied], await device.Report([_kit.Status(worker, 80)]));
        Assert.True((await device.Health()).Online);
        await GrainKit.EventuallyAsync(async () => await OnlineInGridAsync(worker.Grid) == before + 1, "grid counter up");
        var snapshot = await fixture.Client.GetGrain<IWorkerGrain>(worker.Id).Snapshot();
        Assert.Equal(worker.Grid, snapshot?.CurrentGrid);
        Assert.True(snapshot?.OnDuty);

        // Just short of the silence period: still online.
        fixture.GrainClock.Advance(OfflineAfter - TimeSpan.FromSeconds(1));
        await Consistently.HoldsAsync(async () => (await device.Health()).Online, TimeSpan.FromMilliseconds(200), "online just short of the silence period");

        fixture.GrainClock.Advance(TimeSpan.FromSeconds(2));
        await GrainKit.EventuallyAsync(async () => !(await device.Health()).Online, "device offline");
        await GrainKit.EventuallyAsync(async () => await OnlineInGridAsync(worker.Grid) == before, "grid counter back");
        Assert.False((await fixture.Client.GetGrain<IWorkerGrain>(worker.Id).Snapshot())?.Online);

        Assert.Equal([StatusOutcome.Applied], await device.Report([_kit.Status(worker, 80)]));
        Assert.True((await device.Health()).Online);
        await GrainKit.EventuallyAsync(async () => await OnlineInGridAsync(worker.Grid) == before + 1, "grid counter up again");
    }

    [Fact]
    public async Task ADeviceWhoseSiloWasKilledStillGoesOffline()
    {
        var (device, worker) = await _kit.WorkerDeviceAsync();
        Assert.Equal([StatusOutcome.Applied], await device.Report([_kit.Status(worker, 80)]));
        await GrainKit.EventuallyAsync(async () => (await fixture.Client.GetGrain<IWorkerGrain>(worker.Id).Snapshot())?.Online == true, "worker online");

        await _kit.KillSiloHostingAsync(device.GetGrainId());

        // Its timer died with the silo; only the durable wake-up can notice the silence now. The test
        // watches the worker, not the device: calling the device would reactivate it and let its own
        // activation notice the silence, proving nothing about the reminder.
        fixture.GrainClock.Advance(OfflineAfter + TimeSpan.FromSeconds(1));
        await GrainKit.EventuallyAsync(async () => (await fixture.Client.GetGrain<IWorkerGrain>(worker.Id).Snapshot())?.Online == false, "worker offline after its device's silo died", seconds: 90);
        Assert.False((await device.Health()).Online);

        await _kit.RestoreClusterAsync();
    }
}

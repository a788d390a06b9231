using OpsCentre.Grains.Tests.Probes;

namespace OpsCentre.Grains.Tests.Storage;

[Collection(nameof(ClusterCollection))]
public sealed class RemindersAndClocksTests(ClusterFixture fixture)
{
    [Fact]
    public async Task RemindersStoredInPostgresFireOnBothSilosOfTheCluster()
    {
        Assert.Equal(2, fixture.Cluster.Silos.Count);
        var grains = Enumerable.Range(0, 24)
            .Select(_ => fixture.Client.GetGrain<IWakeUpProbeGrain>(Random.Shared.NextInt64()))
            .ToList();
        foreach (var grain in grains)
        {
            await grain.Arm(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        }

        // Each silo serves the reminders in its half of the hash ring (ReadRangeRows1/2); with 24 random
        // keys both halves hold some. Reminders run on real time: wait for every one to tick.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<int> ticks;
        do
        {
            await Task.Delay(500);
            ticks = [.. await Task.WhenAll(grains.Select(g => g.Ticks()))];
        }
        while (ticks.Any(t => t == 0) && DateTime.UtcNow < deadline);

        Assert.All(ticks, t => Assert.Equal(1, t));
    }

    [Fact]
    public async Task GrainClockMovesOnlyWhenTheTestMovesIt()
    {
        var grain = fixture.Client.GetGrain<IClockProbeGrain>("clock-" + Guid.NewGuid());
        var before = await grain.Now();
        await grain.StartTimer(TimeSpan.FromMinutes(10));
        Assert.Null(await grain.TimerFiredAt());

        fixture.GrainClock.Advance(TimeSpan.FromMinutes(10));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await grain.TimerFiredAt() is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var firedAt = await grain.TimerFiredAt();
        Assert.NotNull(firedAt);
        Assert.True(firedAt >= before + TimeSpan.FromMinutes(10), $"fired at {firedAt}, armed at {before}");

        // Membership kept real time: both silos are still active members.
        var hosts = await fixture.Client.GetGrain<Orleans.Runtime.IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
    }
}


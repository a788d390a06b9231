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
        var ticks = await GrainKit.EventuallyAsync(() => Task.WhenAll(grains.Select(g => g.Ticks())), t => t.All(n => n != 0), "every reminder ticked", seconds: 60,
            describe: t => string.Join(",", t));
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
        var firedAt = await GrainKit.EventuallyAsync(grain.TimerFiredAt, at => at is not null, "the timer fired", seconds: 10);
        Assert.True(firedAt >= before + TimeSpan.FromMinutes(10), $"fired at {firedAt}, armed at {before}");

        // Membership kept real time: both silos are still active members.
        var hosts = await fixture.Client.GetGrain<Orleans.Runtime.IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
    }
}


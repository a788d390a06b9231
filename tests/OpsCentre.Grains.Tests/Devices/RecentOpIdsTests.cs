using OpsCentre.Grains.Devices;

namespace OpsCentre.Grains.Tests.Devices;

public sealed class RecentOpIdsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan TenMinutes = TimeSpan.FromMinutes(10);

    [Fact]
    public void AnIdSeenBeforeIsRecognisedAlsoAfterTheStoredStateIsReadBack()
    {
        var recent = new RecentOpIds(10, TenMinutes, null, null, T0);
        Assert.True(recent.Remember("op-1", T0));
        Assert.True(recent.Remember("op-2", T0));
        Assert.False(recent.Remember("op-1", T0));

        var reread = new RecentOpIds(10, TenMinutes, recent.ToBytes(), recent.SlicesToArray(), T0);
        Assert.False(reread.Remember("op-1", T0));
        Assert.False(reread.Remember("op-2", T0));
        Assert.True(reread.Remember("op-3", T0));
    }

    [Fact]
    public void OnlyTheNewestIdsUpToTheCapacityAreKept()
    {
        var recent = new RecentOpIds(3, TenMinutes, null, null, T0);
        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            Assert.True(recent.Remember(id, T0));
        }

        Assert.Equal(3 * sizeof(long), recent.ToBytes().Length);
        // "a" was the oldest and is forgotten; the three newest are not, nor after a smaller capacity is read back.
        var reread = new RecentOpIds(2, TenMinutes, recent.ToBytes(), recent.SlicesToArray(), T0);
        Assert.False(reread.Remember("d", T0));
        Assert.False(reread.Remember("c", T0));
        Assert.True(reread.Remember("b", T0));
        Assert.True(recent.Remember("a", T0));
    }

    [Fact]
    public void AnIdIsForgottenOnceItIsOlderThanTheAgeBoundAndNotBefore()
    {
        var recent = new RecentOpIds(2000, TenMinutes, null, null, T0);
        Assert.True(recent.Remember("early", T0));
        Assert.True(recent.Remember("later", T0 + TimeSpan.FromMinutes(5)));

        Assert.False(recent.Remember("early", T0 + TimeSpan.FromMinutes(9)));
        // Kept for the bound, and at most a tenth of it (one slice) longer.
        Assert.True(recent.Remember("early", T0 + TenMinutes + RecentOpIds.SliceOf(TenMinutes)));
        Assert.False(recent.Remember("later", T0 + TenMinutes + RecentOpIds.SliceOf(TenMinutes)));
    }

    [Fact]
    public void ADeviceReportingEveryTwoSecondsForAnHourRemembersOnlyItsLastMinutes()
    {
        var recent = new RecentOpIds(2000, TenMinutes, null, null, T0);
        var at = T0;
        for (var i = 0; i < 1800; i++, at += TimeSpan.FromSeconds(2))
        {
            Assert.True(recent.Remember($"op-{i}", at));
        }

        // 10 to 11 minutes of statuses (300 to 330), not the 1,800 of the hour nor the capacity of 2,000.
        Assert.InRange(recent.Count, 300, 330);
        var last = at - TimeSpan.FromSeconds(2);
        var reread = new RecentOpIds(2000, TenMinutes, recent.ToBytes(), recent.SlicesToArray(), last);
        Assert.Equal(recent.Count, reread.Count);
        Assert.True(reread.SlicesToArray().Length <= 2 * 12);
        Assert.False(reread.Remember("op-1799", last));
        Assert.True(reread.Remember("op-0", last));
    }

    [Fact]
    public void HashesStoredBeforeAgesWereKeptCountAsReceivedWhenReadBack()
    {
        var old = new RecentOpIds(10, TenMinutes, null, null, T0);
        old.Remember("x", T0);
        var reread = new RecentOpIds(10, TenMinutes, old.ToBytes(), null, T0 + TimeSpan.FromHours(5));
        Assert.False(reread.Remember("x", T0 + TimeSpan.FromHours(5)));
        Assert.True(reread.Remember("x", T0 + TimeSpan.FromHours(5) + TenMinutes + RecentOpIds.SliceOf(TenMinutes)));
    }
}

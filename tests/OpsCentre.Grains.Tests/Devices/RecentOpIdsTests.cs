using OpsCentre.Grains.Devices;

namespace OpsCentre.Grains.Tests.Devices;

public sealed class RecentOpIdsTests
{
    [Fact]
    public void AnIdSeenBeforeIsRecognisedAlsoAfterTheStoredStateIsReadBack()
    {
        var recent = new RecentOpIds(10, null);
        Assert.True(recent.Remember("op-1"));
        Assert.True(recent.Remember("op-2"));
        Assert.False(recent.Remember("op-1"));

        var reread = new RecentOpIds(10, recent.ToBytes());
        Assert.False(reread.Remember("op-1"));
        Assert.False(reread.Remember("op-2"));
        Assert.True(reread.Remember("op-3"));
    }

    [Fact]
    public void OnlyTheNewestIdsUpToTheCapacityAreKept()
    {
        var recent = new RecentOpIds(3, null);
        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            Assert.True(recent.Remember(id));
        }

        Assert.Equal(3 * sizeof(long), recent.ToBytes().Length);
        // "a" was the oldest and is forgotten; the three newest are not, nor after a smaller capacity is read back.
        var reread = new RecentOpIds(2, recent.ToBytes());
        Assert.False(reread.Remember("d"));
        Assert.False(reread.Remember("c"));
        Assert.True(reread.Remember("b"));
        Assert.True(recent.Remember("a"));
    }
}

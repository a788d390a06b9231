using Npgsql;
using OpsCentre.ServiceDefaults;

namespace OpsCentre.Grains.Tests.Database;

public sealed class ConnectionSettingsTests
{
    [Fact]
    public void PoolSettingsAreAddedWhereTheConnectionStringIsSilent()
    {
        var tuned = new NpgsqlConnectionStringBuilder(ClusterSettings.Tuned("Host=127.0.0.1;Database=x;Username=u"));

        Assert.Equal(64, tuned.MaxAutoPrepare);
        Assert.Equal(2, tuned.AutoPrepareMinUsages);
        Assert.True(tuned.NoResetOnClose);
    }

    [Fact]
    public void WhatTheConnectionStringSetsIsKeptEvenWhenItIsTheDefault()
    {
        var tuned = new NpgsqlConnectionStringBuilder(ClusterSettings.Tuned(
            "Host=127.0.0.1;Database=x;Username=u;Max Auto Prepare=0;AutoPrepareMinUsages=5;No Reset On Close=false"));

        Assert.Equal(0, tuned.MaxAutoPrepare);
        Assert.Equal(5, tuned.AutoPrepareMinUsages);
        Assert.False(tuned.NoResetOnClose);
    }
}

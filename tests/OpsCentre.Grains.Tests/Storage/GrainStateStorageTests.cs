using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OpsCentre.Testing;
using OpsCentre.Grains.Tests.Probes;
using Orleans.Runtime;
using Orleans.Providers;
using Orleans.Storage;

namespace OpsCentre.Grains.Tests.Storage;

[Collection(nameof(ClusterCollection))]
public sealed class GrainStateStorageTests(ClusterFixture fixture)
{
    private static ProbeState SampleState(string name) => new()
    {
        Name = name,
        Count = 42,
        LastSeen = new DateTimeOffset(2026, 11, 29, 22, 15, 0, TimeSpan.FromHours(8)),
        Items = [new ProbeItem(DemoUnits.ThirdStreet + "001", 12.5m), new ProbeItem(DemoUnits.ThirdStreet + "002", 0m)],
        Readings = new() { ["battery"] = 0.18, ["accuracyM"] = 7.5 },
    };

    [Fact]
    public async Task StateWrittenBeforeSiloRestartIsReadBackAfterIt()
    {
        var grain = fixture.Client.GetGrain<IStorageProbeGrain>("restart-" + Guid.NewGuid());
        await grain.Save(SampleState("锦江区 grid 1"));
        var host = await grain.HostingSilo();

        var silo = fixture.Cluster.Silos.Single(s => s.SiloAddress.ToString() == host);
        await fixture.Cluster.RestartSiloAsync(silo);

        var loaded = await grain.Load();
        Assert.Equal("锦江区 grid 1", loaded.Name);
        Assert.Equal(42, loaded.Count);
        Assert.Equal(SampleState("x").LastSeen, loaded.LastSeen);
        Assert.Equal(SampleState("x").Items, loaded.Items);
        Assert.Equal(0.18, loaded.Readings["battery"]);
    }

    [Fact]
    public async Task StoredStateIsPlainJsonWithoutTypeNamesAndRoundTrips()
    {
        var key = "json-" + Guid.NewGuid();
        await fixture.Client.GetGrain<IStorageProbeGrain>(key).Save(SampleState("round trip"));

        var (json, version) = Assert.Single(await fixture.Db.RowsAsync("SELECT payload, version FROM orleans_grain_state WHERE grain_key = @k",
            r => (Encoding.UTF8.GetString((byte[])r[0]), r.GetInt32(1)), ("k", key)));

        Assert.StartsWith("{\"name\":\"round trip\",\"count\":42,", json);
        Assert.DoesNotContain("$type", json);
        Assert.DoesNotContain("OpsCentre", json);
        Assert.Equal(1, version);
    }

    [Fact]
    public async Task StaleEtagWriteFailsAndTheNewerStateSurvives()
    {
        var storage = SiloStorage();
        var grainId = GrainId.Create("probe", "etag-" + Guid.NewGuid());
        var first = new GrainState<ProbeState>(new ProbeState());
        var second = new GrainState<ProbeState>(new ProbeState());
        await storage.ReadStateAsync("probe", grainId, first);
        await storage.ReadStateAsync("probe", grainId, second);

        first.State = SampleState("newer");
        await storage.WriteStateAsync("probe", grainId, first);

        second.State = SampleState("stale");
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("probe", grainId, second));

        var read = new GrainState<ProbeState>(new ProbeState());
        await storage.ReadStateAsync("probe", grainId, read);
        Assert.Equal("newer", read.State!.Name);
        Assert.Equal(first.ETag, read.ETag);

        // The same holds once the row exists: a writer one version behind is refused.
        var behind = read.ETag;
        first.State!.Count = 7;
        await storage.WriteStateAsync("probe", grainId, first);
        read.ETag = behind;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("probe", grainId, read));
    }

    [Fact]
    public async Task ClearedStateReadsAsDefaultAndStaleClearIsRefused()
    {
        var storage = SiloStorage();
        var grainId = GrainId.Create("probe", "clear-" + Guid.NewGuid());
        var state = new GrainState<ProbeState>(SampleState("to clear"));
        await storage.WriteStateAsync("probe", grainId, state);
        var stale = new GrainState<ProbeState>(new ProbeState()) { ETag = state.ETag, RecordExists = true };

        await storage.ClearStateAsync("probe", grainId, state);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("probe", grainId, stale));

        var read = new GrainState<ProbeState>(new ProbeState());
        await storage.ReadStateAsync("probe", grainId, read);
        Assert.Equal("", read.State!.Name);
        Assert.Equal(state.ETag, read.ETag);
    }

    [Fact]
    public async Task RowsAreMatchedOnTheFullGrainKeyNotItsHash()
    {
        // Many keys of one type, plus the same key under another type and as a key extension:
        // every one reads back its own state.
        var storage = SiloStorage();
        var prefix = "many-" + Guid.NewGuid().ToString("N")[..6] + "-";
        var keys = Enumerable.Range(0, 400).Select(i => prefix + i).ToList();
        foreach (var key in keys)
        {
            await storage.WriteStateAsync("probe", GrainId.Create("probe", key), new GrainState<ProbeState>(new ProbeState { Name = key }));
        }

        await storage.WriteStateAsync("other", GrainId.Create("other", keys[0]), new GrainState<ProbeState>(new ProbeState { Name = "other type" }));
        foreach (var key in keys)
        {
            var read = new GrainState<ProbeState>(new ProbeState());
            await storage.ReadStateAsync("probe", GrainId.Create("probe", key), read);
            Assert.Equal(key, read.State!.Name);
        }

        var other = new GrainState<ProbeState>(new ProbeState());
        await storage.ReadStateAsync("other", GrainId.Create("other", keys[0]), other);
        Assert.Equal("other type", other.State!.Name);
    }

    private IGrainStorage SiloStorage() =>
        fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);
}

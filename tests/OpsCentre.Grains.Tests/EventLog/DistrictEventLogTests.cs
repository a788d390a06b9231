using OpsCentre.Grains.EventLog;
using OpsCentre.Grains.Tests.Probes;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.EventLog;

[Collection(nameof(ClusterCollection))]
public sealed class DistrictEventLogTests(ClusterFixture fixture)
{
    private readonly GrainKit _kit = new(fixture);

    [Fact]
    public async Task AThousandConcurrentAppendsFromManyGrainsAreNumberedWithoutGaps()
    {
        var district = _kit.Fresh.UnmappedDistrict();
        var appenders = Enumerable.Range(0, 50).Select(i => fixture.Client.GetGrain<IAppenderProbeGrain>($"appender-{i}")).ToList();

        var seqs = (await Task.WhenAll(appenders.Select(a => a.AppendMany(district, 20)))).SelectMany(s => s).ToList();

        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), seqs.Order());
        var stored = await StoredAsync(district);
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), stored.Select(r => r.Seq));
        Assert.Equal(1000, stored.Select(r => (r.Caller, r.OpId)).Distinct().Count());
    }

    [Fact]
    public async Task ARetriedAppendIsStoredOnceAndAnsweredWithTheOriginalEvents()
    {
        var district = _kit.Fresh.UnmappedDistrict();
        var log = fixture.Client.GetGrain<IDistrictEventLogGrain>(district);
        EventDraft[] drafts =
        [
            new(district + "001", "probe.reported", "worker-7", DateTimeOffset.UtcNow, """{"id":"case-1"}"""),
            new(district + "001002", "probe.stage-changed", "worker-7", DateTimeOffset.UtcNow, """{"id":"case-1","stage":"accepted"}"""),
        ];

        var first = await log.Append("device-7", "op-42", drafts);
        var retried = await log.Append("device-7", "op-42", drafts);
        var other = await log.Append("device-8", "op-42", drafts[..1]);

        Assert.Equal([1L, 2L], first.Select(e => e.Seq));
        Assert.Equal(first, retried);
        Assert.Equal(3, other.Single().Seq);
        Assert.Equal(3, (await StoredAsync(district)).Count);
    }

    [Fact]
    public async Task AnAppendOutsideThedistrictOrWithoutAnObjectPayloadIsRefusedAndChangesNothing()
    {
        var district = _kit.Fresh.UnmappedDistrict();
        var log = fixture.Client.GetGrain<IDistrictEventLogGrain>(district);

        await Assert.ThrowsAsync<ArgumentException>(() => log.Append("c", "op", [new(DemoUnits.FirstStreet, "x", "a", DateTimeOffset.UtcNow, "{}")]));
        await Assert.ThrowsAsync<ArgumentException>(() => log.Append("c", "op", [new(district, "x", "a", DateTimeOffset.UtcNow, "[1]")]));
        await Assert.ThrowsAsync<ArgumentException>(() => log.Append("c", "op", []));

        Assert.Empty(await StoredAsync(district));
        Assert.Equal(0, await log.LastSeq());
    }

    [Fact]
    public async Task NumberingResumesWithoutGapOrDuplicateAfterTheWritersSiloIsKilled()
    {
        var district = _kit.Fresh.UnmappedDistrict();
        var log = fixture.Client.GetGrain<IDistrictEventLogGrain>(district);
        for (var i = 0; i < 10; i++)
        {
            await log.Append("screen-test", $"before-{i}", [new(district, "probe", "test", DateTimeOffset.UtcNow, "{}")]);
        }

        await _kit.KillSiloHostingAsync(log.GetGrainId());

        // Callers retry with the same op id until the writer is back on the surviving silo.
        for (var i = 0; i < 10; i++)
        {
            await GrainKit.RetryAsync(() => log.Append("screen-test", $"after-{i}", [new(district, "probe", "test", DateTimeOffset.UtcNow, "{}")]), $"append after-{i}");
        }

        var stored = await StoredAsync(district);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), stored.Select(r => r.Seq));
        Assert.Equal(20, stored.Select(r => r.OpId).Distinct().Count());

        await _kit.RestoreClusterAsync();
    }

    private Task<List<(long Seq, string Caller, string OpId)>> StoredAsync(string district) =>
        _kit.Db.RowsAsync("SELECT seq, caller, op_id FROM event_log WHERE district_code = @d ORDER BY seq",
            r => (r.GetInt64(0), r.GetString(1), r.GetString(2)), ("d", district));
}

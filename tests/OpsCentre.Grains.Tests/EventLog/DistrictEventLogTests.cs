using Npgsql;
using OpsCentre.Grains.EventLog;
using OpsCentre.Grains.Tests.Probes;
using Orleans.Runtime;

namespace OpsCentre.Grains.Tests.EventLog;

[Collection(nameof(ClusterCollection))]
public sealed class DistrictEventLogTests(ClusterFixture fixture)
{
    [Fact]
    public async Task AThousandConcurrentAppendsFromManyGrainsAreNumberedWithoutGaps()
    {
        const string District = "510191";
        var appenders = Enumerable.Range(0, 50).Select(i => fixture.Client.GetGrain<IAppenderProbeGrain>($"appender-{i}")).ToList();

        var seqs = (await Task.WhenAll(appenders.Select(a => a.AppendMany(District, 20)))).SelectMany(s => s).ToList();

        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), seqs.Order());
        var stored = await StoredAsync(District);
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), stored.Select(r => r.Seq));
        Assert.Equal(1000, stored.Select(r => (r.Caller, r.OpId)).Distinct().Count());
    }

    [Fact]
    public async Task ARetriedAppendIsStoredOnceAndAnsweredWithTheOriginalEvents()
    {
        const string District = "510192";
        var log = fixture.Client.GetGrain<IDistrictEventLogGrain>(District);
        EventDraft[] drafts =
        [
            new(District + "001", "probe.reported", "worker-7", DateTimeOffset.UtcNow, """{"id":"case-1"}"""),
            new(District + "001002", "probe.stage-changed", "worker-7", DateTimeOffset.UtcNow, """{"id":"case-1","stage":"accepted"}"""),
        ];

        var first = await log.Append("device-7", "op-42", drafts);
        var retried = await log.Append("device-7", "op-42", drafts);
        var other = await log.Append("device-8", "op-42", drafts[..1]);

        Assert.Equal([1L, 2L], first.Select(e => e.Seq));
        Assert.Equal(first, retried);
        Assert.Equal(3, other.Single().Seq);
        Assert.Equal(3, (await StoredAsync(District)).Count);
    }

    [Fact]
    public async Task AnAppendOutsideTheDistrictOrWithoutAnObjectPayloadIsRefusedAndChangesNothing()
    {
        const string District = "510193";
        var log = fixture.Client.GetGrain<IDistrictEventLogGrain>(District);

        await Assert.ThrowsAsync<ArgumentException>(() => log.Append("c", "op", [new("510104001", "x", "a", DateTimeOffset.UtcNow, "{}")]));
        await Assert.ThrowsAsync<ArgumentException>(() => log.Append("c", "op", [new(District, "x", "a", DateTimeOffset.UtcNow, "[1]")]));
        await Assert.ThrowsAsync<ArgumentException>(() => log.Append("c", "op", []));

        Assert.Empty(await StoredAsync(District));
        Assert.Equal(0, await log.LastSeq());
    }

    [Fact]
    public async Task NumberingResumesWithoutGapOrDuplicateAfterTheWritersSiloIsKilled()
    {
        const string District = "510194";
        var log = fixture.Client.GetGrain<IDistrictEventLogGrain>(District);
        for (var i = 0; i < 10; i++)
        {
            await log.Append("screen-test", $"before-{i}", [new(District, "probe", "test", DateTimeOffset.UtcNow, "{}")]);
        }

        var stats = await fixture.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var host = stats.Single(s => s.GrainId == log.GetGrainId()).SiloAddress;
        await fixture.Cluster.KillSiloAsync(fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(host)));

        // Callers retry with the same op id until the writer is back on the surviving silo.
        for (var i = 0; i < 10; i++)
        {
            await RetryAsync(() => log.Append("screen-test", $"after-{i}", [new(District, "probe", "test", DateTimeOffset.UtcNow, "{}")]));
        }

        var stored = await StoredAsync(District);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), stored.Select(r => r.Seq));
        Assert.Equal(20, stored.Select(r => r.OpId).Distinct().Count());

        await fixture.Cluster.StartAdditionalSiloAsync();
        await fixture.Cluster.WaitForLivenessToStabilizeAsync();
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> action)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            try
            {
                return await action();
            }
            catch (Exception ex) when (ex is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException or OrleansException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private async Task<List<(long Seq, string Caller, string OpId)>> StoredAsync(string district)
    {
        await using var connection = new NpgsqlConnection(fixture.Database.AppConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT seq, caller, op_id FROM event_log WHERE district_code = @d ORDER BY seq", connection);
        command.Parameters.AddWithValue("d", district);
        var rows = new List<(long, string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        }

        return rows;
    }
}

using Npgsql;
using OpsCentre.Database.Operations;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.Database;

[Collection(nameof(ClusterCollection))]
public sealed class OperationLedgerTests(ClusterFixture fixture)
{
    [Fact]
    public async Task AnOpIdIsFreshOnceThenReplaysTheSameRequestAndRefusesAnother()
    {
        await using var db = NpgsqlDataSource.Create(fixture.Database.AppConnectionString);
        await using var connection = await db.OpenConnectionAsync();
        var opId = Guid.NewGuid().ToString("N");
        var first = new Operation("ledger-tests", opId, "key-person.visit", OperationIds.Hash("p-1", "met", 1.5, DateTimeOffset.UnixEpoch));

        Assert.Equal(new OperationClaim(ClaimOutcome.Fresh, "r-1"), await OperationLedger.ClaimAsync(connection, null, first, "r-1", default));
        Assert.Equal(new OperationClaim(ClaimOutcome.Replay, "r-1"), await OperationLedger.ClaimAsync(connection, null, first, "r-2", default));
        Assert.Equal(ClaimOutcome.Reused,
            (await OperationLedger.ClaimAsync(connection, null, first with { RequestHash = OperationIds.Hash("p-1", "absent", 1.5, DateTimeOffset.UnixEpoch) }, "r-3", default)).Outcome);
        // The same body under the same id for another kind of write is another request.
        Assert.Equal(ClaimOutcome.Reused, (await OperationLedger.ClaimAsync(connection, null, first with { Kind = "key-person.zone" }, "r-4", default)).Outcome);
        // Another caller's same id is theirs.
        Assert.Equal(ClaimOutcome.Fresh, (await OperationLedger.ClaimAsync(connection, null, first with { Caller = "ledger-tests-2" }, "r-5", default)).Outcome);
    }

    [Fact]
    public async Task ConcurrentClaimsOfOneOpIdMakeOneFreshWriteAndReplayItsResult()
    {
        await using var db = NpgsqlDataSource.Create(fixture.Database.AppConnectionString);
        var operation = new Operation("ledger-tests", Guid.NewGuid().ToString("N"), "incident.report", OperationIds.Hash("same body"));

        // The first claim holds its row uncommitted, as a write after the claim does; the others are started
        // only then, and it commits only once all of them wait on its row in PostgreSQL: they must overlap.
        await using var first = await db.OpenConnectionAsync();
        await using var firstTransaction = await first.BeginTransactionAsync();
        var fresh = await OperationLedger.ClaimAsync(first, firstTransaction, operation, "result-0", default);
        var others = Enumerable.Range(1, 7).Select(async i =>
        {
            await using var connection = await db.OpenConnectionAsync();
            return await OperationLedger.ClaimAsync(connection, null, operation, "result-" + i, default);
        }).ToList();
        await Eventually.HoldsAsync(
            () => db.ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO operation_ledger%'"),
            waiting => waiting == 7, TimeSpan.FromSeconds(15), "seven claims waiting on the first one's row");
        await firstTransaction.CommitAsync();
        var claims = await Task.WhenAll(others);

        Assert.Equal(new OperationClaim(ClaimOutcome.Fresh, "result-0"), fresh);
        Assert.All(claims, c => Assert.Equal(new OperationClaim(ClaimOutcome.Replay, "result-0"), c));
    }

    [Fact]
    public async Task AClaimRolledBackWithItsWriteLeavesTheOpIdFresh()
    {
        await using var db = NpgsqlDataSource.Create(fixture.Database.AppConnectionString);
        await using var connection = await db.OpenConnectionAsync();
        var operation = new Operation("ledger-tests", Guid.NewGuid().ToString("N"), "alert-rule.save", OperationIds.Hash("rule"));
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            Assert.Equal(ClaimOutcome.Fresh, (await OperationLedger.ClaimAsync(connection, transaction, operation, "rule/1", default)).Outcome);
            await transaction.RollbackAsync();
        }

        Assert.Equal(new OperationClaim(ClaimOutcome.Fresh, "rule/2"), await OperationLedger.ClaimAsync(connection, null, operation, "rule/2", default));
    }

    [Fact]
    public void TheRequestHashIsInvariantAndTellsFieldsApart()
    {
        Assert.Equal(OperationIds.Hash("a", 0.1, null, 3), OperationIds.Hash("a", 0.1, null, 3));
        Assert.NotEqual(OperationIds.Hash("a", null), OperationIds.Hash("a", ""));
        Assert.NotEqual(OperationIds.Hash("ab", "c"), OperationIds.Hash("a", "bc"));
        Assert.Equal(OperationIds.Json("""{"b": [1, {"d": 2, "c": 3}], "a": null}"""), OperationIds.Json("""{"a":null,"b":[1,{"c":3,"d":2}]}"""));
        var utc = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        Assert.Equal(OperationIds.Hash(utc), OperationIds.Hash(utc.ToOffset(TimeSpan.FromHours(8))));
    }
}

using System.Net;
using Npgsql;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Outages;

/// <summary>
/// A write that loses a race with another transaction — here, one that waited longer than the database's
/// <c>lock_timeout</c> for a row another transaction holds (55P03; serialization failures and deadlocks are
/// judged alike) — is 503 with a short <c>Retry-After</c> and writes nothing; sent again, it succeeds once.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class ContentionTests(SystemFixture system)
{
    [Fact]
    public async Task AWriteThatCannotGetItsLockIs503WithRetryAfterAndSucceedsWhenSentAgain()
    {
        // A gateway of its own whose connections give up on a lock after 300 ms (PostgreSQL's lock_timeout).
        var (_, url) = system.StartGateway("gateway-lock-timeout", settings: new()
        {
            ["ConnectionStrings__OpsCentre"] = system.Database.AppConnectionString + ";Options=-c lock_timeout=300",
        });
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        await SystemFixture.WaitForActiveSilosAsync(http, 1);
        var person = system.Fresh.KeyPerson(within: "510104");
        var token = await Api.TokenAsync(http, "jinjiang.corrections.officer");
        var zone = new { opId = "zone-under-lock", name = "家", lat = person.Lat, lon = person.Lon, radiusM = 300 };
        var path = $"/api/v1/key-persons/{person.Id}/zones";

        // Another transaction holds the person's row: adding a zone (whose key refers to it) must wait for it.
        await using (var holder = new NpgsqlConnection(system.Database.OwnerConnectionString))
        {
            await holder.OpenAsync();
            await using var transaction = await holder.BeginTransactionAsync();
            await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM key_person WHERE id = @id FOR UPDATE", holder, transaction))
            {
                lockRow.Parameters.AddWithValue("id", person.Id);
                await lockRow.ExecuteScalarAsync();
            }

            var refused = await Api.AnswerOfAsync(http, Api.Authorized(HttpMethod.Post, path, token, zone));
            Api.AssertRetryLater(refused, HttpStatusCode.ServiceUnavailable, 1, 1);
            await transaction.RollbackAsync();
        }

        Assert.Equal(0, await system.Db.ScalarAsync<long>("SELECT count(*) FROM key_person_zone WHERE person_id = @p", ("p", person.Id)));
        var (created, _) = await Api.SendAsync(http, HttpMethod.Post, path, token, zone);
        Assert.Equal(HttpStatusCode.Created, created);
        var (again, _) = await Api.SendAsync(http, HttpMethod.Post, path, token, zone);
        Assert.Equal(HttpStatusCode.Created, again); // the same answer again, from the ledger
        Assert.Equal(1, await system.Db.ScalarAsync<long>("SELECT count(*) FROM key_person_zone WHERE person_id = @p", ("p", person.Id)));
    }
}

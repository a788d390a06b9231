using System.Net;
using Npgsql;
using OpsCentre.Database.Operators;
using OpsCentre.Integration.Tests.Screens;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Auth;

/// <summary>An account disabled (or deleted) by SQL is shut out within the standing check's period, not when its 15-minute tokens expire.</summary>
[Collection(nameof(SystemCollection))]
public sealed class AccountStandingTests(SystemFixture system)
{
    private const int CheckSeconds = 2;

    [Fact]
    public async Task ADisabledAccountsTokenRefreshAndOpenHubConnectionStopWorkingWithinTheCheckPeriod()
    {
        await using var gateway = await OwnGateway.StartAsync(system, "gateway-standing", new() { ["Auth__StandingCheckSeconds"] = CheckSeconds.ToString() });
        var operators = new OperatorStore(system.Db);
        var (disabled, deleted, bystander) = (NewName("disabled"), NewName("deleted"), NewName("bystander"));
        foreach (var username in new[] { disabled, deleted, bystander })
        {
            await operators.UpsertAsync(new OperatorAccount(username, "停用测试", "operator", "510104", Disabled: false), SystemFixture.Password);
        }

        var tokens = new Dictionary<string, Api.Tokens>();
        foreach (var username in new[] { disabled, deleted, bystander })
        {
            tokens[username] = await Api.SignInAsync(gateway.Http, username);
            Assert.Equal(HttpStatusCode.OK, await GetUnitAsync(gateway.Http, tokens[username].AccessToken));
        }

        await using var screen = await ScreenClient.ConnectAsync(gateway.Url, tokens[disabled].AccessToken);
        await using var bystanderScreen = await ScreenClient.ConnectAsync(gateway.Url, tokens[bystander].AccessToken);
        await screen.SubscribeAsync("510104");
        await bystanderScreen.SubscribeAsync("510104");

        // Disabling is SQL today; deleting the row is the other way an account ends.
        await system.Db.ExecuteAsync("UPDATE operator_account SET disabled = true WHERE username = @u", ("u", disabled));
        await using (var owner = NpgsqlDataSource.Create(system.Database.OwnerConnectionString))
        {
            await owner.ExecuteAsync("DELETE FROM operator_account WHERE username = @u", ("u", deleted));
        }

        // The still-unexpired access tokens are refused within the period (plus a margin for a loaded machine).
        var bound = TimeSpan.FromSeconds(2 * CheckSeconds + 10);
        foreach (var username in new[] { disabled, deleted })
        {
            await Eventually.HoldsAsync(async () => await GetUnitAsync(gateway.Http, tokens[username].AccessToken) == HttpStatusCode.Unauthorized,
                bound, $"{username}'s access token refused");
        }

        Assert.Null(await TokenTrustTests.RefreshAsync(gateway.Http, tokens[disabled].RefreshToken));
        Assert.Null(await TokenTrustTests.RefreshAsync(gateway.Http, tokens[deleted].RefreshToken));

        // The open hub connection is closed by the server, and a new one is refused.
        await Eventually.HoldsAsync(() => screen.Closed.IsCompleted, bound, "the disabled account's hub connection closed");
        var reconnect = await Assert.ThrowsAnyAsync<Exception>(async () => await ScreenClient.ConnectAsync(gateway.Url, tokens[disabled].AccessToken));
        Assert.Contains("401", reconnect.Message, StringComparison.Ordinal);

        // Nobody else is touched.
        Assert.False(bystanderScreen.Closed.IsCompleted);
        await bystanderScreen.SubscribeAsync(SystemFixture.SecondStreet);
        Assert.Equal(HttpStatusCode.OK, await GetUnitAsync(gateway.Http, tokens[bystander].AccessToken));
    }

    [Fact]
    public async Task AuthenticatedRequestsDoNotReadTheAccountEachTime()
    {
        // The fixture's gateway, with the default period (15 s); signing in records the account's standing.
        var tokens = await Api.SignInAsync(system.Http, "jinjiang.operator");

        await using var connection = await system.Db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE operator_account IN ACCESS EXCLUSIVE MODE", connection, transaction))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        // The lock is real: any read of the table waits for it (here refused after 200 ms).
        await using (var reader = NpgsqlDataSource.Create(system.Database.AppConnectionString))
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() =>
                reader.ExecuteAsync("SET lock_timeout = '200ms'; SELECT count(*) FROM operator_account"));
            Assert.Equal(PostgresErrorCodes.LockNotAvailable, refused.SqlState);
        }

        // Meanwhile the operator's requests go on: authentication read nothing of the locked table.
        using var http = new HttpClient { BaseAddress = system.GatewayUrl, Timeout = TimeSpan.FromSeconds(5) };
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await GetUnitAsync(http, tokens.AccessToken));
        }

        await transaction.RollbackAsync();
    }

    private static string NewName(string what) => $"standing.{what}.{Guid.NewGuid().ToString("N")[..8]}";

    private static async Task<HttpStatusCode> GetUnitAsync(HttpClient http, string accessToken)
    {
        using var response = await http.SendAsync(Api.Authorized(HttpMethod.Get, "/api/v1/units/510104", accessToken));
        return response.StatusCode;
    }
}

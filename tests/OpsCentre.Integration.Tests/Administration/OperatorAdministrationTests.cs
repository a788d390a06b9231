using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpsCentre.Database.Operators;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Administration;

/// <summary>
/// Operator accounts administered through the gateway: who may grant what where, the password policy, disabling, and every
/// change in the audit read with its old and new value, applied once however often it is retried.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class OperatorAdministrationTests(SystemFixture system)
{
    private static readonly OperatorAccount CityAdmin = DemoOperators.All.First(a => a.Role == OperatorRoles.Admin && a.UnitCode.Length == 4);
    private static readonly OperatorAccount DistrictOperator = DemoOperators.All.First(a => a.Role == OperatorRoles.Operator && a.UnitCode.Length == 6);
    private static readonly OperatorAccount StreetOperator = DemoOperators.All.First(a => a.Role == OperatorRoles.Operator && a.UnitCode.Length == 9);
    private static readonly OperatorAccount Auditor = DemoOperators.All.First(a => a.Role == OperatorRoles.Auditor);

    /// <summary>A password the policy accepts.</summary>
    private const string Strong = "Grid-Centre-2026";

    private HttpClient Http => system.Http;

    [Fact]
    public async Task AnAdministratorCreatesAnOperatorWhoSignsInAndSeesOnlyTheirUnit()
    {
        var admin = await Api.TokenAsync(Http, CityAdmin.Username);
        var community = system.Fresh.Community(within: DistrictOperator.UnitCode);
        var street = community[..9];
        var otherStreet = system.Fresh.Grid(within: DistrictOperator.UnitCode, where: g => !g.StartsWith(street, StringComparison.Ordinal))[..9];
        var username = NewName("street.op");

        var (created, account) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/operators", admin, new
        {
            opId = Guid.NewGuid().ToString(), username, displayName = "新街道中心", role = "operator", unitCode = street, password = Strong,
        });
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal(street, account.GetProperty("unitCode").GetString());
        Assert.DoesNotContain("password", account.GetRawText(), StringComparison.OrdinalIgnoreCase);

        var token = (await Api.SignInAsync(Http, username, Strong)).AccessToken;
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/units/{street}", token)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/units/{community}", token)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/units/{DistrictOperator.UnitCode}", token)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/units/{otherStreet}", token)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/workers?unit={street}", token)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/workers?unit={otherStreet}", token)).Status);

        // Their list of accounts holds their street's only; the district's operator is not in it.
        var (listed, accounts) = await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/operators?limit=1000", token);
        Assert.Equal(HttpStatusCode.OK, listed);
        var units = accounts.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("unitCode").GetString()!).ToList();
        Assert.Contains(street, units);
        Assert.All(units, u => Assert.StartsWith(street, u, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/operators/{DistrictOperator.Username}", token)).Status);

        // The creation is in the audit read: who, and the new account without any password.
        var change = Assert.Single(await ChangesAsync(admin, username));
        Assert.Equal(CityAdmin.Username, change.GetProperty("actor").GetString());
        Assert.Equal("admin", change.GetProperty("actorRole").GetString());
        Assert.Equal("create", change.GetProperty("action").GetString());
        Assert.Equal(JsonValueKind.Null, change.GetProperty("old").ValueKind);
        Assert.Equal(street, change.GetProperty("new").GetProperty("unitCode").GetString());
        Assert.DoesNotContain("password", change.GetProperty("new").GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AnOperatorCannotGrantARoleAboveTheirOwnOrAUnitOutsideTheirScope()
    {
        var district = await Api.TokenAsync(Http, DistrictOperator.Username);
        var inside = system.Fresh.Community(within: DistrictOperator.UnitCode);
        var outside = system.Fresh.Community(within: OtherDistrict());
        var refused = new List<string>();

        async Task RefusedAsync(string token, string role, string unit, string field)
        {
            var username = NewName("refused");
            refused.Add(username);
            var (status, body) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/operators", token, new
            {
                opId = Guid.NewGuid().ToString(), username, displayName = "越权", role, unitCode = unit, password = Strong,
            });
            Assert.True(status == HttpStatusCode.UnprocessableEntity, $"{role} at {unit}: {(int)status} {body}");
            Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), $"{role} at {unit}: {body}");
        }

        await RefusedAsync(district, "admin", inside, "role");
        await RefusedAsync(district, "operator", inside, "role");   // equal to their own
        await RefusedAsync(district, "auditor", inside, "role");    // city admins only
        await RefusedAsync(district, "corrections", inside, "role");    // personal data in clear: city admins only
        await RefusedAsync(district, "staff", outside, "unitCode");
        var street = await Api.TokenAsync(Http, StreetOperator.Username);
        await RefusedAsync(street, "corrections", StreetOperator.UnitCode, "role"); // city admins only

        // Nor take over an account holding more than they hold: the district's corrections officer reads personal data in clear.
        var officer = DemoOperators.All.Single(a => a.Role == "corrections");
        var (reset, resetBody) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/operators/{officer.Username}/password", district,
            new { opId = Guid.NewGuid().ToString(), password = Strong });
        Assert.True(reset == HttpStatusCode.Forbidden, $"reset of {officer.Username} by a district operator: {(int)reset} {resetBody}");

        foreach (var username in refused)
        {
            Assert.Equal(0L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM operator_account WHERE username = @u", ("u", username)));
            Assert.Equal(0L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM admin_change WHERE entity_key = @u", ("u", username)));
        }

        // Below their role and within their district: granted. Raising that account to their own role is not.
        var staff = NewName("staff");
        Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/operators", district, new
        {
            opId = Guid.NewGuid().ToString(), username = staff, displayName = "社区工作站", role = "staff", unitCode = inside, password = Strong,
        })).Status);
        var (raised, raisedBody) = await Api.SendAsync(Http, HttpMethod.Patch, $"/api/v1/operators/{staff}", district, new { opId = Guid.NewGuid().ToString(), role = "operator" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, raised);
        Assert.True(raisedBody.GetProperty("errors").TryGetProperty("role", out _));
        var (moved, movedBody) = await Api.SendAsync(Http, HttpMethod.Patch, $"/api/v1/operators/{staff}", district, new { opId = Guid.NewGuid().ToString(), unitCode = outside });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, moved);
        Assert.True(movedBody.GetProperty("errors").TryGetProperty("unitCode", out _));

        // Nobody administers themselves or an account at their own level; an account outside their unit does not exist for them.
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/operators/{DistrictOperator.Username}/disable", district, new { opId = Guid.NewGuid().ToString() })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/operators/{StreetOperator.Username}/disable", district, new { opId = Guid.NewGuid().ToString() })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Patch, $"/api/v1/operators/{CityAdmin.Username}", district, new { opId = Guid.NewGuid().ToString(), displayName = "x" })).Status);
        var admin = await Api.TokenAsync(Http, CityAdmin.Username);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/operators/{CityAdmin.Username}/disable", admin, new { opId = Guid.NewGuid().ToString() })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Patch, $"/api/v1/operators/{CityAdmin.Username}", admin, new { opId = Guid.NewGuid().ToString(), role = "operator" })).Status);

        // Roles without the function get 403, and the auditor reads the log but manages no account.
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/operators", await Api.TokenAsync(Http, Auditor.Username))).Status);
        Assert.Single(await ChangesAsync(await Api.TokenAsync(Http, Auditor.Username), staff));
        Assert.Empty(await ChangesAsync(admin, staff, action: "change"));
    }

    [Fact]
    public async Task ADisabledOperatorsTokenStopsWorkingWithinTheStandingCheckAndEnablingLetsThemBackIn()
    {
        var district = await Api.TokenAsync(Http, DistrictOperator.Username);
        var grid = system.Fresh.Grid(within: DistrictOperator.UnitCode);
        var username = NewName("worker");
        Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/operators", district, new
        {
            opId = Guid.NewGuid().ToString(), username, displayName = "网格员", role = "worker", unitCode = grid, password = Strong,
        })).Status);
        var token = (await Api.SignInAsync(Http, username, Strong)).AccessToken;
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/units/{grid}", token)).Status);

        var opId = Guid.NewGuid().ToString();
        var (disabled, body) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/operators/{username}/disable", district, new { opId });
        Assert.Equal(HttpStatusCode.OK, disabled);
        Assert.True(body.GetProperty("disabled").GetBoolean());

        // The fixture's gateway checks an account's standing every 15 s (Auth:StandingCheckSeconds); a margin for a loaded machine.
        await Eventually.HoldsAsync(async () => (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/units/{grid}", token)).Status == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(2 * 15 + 15), "the disabled account's access token refused");
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(username, Strong)).Status);

        // A retry of the disable changes nothing and records nothing again.
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/operators/{username}/disable", district, new { opId })).Status);
        Assert.Single(await ChangesAsync(await Api.TokenAsync(Http, CityAdmin.Username), username, action: "disable"));

        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/operators/{username}/enable", district, new { opId = Guid.NewGuid().ToString() })).Status);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(username, Strong)).Status);
        var enabled = Assert.Single(await ChangesAsync(await Api.TokenAsync(Http, CityAdmin.Username), username, action: "enable"));
        Assert.True(enabled.GetProperty("old").GetProperty("disabled").GetBoolean());
        Assert.False(enabled.GetProperty("new").GetProperty("disabled").GetBoolean());
    }

    [Fact]
    public async Task APasswordThatBreaksThePolicyIsRefusedWithTheFieldAndAResetOrOwnChangeTakesEffect()
    {
        var admin = await Api.TokenAsync(Http, CityAdmin.Username);
        var grid = system.Fresh.Grid(within: DistrictOperator.UnitCode);
        var username = NewName("policy");
        // Too short; containing the username; one class only (twice); the demo password outside demo mode (the suite's gateway inherits
        // OPSCENTRE_DEMO from the test run, which sets none).
        var demoMode = Environment.GetEnvironmentVariable("OPSCENTRE_DEMO") == "on";
        foreach (var weak in new[] { "Short-1", username + "-Xy9", "onlylowercaseletters", "12345678901234", demoMode ? "x" : DemoOperators.DefaultPassword })
        {
            var (status, body) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/operators", admin, new
            {
                opId = Guid.NewGuid().ToString(), username, displayName = "密码", role = "worker", unitCode = grid, password = weak,
            });
            Assert.True(status == HttpStatusCode.UnprocessableEntity, $"{weak}: {(int)status} {body}");
            Assert.True(body.GetProperty("errors").TryGetProperty("password", out _), body.GetRawText());
        }

        Assert.Null(await new OperatorStore(system.Db).FindAsync(username));
        Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/operators", admin, new
        {
            opId = Guid.NewGuid().ToString(), username, displayName = "密码", role = "worker", unitCode = grid, password = Strong,
        })).Status);
        var session = await Api.SignInAsync(Http, username, Strong);

        var (weakReset, weakBody) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/operators/{username}/password", admin, new { opId = Guid.NewGuid().ToString(), password = "aaaaaaaaaaaa" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, weakReset);
        Assert.True(weakBody.GetProperty("errors").TryGetProperty("password", out _));

        const string Reset = "Reset-Pass-4417";
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/operators/{username}/password", admin, new { opId = Guid.NewGuid().ToString(), password = Reset })).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(username, Strong)).Status);
        Assert.Null(await Auth.TokenTrustTests.RefreshAsync(Http, session.RefreshToken)); // the reset ended the sessions' refresh
        var token = (await Api.SignInAsync(Http, username, Reset)).AccessToken;

        // Their own change: the current password, and a new one under the same policy.
        var (wrong, wrongBody) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/auth/password", token, new { opId = Guid.NewGuid().ToString(), currentPassword = Strong, newPassword = "Own-Choice-9931" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrong);
        Assert.True(wrongBody.GetProperty("errors").TryGetProperty("currentPassword", out _));
        var (tooWeak, tooWeakBody) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/auth/password", token, new { opId = Guid.NewGuid().ToString(), currentPassword = Reset, newPassword = "short" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooWeak);
        Assert.True(tooWeakBody.GetProperty("errors").TryGetProperty("newPassword", out _));
        var opId = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.NoContent, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/auth/password", token, new { opId, currentPassword = Reset, newPassword = "Own-Choice-9931" })).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/auth/password", token, new { opId, currentPassword = Reset, newPassword = "Own-Choice-9931" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(username, "Own-Choice-9931")).Status);
        Assert.Single(await ChangesAsync(admin, username, action: "change-own-password"));
        Assert.Single(await ChangesAsync(admin, username, action: "reset-password"));
        Assert.DoesNotContain(await ChangesAsync(admin, username), c => c.GetRawText().Contains("AQAAAA", StringComparison.Ordinal)); // no hash anywhere
    }

    [Fact]
    public async Task RetriesOfAChangeApplyItOnceAndAReusedOpIdIsRefused()
    {
        var district = await Api.TokenAsync(Http, DistrictOperator.Username);
        var grid = system.Fresh.Grid(within: DistrictOperator.UnitCode);
        var username = NewName("retry");
        var create = new { opId = Guid.NewGuid().ToString(), username, displayName = "重试", role = "worker", unitCode = grid, password = Strong };
        Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/operators", district, create)).Status);
        Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/operators", district, create)).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/operators", district, create with { displayName = "另一个" })).Status);

        var rename = new { opId = Guid.NewGuid().ToString(), displayName = "改名" };
        for (var i = 0; i < 3; i++)
        {
            var (status, body) = await Api.SendAsync(Http, HttpMethod.Patch, $"/api/v1/operators/{username}", district, rename);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("改名", body.GetProperty("displayName").GetString());
        }

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Api.SendAsync(Http, HttpMethod.Patch, $"/api/v1/operators/{username}", district, rename with { displayName = "又改" })).Status);
        // Operators administer accounts but read no change log: admins and auditors do.
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/audit/changes", district)).Status);
        var changes = await ChangesAsync(await Api.TokenAsync(Http, Auditor.Username), username);
        Assert.Equal(["change", "create"], changes.Select(c => c.GetProperty("action").GetString()));
        Assert.Equal("重试", changes[0].GetProperty("old").GetProperty("displayName").GetString());
        Assert.Equal("改名", changes[0].GetProperty("new").GetProperty("displayName").GetString());
        Assert.Equal(rename.opId, changes[0].GetProperty("opId").GetString());

        // Paged like every list, newest first; and append-only: the application's own role cannot rewrite history.
        var auditor = await Api.TokenAsync(Http, Auditor.Username);
        var (_, first) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/audit/changes?entityKind=operator&entityKey={username}&limit=1", auditor);
        Assert.Equal("change", Assert.Single(first.GetProperty("items").EnumerateArray()).GetProperty("action").GetString());
        var (_, second) = await Api.SendAsync(Http, HttpMethod.Get,
            $"/api/v1/audit/changes?entityKind=operator&entityKey={username}&limit=1&after={Uri.EscapeDataString(first.GetProperty("next").GetString()!)}", auditor);
        Assert.Equal("create", Assert.Single(second.GetProperty("items").EnumerateArray()).GetProperty("action").GetString());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        var rewrite = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => system.Db.ExecuteAsync("UPDATE admin_change SET actor = 'nobody' WHERE entity_key = @u", ("u", username)));
        Assert.Equal("42501", rewrite.SqlState);
    }

    [Fact]
    public async Task TwoAdminsDisablingEachOtherAtOnceLeaveOneEnabledAdmin()
    {
        // The suite's only admins: the demo city admin and a second city admin made here. Each disables the other at once;
        // the changes run one after the other, and the second would leave no enabled admin: 409.
        var admin = await Api.TokenAsync(Http, CityAdmin.Username);
        var second = NewName("admin");
        Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/operators", admin, new
        {
            opId = Guid.NewGuid().ToString(), username = second, displayName = "第二管理员", role = "admin", unitCode = CityAdmin.UnitCode, password = Strong,
        })).Status);
        var secondToken = (await Api.SignInAsync(Http, second, Strong)).AccessToken;
        var others = await system.Db.ScalarAsync<long>(
            "SELECT count(*) FROM operator_account WHERE role = 'admin' AND NOT disabled AND username NOT IN (@a, @b)", ("a", CityAdmin.Username), ("b", second));
        Assert.True(others == 0, $"{others} other enabled admins: the test needs the two alone");
        try
        {
            var answers = await Task.WhenAll(
                Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/operators/{second}/disable", admin, new { opId = Guid.NewGuid().ToString() }),
                Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/operators/{CityAdmin.Username}/disable", secondToken, new { opId = Guid.NewGuid().ToString() }));
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], answers.Select(a => a.Status).Order());
            Assert.Equal(1L, await system.Db.ScalarAsync<long>(
                "SELECT count(*) FROM operator_account WHERE role = 'admin' AND NOT disabled AND username IN (@a, @b)", ("a", CityAdmin.Username), ("b", second)));
        }
        finally
        {
            // Whichever way it went, the demo admin stays enabled for the other tests, and the second admin goes.
            await system.Db.ExecuteAsync("UPDATE operator_account SET disabled = (username <> @a) WHERE username IN (@a, @b)", ("a", CityAdmin.Username), ("b", second));
        }
    }

    private async Task<List<JsonElement>> ChangesAsync(string token, string key, string? action = null)
    {
        var (status, page) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/audit/changes?entityKind=operator&entityKey={key}", token);
        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {page}");
        return [.. page.GetProperty("items").EnumerateArray().Where(c => action is null || c.GetProperty("action").GetString() == action)];
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SignInAsync(string username, string password)
    {
        using var response = await Http.PostAsJsonAsync("/api/v1/auth/token", new { username, password });
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>A district of the test city other than the district operator's.</summary>
    private string OtherDistrict() => system.Fresh.City.Units.First(u => u.Code.Length == 6 && u.Code != DistrictOperator.UnitCode).Code;

    private static string NewName(string what) => $"adm.{what}.{Guid.NewGuid().ToString("N")[..10]}";
}

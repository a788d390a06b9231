using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpsCentre.Database.Devices;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Auth;

[Collection(nameof(SystemCollection))]
public sealed class AuthTests(SystemFixture system)
{
    private HttpClient Http => system.Http;

    [Fact]
    public async Task SignInIssuesATokenWithRoleAndUnitThatOpensTheCallersOwnUnit()
    {
        var tokens = await Api.SignInAsync(Http, "jinjiang.operator");
        Assert.Equal("operator", tokens.Role);
        Assert.Equal("510104", tokens.UnitCode);
        Assert.InRange(tokens.ExpiresIn, 60, 3600);

        using var response = await Http.SendAsync(Api.Authorized(HttpMethod.Get, "/api/v1/units/510104", tokens.AccessToken));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var unit = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal("锦江区", unit.GetProperty("name").GetString());
        Assert.Equal("district", unit.GetProperty("level").GetString());
    }

    [Theory]
    [InlineData("jinjiang.operator", "wrong-password")]
    [InlineData("nobody", SystemFixture.Password)]
    [InlineData("disabled.operator", SystemFixture.Password)]
    public async Task BadCredentialsAreAnswered401WithProblemDetails(string username, string password)
    {
        using var response = await Http.PostAsJsonAsync("/api/v1/auth/token", new { username, password });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ARefreshTokenWorksOnceAndReusingItRevokesItsWholeChain()
    {
        var first = await Api.SignInAsync(Http, "jinjiang.operator");

        using var refreshed = await Http.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = first.RefreshToken });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var second = (await refreshed.Content.ReadFromJsonAsync<Api.Tokens>())!;
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.Equal("510104", second.UnitCode);

        // The rotated token is spent; presenting it again looks like theft and kills the chain.
        using var reused = await Http.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = first.RefreshToken });
        Assert.Equal(HttpStatusCode.Unauthorized, reused.StatusCode);
        using var afterTheft = await Http.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = second.RefreshToken });
        Assert.Equal(HttpStatusCode.Unauthorized, afterTheft.StatusCode);
    }

    [Fact]
    public async Task ARevokedRefreshTokenNoLongerRefreshes()
    {
        var tokens = await Api.SignInAsync(Http, "jinjiang.operator");
        using var revoke = await Http.PostAsJsonAsync("/api/v1/auth/revoke", new { refreshToken = tokens.RefreshToken });
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);

        using var refresh = await Http.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tokens.RefreshToken });
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
    }

    [Fact]
    public async Task AnExpiredOrMissingOrForgedAccessTokenIsAnswered401()
    {
        var expired = Api.ForgeToken(system.SigningKey, expires: DateTime.UtcNow.AddMinutes(-10));
        var forged = Api.ForgeToken(Convert.ToBase64String(Encoding.UTF8.GetBytes(new string('x', 40))), expires: DateTime.UtcNow.AddMinutes(10));

        foreach (var token in new[] { expired, forged })
        {
            using var response = await Http.SendAsync(Api.Authorized(HttpMethod.Get, "/api/v1/units/510104", token));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var anonymous = await Http.GetAsync("/api/v1/units/510104");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);

        // The same forger with the real key and a live expiry gets in: the 401s above are about expiry and key.
        using var valid = await Http.SendAsync(Api.Authorized(HttpMethod.Get, "/api/v1/units/510104", Api.ForgeToken(system.SigningKey, DateTime.UtcNow.AddMinutes(5))));
        Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
    }

    public static TheoryData<string, string> UnitsOutsideTheCallersScope => new()
    {
        { "jinjiang.operator", "510105" },
        { "jinjiang.operator", "5101" },
        { "jinjiang.street.operator", DemoUnits.SecondStreet },
        { "qingyang.operator", DemoUnits.FirstStreet },
    };

    [Theory]
    [MemberData(nameof(UnitsOutsideTheCallersScope))]
    public async Task AUnitOutsideTheCallersScopeIsNotFound(string username, string unit)
    {
        var tokens = await Api.SignInAsync(Http, username);
        using var response = await Http.SendAsync(Api.Authorized(HttpMethod.Get, $"/api/v1/units/{unit}", tokens.AccessToken));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task ARoleWithoutTheFunctionIsForbiddenWithinItsScope()
    {
        var auditor = await Api.SignInAsync(Http, "city.auditor");
        using var response = await Http.SendAsync(Api.Authorized(HttpMethod.Post, "/api/v1/admin/events", auditor.AccessToken,
            new { opId = "x", unitCode = "510104", type = "probe", data = new { id = "1" } }));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task MalformedJsonAndOversizedBodiesAreProblemsThatChangeNothing()
    {
        var admin = await Api.SignInAsync(Http, "city.admin");
        using var malformed = Api.Authorized(HttpMethod.Post, "/api/v1/admin/events", admin.AccessToken, Api.Raw("{\"opId\": \"m1\", \"unitCode\": "));
        using var bad = await Http.SendAsync(malformed);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);

        var huge = Api.Authorized(HttpMethod.Post, "/api/v1/admin/events", admin.AccessToken,
            new { opId = "m2", unitCode = "510104", type = "probe", data = new { id = new string('x', 2 * 1024 * 1024) } });
        var tooLarge = await Api.AnswerOfAsync(Http, huge);
        Assert.True(tooLarge.Status == HttpStatusCode.RequestEntityTooLarge, tooLarge.ToString());
        Assert.Equal("application/problem+json", tooLarge.MediaType);

        using var invalid = await Http.SendAsync(Api.Authorized(HttpMethod.Post, "/api/v1/admin/events", admin.AccessToken,
            new { opId = "m3", unitCode = "51x", type = "", data = 5 }));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var problem = await invalid.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("unitCode", out _));

        Assert.Equal(0, await system.Db.ScalarAsync<int>("SELECT count(*)::int FROM event_log WHERE op_id IN ('m1', 'm2', 'm3')"));
    }

    [Fact]
    public async Task ADeviceIsKnownByItsKeyAloneAndARevokedKeyFailsAtOnce()
    {
        var credentials = new DeviceCredentialStore(system.Db);
        var deviceId = "dev-" + Guid.NewGuid().ToString("N")[..8];
        var worker = system.Fresh.Worker();
        var key = await credentials.IssueAsync(deviceId, "worker-phone", worker.Id);

        Assert.Equal(HttpStatusCode.OK, await DeviceCallAsync(key));
        Assert.Equal(HttpStatusCode.Unauthorized, await DeviceCallAsync(key[..^1] + (key[^1] == 'A' ? 'B' : 'A')));
        Assert.Equal(HttpStatusCode.Unauthorized, await DeviceCallAsync("other-device" + key[key.LastIndexOf('.')..]));

        var admin = await Api.SignInAsync(Http, "city.admin");
        using (var revoke = await Http.SendAsync(Api.Authorized(HttpMethod.Delete, $"/api/v1/devices/{deviceId}", admin.AccessToken)))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await DeviceCallAsync(key));
        Assert.True((await credentials.FindAsync(deviceId))?.Revoked);

        // An operator's token is not a device credential.
        var operatorToken = await Api.SignInAsync(Http, "city.admin");
        using var asOperator = await Http.SendAsync(Api.Authorized(HttpMethod.Get, "/api/v1/device/me", operatorToken.AccessToken));
        Assert.Equal(HttpStatusCode.Unauthorized, asOperator.StatusCode);
        Assert.Equal("application/problem+json", asOperator.Content.Headers.ContentType?.MediaType);
        Assert.Equal("DeviceKey", asOperator.Headers.WwwAuthenticate.ToString());

        // Nor is a device's key an operator's credential.
        var other = await credentials.IssueAsync("dev-" + Guid.NewGuid().ToString("N")[..8], "worker-phone", worker.Id);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Api.DeviceSendAsync(Http, HttpMethod.Get, "/api/v1/units/" + worker.Grid, other)).Status);

        async Task<HttpStatusCode> DeviceCallAsync(string presented)
        {
            var (status, me) = await Api.DeviceSendAsync(Http, HttpMethod.Get, "/api/v1/device/me", presented);
            if (status == HttpStatusCode.OK)
            {
                Assert.Equal(deviceId, me.GetProperty("deviceId").GetString());
                Assert.Equal(worker.Id, me.GetProperty("boundTo").GetString());
            }

            return status;
        }
    }
}

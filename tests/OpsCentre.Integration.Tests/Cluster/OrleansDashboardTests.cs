using System.Net;
using System.Text.Json;
using OpsCentre.Database.Operators;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Cluster;

/// <summary>
/// The Orleans Dashboard at <c>/orleans-dashboard/</c> on the real gateway and silo processes: the city's administrator
/// sees the cluster's silos and grain types, by bearer token or by the cookie the session endpoint sets; an operator, a
/// district's administrator and a caller without credentials are refused; grain state is never shown.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class OrleansDashboardTests(SystemFixture system)
{
    private const string Session = "/api/v1/orleans-dashboard/session";

    private static string CityAdmin => DemoOperators.All.First(a => a.Role == "admin" && a.UnitCode.Length == 4).Username;

    /// <summary>
    /// A client that keeps no cookies: the fixture's shared client keeps the ones it is sent (the endpoint matrix opens an
    /// administrator's session with it), and a caller meant to have no credential must not carry one.
    /// </summary>
    private HttpClient Cookieless() => new(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = system.GatewayUrl, Timeout = TimeSpan.FromSeconds(30) };

    private static string DistrictOperator => DemoOperators.All.First(a => a.Role == "operator" && a.UnitCode.Length == 6).Username;

    [Fact]
    public async Task TheCitysAdministratorSeesTheClustersSilosAndGrainTypes()
    {
        var token = await Api.TokenAsync(system.Http, CityAdmin);

        using (var page = await system.Http.SendAsync(Api.Authorized(HttpMethod.Get, "/orleans-dashboard/", token)))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        }

        // The dashboard's grain refreshes its counters at most once a second: the first answer may still be empty.
        var counters = await Eventually.HoldsAsync(
            async () => await Api.SendAsync(system.Http, HttpMethod.Get, "/orleans-dashboard/DashboardCounters", token),
            r => r.Status == HttpStatusCode.OK && r.Body.GetProperty("hosts").GetArrayLength() > 0 && r.Body.GetProperty("simpleGrainStats").GetArrayLength() > 0,
            TimeSpan.FromSeconds(30), "the dashboard's counters with a silo and grain statistics", describe: r => $"{(int)r.Status} {r.Body}");
        Assert.Contains(counters.Body.GetProperty("hosts").EnumerateArray(), h => h.GetProperty("siloAddress").GetString() is { Length: > 0 });
        Assert.True(counters.Body.GetProperty("totalActivationCount").GetInt32() > 0, counters.Body.ToString());

        var (status, types) = await Api.SendAsync(system.Http, HttpMethod.Get, "/orleans-dashboard/GrainTypes", token);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(types.EnumerateArray(), t => t.GetString()!.StartsWith("OpsCentre.Grains.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABrowserReachesTheDashboardWithTheSessionsCookieOnItsPathOnly()
    {
        var token = await Api.TokenAsync(system.Http, CityAdmin);
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = system.GatewayUrl, Timeout = TimeSpan.FromSeconds(30) };

        using (var before = await browser.GetAsync("/orleans-dashboard/DashboardCounters"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, before.StatusCode);
        }

        using (var session = await browser.SendAsync(Api.Authorized(HttpMethod.Post, Session, token)))
        {
            Assert.Equal(HttpStatusCode.NoContent, session.StatusCode);
            var setCookie = Assert.Single(session.Headers.GetValues("Set-Cookie"));
            Assert.Contains("path=/orleans-dashboard", setCookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        }

        // No header from here on: the page and its data open with the cookie alone.
        using (var page = await browser.GetAsync("/orleans-dashboard/"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        using (var data = await browser.GetAsync("/orleans-dashboard/GrainTypes"))
        {
            Assert.Equal(HttpStatusCode.OK, data.StatusCode);
        }

        // The cookie is no credential elsewhere, even if a client sent it there.
        using var elsewhere = new HttpRequestMessage(HttpMethod.Get, "/api/v1/operators");
        elsewhere.Headers.Add("Cookie", $"opscentre-orleans-dashboard={token}");
        using var cookieless = Cookieless();
        using var refused = await cookieless.SendAsync(elsewhere);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task AnOperatorADistrictsAdministratorAndNoCredentialAreRefused()
    {
        var districtCode = DemoOperators.All.First(a => a.Username == DistrictOperator).UnitCode;
        var district = new OperatorAccount("dashboard.district.admin", "区管理员", "admin", districtCode, Disabled: false);
        await new OperatorStore(system.Db).UpsertAsync(district, SystemFixture.Password);
        foreach (var username in new[] { DistrictOperator, district.Username })
        {
            var token = await Api.TokenAsync(system.Http, username);
            foreach (var (method, path) in new[] { (HttpMethod.Get, "/orleans-dashboard/"), (HttpMethod.Get, "/orleans-dashboard/DashboardCounters"), (HttpMethod.Post, Session) })
            {
                var (status, body) = await Api.SendAsync(system.Http, method, path, token);
                Assert.True(status == HttpStatusCode.Forbidden, $"{method} {path} as {username}: {(int)status} {body}");
                Assert.Equal(403, body.GetProperty("status").GetInt32());
            }
        }

        using var nobody = Cookieless();
        foreach (var path in new[] { "/orleans-dashboard/", "/orleans-dashboard/DashboardCounters", "/orleans-dashboard/GrainTypes" })
        {
            using var anonymous = await nobody.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var anonymousSession = await nobody.PostAsync(Session, null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousSession.StatusCode);
    }

    [Fact]
    public async Task GrainStateAndTheLiveLogAreNotShownEvenToTheCitysAdministrator()
    {
        var token = await Api.TokenAsync(system.Http, CityAdmin);
        var person = system.Fresh.City.KeyPersons[0];
        var (state, body) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/orleans-dashboard/GrainState?grainId={person.Id}&grainType=OpsCentre.Grains.KeyPersons.KeyPersonGrain", token);
        Assert.True(state == HttpStatusCode.Forbidden, $"grain state: {(int)state} {body}");
        Assert.DoesNotContain(person.Id, body.ValueKind == JsonValueKind.Undefined ? "" : body.GetRawText(), StringComparison.Ordinal);

        using var trace = await system.Http.SendAsync(Api.Authorized(HttpMethod.Get, "/orleans-dashboard/Trace", token), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Forbidden, trace.StatusCode);
    }
}

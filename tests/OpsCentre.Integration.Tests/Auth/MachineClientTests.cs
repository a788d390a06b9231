using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Auth;

/// <summary>
/// Departmental systems' machine clients (OAuth 2.0 client credentials) through the real gateway: registered by an administrator,
/// served within their unit and permissions only, every call audited as the client, secrets rotated with an overlap, the event
/// feed followed with a cursor.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class MachineClientTests(SystemFixture system)
{
    private HttpClient Http => system.Http;

    public sealed record Registered(string ClientId, string Secret);

    /// <summary>Registers a client as the city's administrator; asserts 201 and a secret.</summary>
    internal static async Task<Registered> RegisterAsync(HttpClient http, string unitCode, params string[] permissions)
    {
        var admin = await Api.TokenAsync(http, "city.admin");
        var clientId = "dept-" + Guid.NewGuid().ToString("N")[..10];
        var (status, body) = await Api.SendAsync(http, HttpMethod.Post, "/api/v1/machine-clients", admin,
            new { opId = Guid.NewGuid().ToString(), clientId, displayName = "锦江区城管系统", unitCode, permissions });
        Assert.True(status == HttpStatusCode.Created, $"register: {(int)status} {body}");
        Assert.Equal(clientId, body.GetProperty("client").GetProperty("clientId").GetString());
        return new Registered(clientId, body.GetProperty("secret").GetString()!);
    }

    /// <summary>A token request as an integrator's script sends it: a form, the secret in the body.</summary>
    internal static async Task<(HttpStatusCode Status, JsonElement Body)> TokenAsync(HttpClient http, string clientId, string secret, string? scope = null)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = clientId, ["client_secret"] = secret };
        if (scope is not null)
        {
            form["scope"] = scope;
        }

        using var response = await http.PostAsync("/api/v1/oauth/token", new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    internal static async Task<string> AccessTokenAsync(HttpClient http, Registered client)
    {
        var (status, body) = await TokenAsync(http, client.ClientId, client.Secret);
        Assert.True(status == HttpStatusCode.OK, $"token: {(int)status} {body}");
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        return body.GetProperty("access_token").GetString()!;
    }

    private async Task<string> ReportAsync(string operatorName, string grid)
    {
        var (status, body) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/incidents", await Api.TokenAsync(Http, operatorName),
            new { opId = Guid.NewGuid().ToString(), category = "sanitation", urgency = "normal", description = "机器客户端测试", gridCode = grid });
        Assert.True(status == HttpStatusCode.Created, $"report in {grid}: {(int)status} {body}");
        return body.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task AClientOfJinjiangWithCasesReadReadsItsCasesNotQingyangsMayNotWriteAndEveryCallIsAudited()
    {
        var jinjiangCase = await ReportAsync("jinjiang.operator", system.Fresh.Grid(within: "510104"));
        var qingyangCase = await ReportAsync("qingyang.operator", system.Fresh.Grid(within: "510105"));
        var client = await RegisterAsync(Http, "510104", "cases:read");
        var token = await AccessTokenAsync(Http, client);

        var (listed, page) = await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/incidents?unit=510104&limit=1000", token);
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Contains(page.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == jinjiangCase);
        var (read, detail) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{jinjiangCase}", token);
        Assert.Equal((HttpStatusCode.OK, jinjiangCase), (read, detail.GetProperty("incident").GetProperty("id").GetString()));

        // 青羊区 is outside its unit: not found, as an unknown case is.
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{qingyangCase}", token)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/incidents?unit=510105", token)).Status);

        // Within its unit, what its permissions do not open is forbidden: reporting a case, the workers, the event feed, administration.
        var grid = system.Fresh.Grid(within: "510104");
        var (wrote, _) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = Guid.NewGuid().ToString(), category = "sanitation", urgency = "normal", description = "不应写入", gridCode = grid });
        Assert.Equal(HttpStatusCode.Forbidden, wrote);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/workers?unit=510104", token)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/events?district=510104", token)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/machine-clients?unit=510104", token)).Status);
        Assert.Equal(0L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM incident WHERE unit_code = @g", ("g", grid)));

        // Every call is in the audit log as the client, which the auditor reads like any other row of the unit.
        var auditor = await Api.TokenAsync(Http, "city.auditor");
        var (audited, trail) = await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/audit?unit=510104&limit=1000", auditor);
        Assert.Equal(HttpStatusCode.OK, audited);
        var calls = trail.GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("actor").GetString() == "client:" + client.ClientId)
            .Select(e => (Action: e.GetProperty("action").GetString(), Subject: e.GetProperty("subject").GetString()))
            .ToList();
        Assert.Contains(("client.call", $"GET /api/v1/incidents/{jinjiangCase}"), calls);
        Assert.Contains(("client.call", $"GET /api/v1/incidents/{qingyangCase}"), calls);
        Assert.Contains(("client.call", "POST /api/v1/incidents"), calls);
        Assert.Equal(8, calls.Count);

        // Registering it is a row of the administrative change log, without its secret.
        var change = await system.Db.ScalarAsync<string>(
            "SELECT new_value::text FROM admin_change WHERE entity_kind = 'machine-client' AND entity_key = @k AND action = 'create'", ("k", client.ClientId));
        Assert.Contains("510104", change);
        Assert.DoesNotContain(client.Secret, change);
    }

    [Fact]
    public async Task AWrongSecretAnUnknownClientAndAPermissionNotRegisteredAreRefusedTheOAuthWay()
    {
        var client = await RegisterAsync(Http, "510104", "cases:read");

        var (wrong, refusal) = await TokenAsync(Http, client.ClientId, client.Secret[..^2] + "xx");
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_client"), (wrong, refusal.GetProperty("error").GetString()));
        var (unknown, unknownRefusal) = await TokenAsync(Http, "nobody-" + Guid.NewGuid().ToString("N")[..8], client.Secret);
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_client"), (unknown, unknownRefusal.GetProperty("error").GetString()));
        var (scoped, scopeRefusal) = await TokenAsync(Http, client.ClientId, client.Secret, "cases:read cases:write");
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_scope"), (scoped, scopeRefusal.GetProperty("error").GetString()));

        // HTTP Basic works as well as the form (RFC 6749 §2.3.1).
        using var basic = new HttpRequestMessage(HttpMethod.Post, "/api/v1/oauth/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }),
        };
        basic.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{client.ClientId}:{client.Secret}")));
        using var answer = await Http.SendAsync(basic);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("cases:read", (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("scope").GetString());

        // An operator may not register clients; the city's administrator may.
        var operatorToken = await Api.TokenAsync(Http, "jinjiang.operator");
        var (refused, _) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/machine-clients", operatorToken,
            new { opId = Guid.NewGuid().ToString(), clientId = "op-" + Guid.NewGuid().ToString("N")[..8], displayName = "x", unitCode = "510104", permissions = new[] { "cases:read" } });
        Assert.Equal(HttpStatusCode.Forbidden, refused);
    }

    [Fact]
    public async Task ADistrictAdministratorRegistersClientsWithinItsDistrictOnly()
    {
        var username = "jinjiang.admin." + Guid.NewGuid().ToString("N")[..6];
        await new Database.Operators.OperatorStore(system.Db).UpsertAsync(
            new Database.Operators.OperatorAccount(username, "锦江区管理员", "admin", "510104", Disabled: false), SystemFixture.Password);
        var districtAdmin = await Api.TokenAsync(Http, username);
        object Body(string unitCode) => new
        {
            opId = Guid.NewGuid().ToString(), clientId = "da-" + Guid.NewGuid().ToString("N")[..10], displayName = "区级系统", unitCode, permissions = new[] { "cases:read" },
        };

        var (outside, refusal) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/machine-clients", districtAdmin, Body("510105"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, outside);
        Assert.True(refusal.GetProperty("errors").TryGetProperty("unitCode", out _), refusal.ToString());
        var (inside, created) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/machine-clients", districtAdmin, Body("510104022"));
        Assert.Equal(HttpStatusCode.Created, inside);
        Assert.Equal("510104022", created.GetProperty("client").GetProperty("unitCode").GetString());

        // Another district's client does not exist for it; the city's administrator lists both districts' clients.
        var qingyang = await RegisterAsync(Http, "510105", "cases:read");
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/machine-clients/{qingyang.ClientId}", districtAdmin)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/machine-clients/{qingyang.ClientId}/disable", districtAdmin,
            new { opId = Guid.NewGuid().ToString() })).Status);
        var (_, page) = await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/machine-clients?limit=1000", await Api.TokenAsync(Http, "city.admin"));
        var ids = page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("clientId").GetString()).ToList();
        Assert.Contains(qingyang.ClientId, ids);
        Assert.Contains(created.GetProperty("client").GetProperty("clientId").GetString(), ids);
    }

    [Fact]
    public async Task ADisabledClientGetsNoTokenAndItsTokenStopsWorking()
    {
        var client = await RegisterAsync(Http, "510104", "cases:read");
        var token = await AccessTokenAsync(Http, client);
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/incidents?unit=510104", token)).Status);

        var admin = await Api.TokenAsync(Http, "city.admin");
        var (disabled, body) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/machine-clients/{client.ClientId}/disable", admin, new { opId = Guid.NewGuid().ToString() });
        Assert.Equal((HttpStatusCode.OK, true), (disabled, body.GetProperty("disabled").GetBoolean()));
        Assert.Equal(HttpStatusCode.Unauthorized, (await TokenAsync(Http, client.ClientId, client.Secret)).Status);
        await Eventually.HoldsAsync(async () => (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/incidents?unit=510104", token)).Status,
            status => status == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(40), "the disabled client's token refused");
    }

    [Fact]
    public async Task ARotatedSecretWorksAndTheOldOneStopsAfterTheOverlap()
    {
        await using var gateway = await OwnGateway.StartAsync(system, "gateway-client-rotation", new() { ["MachineClients__SecretOverlap"] = "00:00:03" });
        var client = await RegisterAsync(gateway.Http, "510104", "cases:read");
        var admin = await Api.TokenAsync(gateway.Http, "city.admin");
        var rotation = new { opId = Guid.NewGuid().ToString() };
        var (rotated, body) = await Api.SendAsync(gateway.Http, HttpMethod.Post, $"/api/v1/machine-clients/{client.ClientId}/rotate", admin, rotation);
        Assert.True(rotated == HttpStatusCode.OK, $"rotate: {(int)rotated} {body}");
        var renewed = client with { Secret = body.GetProperty("secret").GetString()! };
        Assert.NotEqual(client.Secret, renewed.Secret);
        var ends = body.GetProperty("previousSecretsEndAt").GetDateTimeOffset();

        // Through the overlap both work; after it, only the new one.
        var newToken = await AccessTokenAsync(gateway.Http, renewed);
        if (DateTimeOffset.UtcNow < ends - TimeSpan.FromSeconds(1))
        {
            Assert.Equal(HttpStatusCode.OK, (await TokenAsync(gateway.Http, client.ClientId, client.Secret)).Status);
        }

        await Eventually.HoldsAsync(async () => (await TokenAsync(gateway.Http, client.ClientId, client.Secret)).Status,
            status => status == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(20), "the old secret refused after the overlap");
        Assert.True(DateTimeOffset.UtcNow >= ends - TimeSpan.FromSeconds(1), "the old secret stopped before its overlap ended");
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(gateway.Http, renewed.ClientId, renewed.Secret)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(gateway.Http, HttpMethod.Get, "/api/v1/incidents?unit=510104", newToken)).Status);

        // The same opId again rotates nothing and shows no secret; the change log has one rotation.
        var (replayed, again) = await Api.SendAsync(gateway.Http, HttpMethod.Post, $"/api/v1/machine-clients/{client.ClientId}/rotate", admin, rotation);
        Assert.Equal((HttpStatusCode.OK, JsonValueKind.Null), (replayed, again.GetProperty("secret").ValueKind));
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(gateway.Http, renewed.ClientId, renewed.Secret)).Status);
        Assert.Equal(1L, await system.Db.ScalarAsync<long>(
            "SELECT count(*) FROM admin_change WHERE entity_kind = 'machine-client' AND entity_key = @k AND action = 'rotate-secret'", ("k", client.ClientId)));
    }

    [Fact]
    public async Task AClientFollowingTheEventFeedResumesFromItsCursorAfterARestart()
    {
        var client = await RegisterAsync(Http, "510104", "events:read");
        var admin = await Api.TokenAsync(Http, "city.admin");
        var grid = system.Fresh.Grid(within: "510104");
        var marker = "feed-" + Guid.NewGuid().ToString("N")[..8];
        var first = await Api.AppendAsync(Http, admin, grid, "test.client-feed", marker + "-1");

        var token = await AccessTokenAsync(Http, client);
        var (status, page) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/events?district=510104&after={first - 1}&limit=1", token);
        Assert.True(status == HttpStatusCode.OK, $"feed: {(int)status} {page}");
        Assert.Equal(marker + "-1", page.GetProperty("items")[0].GetProperty("data").GetProperty("id").GetString());
        var cursor = page.GetProperty("cursor").GetInt64();
        Assert.Equal(first, cursor);

        await Api.AppendAsync(Http, admin, grid, "test.client-feed", marker + "-2");
        await Api.AppendAsync(Http, admin, grid, "test.client-feed", marker + "-3");

        // "Restarted": a new connection and a new token, only the cursor kept. It gets what came after it, in order, once.
        using var restarted = new HttpClient { BaseAddress = system.GatewayUrl };
        var again = await AccessTokenAsync(restarted, client);
        var seen = new List<string>();
        while (true)
        {
            var (next, answer) = await Api.SendAsync(restarted, HttpMethod.Get, $"/api/v1/events?district=510104&after={cursor}&limit=2", again);
            Assert.Equal(HttpStatusCode.OK, next);
            seen.AddRange(answer.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("data").GetProperty("id").GetString()!).Where(id => id.StartsWith(marker, StringComparison.Ordinal)));
            Assert.True(answer.GetProperty("cursor").GetInt64() >= cursor);
            cursor = answer.GetProperty("cursor").GetInt64();
            if (answer.GetProperty("next").ValueKind == JsonValueKind.Null)
            {
                break;
            }
        }

        Assert.Equal([marker + "-2", marker + "-3"], seen);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(restarted, HttpMethod.Get, "/api/v1/events?district=510105", again)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Api.SendAsync(restarted, HttpMethod.Get, "/api/v1/events?district=5101", again)).Status);
    }

    [Fact]
    public async Task AClientWithRegistryChangesReadFollowsTheRegistriesChangeFeedOfItsUnitOnly()
    {
        var client = await RegisterAsync(Http, "510104", "registry-changes:read");
        var grid = system.Fresh.Grid(within: "510104");
        var resident = await Registries.RegistryFixtures.ResidentAsync(system, grid);
        var token = await AccessTokenAsync(Http, client);

        var (status, page) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/registry-changes?unit={grid}", token);
        Assert.True(status == HttpStatusCode.OK, $"feed: {(int)status} {page}");
        var mine = page.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("id").GetString() == resident).ToList();
        Assert.Single(mine);
        Assert.Equal("population", mine[0].GetProperty("registry").GetString());
        var next = page.GetProperty("next").GetString();

        // Resumed from its cursor: nothing new, the same cursor back.
        var (_, later) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/registry-changes?unit={grid}&after={next}", token);
        Assert.Empty(later.GetProperty("items").EnumerateArray());
        Assert.Equal(next, later.GetProperty("next").GetString());

        // Its unit only; the records themselves and the search are not what the permission opens.
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/registry-changes?unit=510105", token)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/registry/population/{resident}", token)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/registry/search?q=abc&unit={grid}", token)).Status);
    }

    [Fact]
    public async Task TheApiDocumentNamesTheClientCredentialsScheme()
    {
        var document = await Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("clientCredentials");
        Assert.Equal("oauth2", scheme.GetProperty("type").GetString());
        var flow = scheme.GetProperty("flows").GetProperty("clientCredentials");
        Assert.Equal("/api/v1/oauth/token", flow.GetProperty("tokenUrl").GetString());
        Assert.True(flow.GetProperty("scopes").TryGetProperty("cases:read", out _));
        Assert.True(document.GetProperty("paths").TryGetProperty("/api/v1/oauth/token", out _));
        var listCases = document.GetProperty("paths").GetProperty("/api/v1/incidents").GetProperty("get");
        Assert.Contains(listCases.GetProperty("security").EnumerateArray(), r => r.TryGetProperty("clientCredentials", out _));
    }
}

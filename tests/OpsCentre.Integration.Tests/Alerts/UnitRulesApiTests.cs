using System.Net;
using System.Text.Json;
using OpsCentre.Integration.Tests.Screens;

namespace OpsCentre.Integration.Tests.Alerts;

/// <summary>
/// Grids and communities as rule subjects through the real gateway and silo, in real time: a rate rule over cases reported
/// through the API, a grid whose phones fall silent (one unit alert, the member alerts inhibited on the API and the hub, and
/// back when it resolves), and the rules API refusing rules that nothing would evaluate.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class UnitRulesApiTests(SystemFixture system)
{
    private HttpClient Http => system.Http;

    private Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string token, object? body = null) =>
        Api.SendAsync(Http, method, path, token, body);

    private static object Rule(string id, string kind, string subjectKind, string scope, object parameters, int recoverySeconds = 0) => new
    {
        opId = "rule-" + id, id, title = "unit rule " + id, kind, target = new { subjectKind, unitScope = scope }, severity = "warning",
        parameters, pendingSeconds = 0, recoverySeconds,
    };

    private async Task SaveRuleAsync(string token, object rule)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/alert-rules", token, rule);
        Assert.True(status == HttpStatusCode.Created, $"{status} {body}");
    }

    /// <summary>The alerts of a rule about a subject, from the API's list of the unit.</summary>
    private async Task<List<JsonElement>> AlertsAsync(string token, string unit, string ruleId, string subjectId)
    {
        var (status, page) = await SendAsync(HttpMethod.Get, $"/api/v1/alerts?unit={unit}&limit=200", token);
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. page.GetProperty("items").EnumerateArray()
            .Where(a => a.GetProperty("ruleId").GetString() == ruleId && a.GetProperty("subject").GetProperty("id").GetString() == subjectId)];
    }

    private Task<List<JsonElement>> WaitForAlertsAsync(string token, string unit, string ruleId, string subjectId, Func<List<JsonElement>, bool> condition, string what, int seconds = 30) =>
        Testing.Eventually.HoldsAsync(() => AlertsAsync(token, unit, ruleId, subjectId), condition, TimeSpan.FromSeconds(seconds), what,
            describe: a => string.Join(", ", a.Select(x => x.GetProperty("state").GetString())));

    private static bool Only(List<JsonElement> alerts, string state) => alerts.Count == 1 && alerts[0].GetProperty("state").GetString() == state;

    [Fact]
    public async Task ARateRuleFiresForTheCaseAfterTheNthReportedThroughTheApiAndResolvesWhenItsWindowEmpties()
    {
        var token = await Api.TokenAsync(Http, "jinjiang.operator");
        var grid = system.Fresh.Grid(within: "510104");
        await SaveRuleAsync(token, Rule("jj-rate-sanitation", "rate", "grid", grid, new { occurrence = "incident:sanitation", moreThan = 1, windowSeconds = 20 }));
        await SystemFixture.RuleRefreshAsync();
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, token);
        await screen.SubscribeAsync(grid[..9]);

        for (var i = 1; i <= 3; i++)
        {
            var (created, answer) = await SendAsync(HttpMethod.Post, "/api/v1/incidents", token,
                new { opId = $"rate-case-{grid}-{i}", category = "sanitation", urgency = "normal", description = "垃圾桶满溢", gridCode = grid });
            Assert.True(created == HttpStatusCode.Created, $"{created} {answer}");
            if (i == 1)
            {
                await Testing.Consistently.HoldsAsync(() => AlertsAsync(token, grid, "jj-rate-sanitation", grid), a => a.Count == 0, TimeSpan.FromSeconds(1), "no alert for one case");
            }
        }

        // The second case is more than one within 20 s: one alert about the grid, on the list and the wall screen; the third changes nothing.
        var raised = await screen.ReceiveMatchingAsync(e => e.Type == "alert.raised" && e.Data.GetProperty("ruleId").GetString() == "jj-rate-sanitation", "the grid's rate alert on the hub");
        Assert.Equal(("grid", grid, grid), (raised.Data.GetProperty("subject").GetProperty("kind").GetString(), raised.Data.GetProperty("subject").GetProperty("id").GetString(), raised.UnitCode));
        var alert = Assert.Single(await WaitForAlertsAsync(token, grid, "jj-rate-sanitation", grid, a => Only(a, "firing"), "the rate alert listed firing"));
        Assert.Equal(raised.Data.GetProperty("id").GetString(), alert.GetProperty("id").GetString());

        // Twenty seconds after the second case only the third is in the window: the grid's own timer resolves the alert.
        await WaitForAlertsAsync(token, grid, "jj-rate-sanitation", grid, a => Only(a, "resolved"), "resolved once the window empties", seconds: 45);
    }

    [Fact]
    public async Task AGridWhosePhonesFallSilentRaisesOneUnitAlertAndItsPhonesAlertsAreInhibitedOnTheApiAndTheHubUntilItResolves()
    {
        var token = await Api.TokenAsync(Http, "jinjiang.operator");
        var worker = system.Fresh.Worker(within: "510104");
        var grid = worker.Grid;
        var phones = new List<(string DeviceId, string Key)>();
        for (var i = 0; i < 2; i++)
        {
            phones.Add(await Api.ProvisionDeviceAsync(Http, token, "worker-phone", worker.Id));
        }

        await SaveRuleAsync(token, Rule("jj-phone-quiet", "absence", "device", grid, new { signal = "status", afterSeconds = 4, deviceKinds = new[] { "worker-phone" } }));
        await SaveRuleAsync(token, Rule("jj-grid-dark", "member-share", "grid", grid, new { memberRule = "jj-phone-quiet", share = 1, minMembers = 2 }));
        await SystemFixture.RuleRefreshAsync();
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, token);
        await screen.SubscribeAsync(grid[..9]);
        foreach (var (_, key) in phones)
        {
            Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(Http, key, Api.Status(1, worker.Lat, worker.Lon))).Status);
        }

        // Both silent: one alert about the grid, and both phones' alerts inhibited by it — listed, with inhibitedBy, and announced.
        var unitAlert = Assert.Single(await WaitForAlertsAsync(token, grid, "jj-grid-dark", grid, a => Only(a, "firing"), "the grid's alert fires"));
        var unitAlertId = unitAlert.GetProperty("id").GetString();
        foreach (var (deviceId, _) in phones)
        {
            var inhibited = Assert.Single(await WaitForAlertsAsync(token, grid, "jj-phone-quiet", deviceId, a => Only(a, "inhibited"), "the phone's alert inhibited"));
            var (status, detail) = await SendAsync(HttpMethod.Get, $"/api/v1/alerts/{inhibited.GetProperty("id").GetString()}", token);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(("inhibited", unitAlertId), (detail.GetProperty("state").GetString(), detail.GetProperty("inhibitedBy").GetString()));
            Assert.Contains(detail.GetProperty("history").EnumerateArray(), h => h.GetProperty("type").GetString() == "alert.inhibited");
        }

        var announced = await screen.ReceiveMatchingAsync(e => e.Type == "alert.inhibited", "alert.inhibited on the hub");
        Assert.Equal(unitAlertId, announced.Data.GetProperty("inhibitedBy").GetString());
        Assert.Equal("inhibited", (await SendAsync(HttpMethod.Get, $"/api/v1/alerts?unit={grid}&state=inhibited", token)).Body.GetProperty("items")[0].GetProperty("state").GetString());

        // One phone is back: one of two silent is not all, the grid's alert resolves and the other phone's alert fires again.
        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(Http, phones[0].Key, Api.Status(2, worker.Lat, worker.Lon))).Status);
        await WaitForAlertsAsync(token, grid, "jj-grid-dark", grid, a => Only(a, "resolved"), "the grid's alert resolves");
        await WaitForAlertsAsync(token, grid, "jj-phone-quiet", phones[1].DeviceId, a => Only(a, "firing"), "the silent phone's alert fires again");
        await screen.ReceiveMatchingAsync(e => e.Type == "alert.raised" && e.Data.GetProperty("subject").GetProperty("id").GetString() == phones[1].DeviceId,
            "the silent phone's alert raised again on the hub");
    }

    [Fact]
    public async Task TheRulesApiRefusesARuleThatNothingWouldEvaluateNamingTheKindAndStoresNothing()
    {
        var token = await Api.TokenAsync(Http, "jinjiang.operator");
        var (status, problem) = await SendAsync(HttpMethod.Post, "/api/v1/alert-rules", token,
            Rule("jj-rate-on-devices", "rate", "device", "510104", new { occurrence = "incident", moreThan = 3, windowSeconds = 3600 }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("device", problem.GetProperty("errors").GetProperty("kind")[0].GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/api/v1/alert-rules/jj-rate-on-devices", token)).Status);

        var (unknown, unknownProblem) = await SendAsync(HttpMethod.Post, "/api/v1/alert-rules", token,
            Rule("jj-street-rule", "member-share", "street", "510104", new { memberRule = "worker-device-silent", share = 0.8 }));
        Assert.Equal(HttpStatusCode.BadRequest, unknown);
        Assert.True(unknownProblem.GetProperty("errors").TryGetProperty("target.subjectKind", out _), unknownProblem.ToString());

        // A community's rule over its phones is evaluated (by the community): stored. Not inhibiting, over the ten-minute demo rule: no
        // other test's alert changes (the community is a fresh grid's; taking a whole community would starve the tests of the first one).
        var (stored, _) = await SendAsync(HttpMethod.Post, "/api/v1/alert-rules", token, Rule("jj-community-dark", "member-share", "community",
            system.Fresh.Grid(within: "510104")[..12], new { memberRule = "worker-device-silent", share = 0.8, minMembers = 3, inhibit = false }));
        Assert.Equal(HttpStatusCode.Created, stored);
    }
}

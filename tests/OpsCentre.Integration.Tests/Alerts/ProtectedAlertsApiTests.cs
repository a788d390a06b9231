using System.Net;
using System.Text.Json;
using OpsCentre.Database.Operators;
using OpsCentre.Integration.Tests.Screens;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Alerts;

/// <summary>
/// Protected rules (critical, about key persons) through the real gateway and silo: who may resolve and silence them; alerts
/// about key persons seen over HTTP exactly as on the hub, and their reading audited; a resolution by hand that cannot hide
/// a condition that still holds.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class ProtectedAlertsApiTests(SystemFixture system)
{
    private const string FirstStreet = DemoUnits.FirstStreet;
    private const string StrapRule = "wristband-strap-open";
    private const string Corrections = "jinjiang.corrections.officer";

    private HttpClient Http => system.Http;

    private Task<string> TokenAsync(string username) => Api.TokenAsync(Http, username);

    private Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string token, object? body = null) =>
        Api.SendAsync(Http, method, path, token, body);

    /// <summary>A fresh key person of the first street wearing a wristband whose strap is open (and its battery at 5 %).</summary>
    private async Task<(CityGen.GeneratedKeyPerson Person, string Band)> OpenStrapAsync()
    {
        var person = system.Fresh.KeyPerson(within: FirstStreet);
        var (band, key) = await Api.ProvisionDeviceAsync(Http, await TokenAsync("jinjiang.operator"), "wristband", person.Id);
        var (posted, _) = await Api.PostStatusAsync(Http, key, Api.Status(1, person.Lat, person.Lon, batteryPct: 5, onDuty: null, strapIntact: false));
        Assert.Equal(HttpStatusCode.OK, posted);
        return (person, band);
    }

    private async Task<List<JsonElement>> ListAsync(string token, string unit)
    {
        var (status, page) = await SendAsync(HttpMethod.Get, $"/api/v1/alerts?unit={unit}&limit=200", token);
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. page.GetProperty("items").EnumerateArray()];
    }

    /// <summary>The id of the alert of <paramref name="ruleId"/> about <paramref name="subjectId"/>, once listed for the 锦江区 operator.</summary>
    private async Task<string> AlertIdAsync(string unit, string ruleId, string subjectId)
    {
        var token = await TokenAsync("jinjiang.operator");
        var alert = await Eventually.HoldsAsync(
            async () => (await ListAsync(token, unit)).FirstOrDefault(a => a.GetProperty("ruleId").GetString() == ruleId && a.GetProperty("subject").GetProperty("id").GetString() == subjectId),
            a => a.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(10), $"the {ruleId} alert about {subjectId} listed");
        return alert.GetProperty("id").GetString()!;
    }

    private async Task<string> StateAsync(string alertId) =>
        (await SendAsync(HttpMethod.Get, $"/api/v1/alerts/{alertId}", await TokenAsync("city.admin"))).Body.GetProperty("state").GetString()!;

    [Fact]
    public async Task OnlyCorrectionsStaffOrTheCityLevelResolveAProtectedRulesAlertWhileTheStreetOperatorMayAcknowledgeIt()
    {
        var (person, band) = await OpenStrapAsync();
        var alertId = await AlertIdAsync(person.Grid, StrapRule, band);
        var street = await TokenAsync("jinjiang.street.operator");

        foreach (var refused in new[] { street, await TokenAsync("jinjiang.operator") })
        {
            var (status, problem) = await SendAsync(HttpMethod.Post, $"/api/v1/alerts/{alertId}/resolve", refused, new { opId = "resolve-" + Guid.NewGuid(), note = "not mine to close" });
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Equal("Protected rule", problem.GetProperty("title").GetString());
            Assert.Contains(StrapRule, problem.GetProperty("detail").GetString());
        }

        Assert.Equal("firing", await StateAsync(alertId));
        var (acked, ack) = await SendAsync(HttpMethod.Post, $"/api/v1/alerts/{alertId}/ack", street, new { opId = "ack-" + alertId, note = "on my way" });
        Assert.Equal(HttpStatusCode.OK, acked);
        Assert.Equal("acknowledged", ack.GetProperty("state").GetString());

        // The same street operator resolves the band's ordinary battery alert as before.
        var batteryId = await AlertIdAsync(person.Grid, "device-battery-low", band);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, $"/api/v1/alerts/{batteryId}/resolve", street, new { opId = "resolve-battery-" + batteryId })).Status);

        var (resolved, done) = await SendAsync(HttpMethod.Post, $"/api/v1/alerts/{alertId}/resolve", await TokenAsync(Corrections), new { opId = "resolve-" + alertId, note = "strap refitted" });
        Assert.Equal(HttpStatusCode.OK, resolved);
        Assert.Equal(Corrections, done.GetProperty("resolvedBy").GetString());

        // The city level may too (here: another band of the same kind).
        var (other, otherBand) = await OpenStrapAsync();
        var otherId = await AlertIdAsync(other.Grid, StrapRule, otherBand);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, $"/api/v1/alerts/{otherId}/resolve", await TokenAsync("city.admin"), new { opId = "resolve-" + otherId })).Status);
    }

    [Fact]
    public async Task ASilenceCoveringAProtectedRuleIsRefusedToTheStreetOperatorAndNothingIsStored()
    {
        var grid = system.Fresh.Grid(within: FirstStreet);
        var street = await TokenAsync("jinjiang.street.operator");
        var endsAt = DateTimeOffset.UtcNow.AddHours(1);
        var named = new { opId = "protected-silence-" + grid, unitScope = grid, ruleId = (string?)StrapRule, endsAt, reason = "strap maintenance" };

        // Naming the rule, or silencing every rule (which includes the city's protected ones): 403, for the district's operator too.
        foreach (var (token, request) in new[] { (street, named), (street, named with { opId = "broad-" + grid, ruleId = null }), (await TokenAsync("jinjiang.operator"), named with { opId = "district-" + grid }) })
        {
            var (status, problem) = await SendAsync(HttpMethod.Post, "/api/v1/alert-silences", token, request);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Equal("Protected rule", problem.GetProperty("title").GetString());
        }

        var (_, listed) = await SendAsync(HttpMethod.Get, "/api/v1/alert-silences?unit=" + grid, street);
        Assert.Empty(listed.GetProperty("items").EnumerateArray());

        // An ordinary rule the street operator still silences; corrections staff silence the protected rule they name, and only that.
        var (ordinary, _) = await SendAsync(HttpMethod.Post, "/api/v1/alert-silences", street, named with { opId = "ordinary-" + grid, ruleId = "device-battery-low" });
        Assert.Equal(HttpStatusCode.Created, ordinary);
        var corrections = await TokenAsync(Corrections);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/api/v1/alert-silences", corrections, named with { opId = "c-broad-" + grid, ruleId = null })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/api/v1/alert-silences", corrections, named with { opId = "c-ordinary-" + grid, ruleId = "device-battery-low" })).Status);
        var (allowed, silence) = await SendAsync(HttpMethod.Post, "/api/v1/alert-silences", corrections, named with { opId = "c-named-" + grid });
        Assert.Equal(HttpStatusCode.Created, allowed);
        Assert.Equal(Corrections, silence.GetProperty("createdBy").GetString());
        var (cityAllowed, citySilence) = await SendAsync(HttpMethod.Post, "/api/v1/alert-silences", await TokenAsync("city.admin"), named with { opId = "city-broad-" + grid, ruleId = null });
        Assert.Equal(HttpStatusCode.Created, cityAllowed);

        // Who may not set it may not end it either.
        var id = silence.GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Delete, $"/api/v1/alert-silences/{id}", street)).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Delete, $"/api/v1/alert-silences/{id}", corrections)).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Delete, $"/api/v1/alert-silences/{citySilence.GetProperty("id").GetString()}", await TokenAsync("city.admin"))).Status);
    }

    [Fact]
    public async Task AlertsAboutAKeyPersonsDeviceAreLeftOutForRolesThatDoNotWatchKeyPersonsOverHttpAsOnTheHubAndEachReadIsAudited()
    {
        var person = system.Fresh.KeyPerson(within: FirstStreet);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var workerName = $"alerts.worker.{suffix}";
        var staffName = $"alerts.staff.{suffix}";
        var operators = new OperatorStore(system.Db);
        await operators.UpsertAsync(new OperatorAccount(workerName, "网格员", "worker", person.Grid, Disabled: false), SystemFixture.Password);
        await operators.UpsertAsync(new OperatorAccount(staffName, "社区工作人员", "staff", person.Grid[..12], Disabled: false), SystemFixture.Password);
        var worker = await TokenAsync(workerName);
        var staff = await TokenAsync(staffName);
        await using var workerScreen = await ScreenClient.ConnectAsync(system.GatewayUrl, worker);
        await workerScreen.SubscribeAsync(person.Grid);

        var (band, key) = await Api.ProvisionDeviceAsync(Http, await TokenAsync("jinjiang.operator"), "wristband", person.Id);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(Http, key, Api.Status(1, person.Lat, person.Lon, batteryPct: 5, onDuty: null, strapIntact: false))).Status);
        var strapId = await AlertIdAsync(person.Grid, StrapRule, band);
        var batteryId = await AlertIdAsync(person.Grid, "device-battery-low", band);

        // The worker's and the staff's lists leave both out (the warning too: it is about the person's device); each alert is 404 to them.
        foreach (var token in new[] { worker, staff })
        {
            Assert.DoesNotContain(await ListAsync(token, person.Grid), a => a.GetProperty("subject").GetProperty("id").GetString() == band);
            foreach (var id in new[] { strapId, batteryId })
            {
                Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/v1/alerts/{id}", token)).Status);
                Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, $"/api/v1/alerts/{id}/ack", token, new { opId = "ack-" + id })).Status);
                Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, $"/api/v1/alerts/{id}/resolve", token, new { opId = "res-" + id })).Status);
            }
        }

        Assert.Equal("firing", await StateAsync(batteryId));

        // The hub agrees: nothing about the band reached the worker's screen.
        var barrier = await Api.AppendAsync(Http, await TokenAsync("city.admin"), person.Grid, "probe.barrier", "barrier-" + suffix);
        await workerScreen.ReceiveMatchingAsync(e => e.Seq == barrier, "the barrier after the alerts");
        Assert.DoesNotContain(workerScreen.History, e => e.Type.StartsWith("alert.", StringComparison.Ordinal)
            && e.Data.GetProperty("subject").GetProperty("id").GetString() == band);

        // The operator lists them, with the person named, and each read of one is one audit row about the person.
        var operatorToken = await TokenAsync("jinjiang.operator");
        var listed = (await ListAsync(operatorToken, person.Grid)).Where(a => a.GetProperty("subject").GetProperty("id").GetString() == band).ToList();
        Assert.Equal(2, listed.Count);
        Assert.All(listed, a => Assert.Equal(person.Id, a.GetProperty("subject").GetProperty("keyPersonId").GetString()));
        var before = (await system.AuditAsync(person.Id, "key-person.alert")).Count(a => a.Actor == "jinjiang.operator");
        for (var read = 0; read < 2; read++)
        {
            var (status, detail) = await SendAsync(HttpMethod.Get, $"/api/v1/alerts/{strapId}", operatorToken);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(person.Id, detail.GetProperty("subject").GetProperty("keyPersonId").GetString());
        }

        var trail = await system.AuditAsync(person.Id, "key-person.alert");
        Assert.Equal(before + 2, trail.Count(a => a.Actor == "jinjiang.operator"));
        Assert.Contains(trail, a => a.Actor == "jinjiang.operator" && a.Detail.Contains("alert " + strapId, StringComparison.Ordinal) && !a.Unmasked);
        // The worker's probes are on record too, as denied.
        Assert.Contains(trail, a => a.Actor == workerName && a.Detail.Contains("none (denied)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnAlertResolvedByHandWhileTheBatteryIsStillLowComesBackAsANewAlert()
    {
        var worker = system.Fresh.Worker(within: FirstStreet);
        var operatorToken = await TokenAsync("jinjiang.operator");
        var ruleId = "e2e-hand-" + Guid.NewGuid().ToString("N")[..8];
        var (created, _) = await SendAsync(HttpMethod.Post, "/api/v1/alert-rules", operatorToken, new
        {
            opId = ruleId, id = ruleId, title = "Battery below 30 % (quick recovery)", kind = "threshold",
            target = new { subjectKind = "device", unitScope = worker.Grid }, severity = "warning",
            parameters = new { metric = "batteryPct", op = "<", value = 30 }, pendingSeconds = 0, recoverySeconds = 2,
        });
        Assert.Equal(HttpStatusCode.Created, created);
        await SystemFixture.RuleRefreshAsync();

        var (deviceId, key) = await Api.ProvisionDeviceAsync(Http, operatorToken, "worker-phone", worker.Id);
        long seq = 0;
        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(Http, key, Api.Status(++seq, worker.Lat, worker.Lon, batteryPct: 10))).Status);
        var first = await AlertIdAsync(worker.Grid, ruleId, deviceId);
        var (resolved, body) = await SendAsync(HttpMethod.Post, $"/api/v1/alerts/{first}/resolve", operatorToken, new { opId = "hand-" + first, note = "closing it anyway" });
        Assert.Equal(HttpStatusCode.OK, resolved);
        Assert.Equal("resolved", body.GetProperty("state").GetString());

        // The phone keeps reporting 10 %: within the check period and the recovery period a new alert fires.
        var again = await Eventually.HoldsAsync(async () =>
            {
                Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(Http, key, Api.Status(++seq, worker.Lat, worker.Lon, batteryPct: 10))).Status);
                return (await ListAsync(operatorToken, worker.Grid)).Where(a => a.GetProperty("ruleId").GetString() == ruleId).ToList();
            },
            alerts => alerts.Count == 2, TimeSpan.FromSeconds(30), "a second alert of the rule", pollEvery: TimeSpan.FromMilliseconds(500));
        Assert.Equal("firing", again[0].GetProperty("state").GetString());
        Assert.NotEqual(first, again[0].GetProperty("id").GetString());
        Assert.Equal("resolved", again[1].GetProperty("state").GetString());
    }
}

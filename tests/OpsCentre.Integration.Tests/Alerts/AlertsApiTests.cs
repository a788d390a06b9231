using System.Diagnostics;
using System.Net;
using System.Text.Json;
using OpsCentre.Integration.Tests.Screens;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Alerts;

/// <summary>The alert engine through the real gateway and silo: the demo rules, the HTTP API and the hub.</summary>
[Collection(nameof(SystemCollection))]
public sealed class AlertsApiTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output)
{
    private HttpClient Http => system.Http;

    private Task<string> TokenAsync(string username) => Api.TokenAsync(Http, username);

    /// <summary>A fresh worker of the street and a phone provisioned for them.</summary>
    private async Task<(CityGen.GeneratedWorker Worker, string DeviceId, string Key)> DeviceInStreetAsync(string street)
    {
        var worker = system.Fresh.Worker(within: street);
        var (deviceId, key) = await Api.ProvisionDeviceAsync(Http, await TokenAsync("jinjiang.operator"), "worker-phone", worker.Id);
        return (worker, deviceId, key);
    }

    private async Task PostStatusAsync(string key, CityGen.GeneratedWorker worker, long seq, double battery) =>
        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(Http, key, Api.Status(seq, worker.Lat, worker.Lon, battery))).Status);

    private Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string token, object? body = null) =>
        Api.SendAsync(Http, method, path, token, body);

    private async Task<List<JsonElement>> ListAsync(string token, string query)
    {
        var (status, page) = await SendAsync(HttpMethod.Get, "/api/v1/alerts?" + query, token);
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. page.GetProperty("items").EnumerateArray()];
    }

    [Fact]
    public async Task ADeviceAtFivePercentRaisesOneAlertOnTheApiAndTheHubAndAnAcknowledgementIsRecordedAndAnnounced()
    {
        var (worker, deviceId, key) = await DeviceInStreetAsync(DemoUnits.FirstStreet);
        var operatorToken = await TokenAsync("jinjiang.operator");
        // The district's screen, reading the events of this device's alerts (other tests' devices come and go meanwhile).
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, operatorToken,
            only: e => e.Data.TryGetProperty("subject", out var subject) && subject.GetProperty("id").GetString() == deviceId);
        await screen.SubscribeAsync("510104");

        var clock = Stopwatch.StartNew();
        await PostStatusAsync(key, worker, 1, 5);
        var raised = (await screen.ReceiveAsync(1)).Single();
        var latency = clock.Elapsed;
        Assert.Equal("alert.raised", raised.Type);
        Assert.Equal(deviceId, raised.Data.GetProperty("subject").GetProperty("id").GetString());
        Assert.Equal("device-battery-low", raised.Data.GetProperty("ruleId").GetString());
        Assert.Equal(worker.Grid, raised.UnitCode);
        output.WriteLine($"status POST → alert.raised on the hub: {latency.TotalMilliseconds:F0} ms");

        // More low readings are the same episode: still exactly one alert.
        await PostStatusAsync(key, worker, 2, 4);
        await PostStatusAsync(key, worker, 3, 3);
        var alertId = raised.Data.GetProperty("id").GetString()!;
        var listed = (await ListAsync(operatorToken, "unit=510104&state=firing")).Where(a => a.GetProperty("subject").GetProperty("id").GetString() == deviceId).ToList();
        var item = Assert.Single(listed);
        Assert.Equal(alertId, item.GetProperty("id").GetString());
        Assert.Equal("warning", item.GetProperty("severity").GetString());
        Assert.Equal("device", item.GetProperty("subject").GetProperty("kind").GetString());

        // The street's operator acknowledges; every screen hears it.
        var streetToken = await TokenAsync("jinjiang.street.operator");
        var (ackStatus, acked) = await SendAsync(HttpMethod.Post, $"/api/v1/alerts/{alertId}/ack", streetToken, new { opId = "ack-" + alertId, note = "battery swap on the way" });
        Assert.Equal(HttpStatusCode.OK, ackStatus);
        Assert.Equal("acknowledged", acked.GetProperty("state").GetString());
        Assert.Equal("jinjiang.street.operator", acked.GetProperty("acknowledgedBy").GetString());
        var announced = (await screen.ReceiveAsync(1)).Single();
        Assert.Equal("alert.acknowledged", announced.Type);
        Assert.Equal(alertId, announced.Data.GetProperty("id").GetString());
        Assert.True(announced.Seq > raised.Seq);

        // Repeating it (another opId, or the same) changes nothing and answers 200.
        var (againStatus, _) = await SendAsync(HttpMethod.Post, $"/api/v1/alerts/{alertId}/ack", operatorToken, new { opId = "ack-again", note = "" });
        Assert.Equal(HttpStatusCode.OK, againStatus);
        await screen.AssertNoMoreEventsAsync(TimeSpan.FromMilliseconds(500));

        var (detailStatus, detail) = await SendAsync(HttpMethod.Get, $"/api/v1/alerts/{alertId}", operatorToken);
        Assert.Equal(HttpStatusCode.OK, detailStatus);
        Assert.Equal(["alert.raised", "alert.acknowledged"], detail.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("type").GetString()));
        Assert.Equal("battery swap on the way", detail.GetProperty("history")[1].GetProperty("note").GetString());

        // Resolving by hand, twice: one event, both answered 200.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, $"/api/v1/alerts/{alertId}/resolve", operatorToken, new { opId = "r1", note = "swapped" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, $"/api/v1/alerts/{alertId}/resolve", operatorToken, new { opId = "r2" })).Status);
        Assert.Equal("alert.resolved", (await screen.ReceiveAsync(1)).Single().Type);
        await screen.AssertNoMoreEventsAsync(TimeSpan.FromMilliseconds(500));
        var (_, ackResolved) = await SendAsync(HttpMethod.Post, $"/api/v1/alerts/{alertId}/ack", operatorToken, new { opId = "late-ack" });
        Assert.Equal(409, ackResolved.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task TheListFiltersByRuleAndByThePeriodRaisedIn()
    {
        var (worker, deviceId, key) = await DeviceInStreetAsync(DemoUnits.FirstStreet);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await PostStatusAsync(key, worker, 1, 5);
        var token = await TokenAsync("jinjiang.operator");
        var id = (await Api.AlertOfAsync(Http, token, worker.Grid, deviceId)).GetProperty("id").GetString()!;
        var later = DateTimeOffset.UtcNow.AddMinutes(1);
        static string At(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        async Task<bool> ListedAsync(string query) => (await ListAsync(token, $"unit={worker.Grid}&{query}")).Exists(a => a.GetProperty("id").GetString() == id);

        Assert.True(await ListedAsync("rule=device-battery-low"));
        Assert.False(await ListedAsync("rule=worker-device-silent"));
        Assert.True(await ListedAsync($"from={At(before)}"));
        Assert.True(await ListedAsync($"from={At(before)}&to={At(later)}&rule=device-battery-low&state=firing"));
        Assert.False(await ListedAsync($"from={At(later)}"));
        Assert.False(await ListedAsync($"to={At(before)}"));
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, $"/api/v1/alerts?unit={worker.Grid}&from={At(later)}&to={At(before)}", token)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, $"/api/v1/alerts?unit={worker.Grid}&from=yesterday", token)).Status);
    }

    [Fact]
    public async Task AnOperatorOfAnotherStreetGets404ForTheAlertAndAnAuditorMayNotAcknowledge()
    {
        var (worker, deviceId, key) = await DeviceInStreetAsync(DemoUnits.FirstStreet);
        await PostStatusAsync(key, worker, 1, 2);
        var operatorToken = await TokenAsync("jinjiang.operator");
        var alert = await Api.AlertOfAsync(Http, operatorToken, worker.Grid, deviceId);
        var alertId = alert.GetProperty("id").GetString()!;

        var otherStreet = await TokenAsync(SystemFixture.SecondStreetOperator);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/v1/alerts/{alertId}", otherStreet)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, $"/api/v1/alerts/{alertId}/ack", otherStreet, new { opId = "x" })).Status);
        Assert.DoesNotContain(await ListAsync(otherStreet, $"unit={DemoUnits.SecondStreet}"), a => a.GetProperty("id").GetString() == alertId);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/v1/alerts?unit={DemoUnits.FirstStreet}", otherStreet)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/v1/alerts/{alertId}", await TokenAsync("qingyang.operator"))).Status);

        var auditor = await TokenAsync("city.auditor");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/v1/alerts/{alertId}", auditor)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, $"/api/v1/alerts/{alertId}/ack", auditor, new { opId = "y" })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/api/v1/alerts/510104-00000000000000000000000000000000", operatorToken)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/api/v1/alerts/not-an-alert", operatorToken)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "/api/v1/alerts?unit=510104&state=angry", operatorToken)).Status);
    }

    [Fact]
    public async Task ABadRuleIsRejectedWithItsReasonsAndAGoodOneIsVersioned()
    {
        var token = await TokenAsync("jinjiang.operator");
        var bad = new
        {
            opId = "bad-rule", id = "jj-bad", title = "Bad", kind = "threshold", target = new { subjectKind = "device", unitScope = "510104" },
            severity = "warning", parameters = new { metric = "batteryPct", op = "≈", value = 10 },
        };
        var (badStatus, problem) = await SendAsync(HttpMethod.Post, "/api/v1/alert-rules", token, bad);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Contains("op must be one of", problem.GetProperty("errors").GetProperty("parameters")[0].GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/api/v1/alert-rules/jj-bad", token)).Status);

        // Switched off: enabled, a district-wide battery rule would raise a second alert beside device-battery-low for every
        // low battery in 510104 for the rest of the run, and the tests that follow one alert per report (the console's) see the wrong one.
        var good = new
        {
            opId = "good-rule", id = "jj-battery-critical", title = "Battery critical", kind = "threshold",
            target = new { subjectKind = "device", unitScope = "510104" }, severity = "critical",
            parameters = new { metric = "batteryPct", op = "<", value = 5 }, pendingSeconds = 0, recoverySeconds = 60, escalation = new { timeoutSeconds = 900 }, enabled = false,
        };
        var (created, rule) = await SendAsync(HttpMethod.Post, "/api/v1/alert-rules", token, good);
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal(1, rule.GetProperty("version").GetInt32());
        Assert.Equal("jinjiang.operator", rule.GetProperty("changedBy").GetString());
        var (replayed, again) = await SendAsync(HttpMethod.Post, "/api/v1/alert-rules", token, good);
        Assert.Equal(HttpStatusCode.Created, replayed);
        Assert.Equal(1, again.GetProperty("version").GetInt32());

        var edit = new
        {
            opId = "edit-rule", title = "Battery critical", kind = "threshold", target = new { subjectKind = "device", unitScope = "510104" },
            severity = "critical", parameters = new { metric = "batteryPct", op = "<", value = 8 }, recoverySeconds = 60, expectedVersion = 1, enabled = false,
        };
        var (edited, v2) = await SendAsync(HttpMethod.Put, "/api/v1/alert-rules/jj-battery-critical", token, edit);
        Assert.Equal(HttpStatusCode.OK, edited);
        Assert.Equal(2, v2.GetProperty("version").GetInt32());
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Put, "/api/v1/alert-rules/jj-battery-critical", token, edit with { opId = "stale-edit" })).Status);
        var (_, versions) = await SendAsync(HttpMethod.Get, "/api/v1/alert-rules/jj-battery-critical", token);
        Assert.Equal([2, 1], versions.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()));

        // A street's operator may not manage the district's rule, which applies to the street from above (403: it reads it, and may copy
        // it), a grid worker has no such function (403).
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Put, "/api/v1/alert-rules/jj-battery-critical", await TokenAsync("jinjiang.street.operator"), edit with { opId = "e3", expectedVersion = 2 })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/api/v1/alert-rules", await TokenAsync("jinjiang.grid.worker"),
            good with { opId = "w1", id = "jj-worker", target = new { subjectKind = "device", unitScope = DemoUnits.FirstGrid } })).Status);
    }

    [Fact]
    public async Task ASilenceIsCreatedOnceForItsOpIdAndCanBeEndedEarly()
    {
        var token = await TokenAsync("jinjiang.street.operator");
        // A grid of the test's own, and an ordinary rule (a protected one is refused: ProtectedAlertsApiTests).
        var request = new { opId = "silence-1", unitScope = system.Fresh.Grid(within: DemoUnits.FirstStreet), ruleId = "device-battery-low", endsAt = DateTimeOffset.UtcNow.AddHours(2), reason = "battery replacement round" };
        var (created, silence) = await SendAsync(HttpMethod.Post, "/api/v1/alert-silences", token, request);
        Assert.Equal(HttpStatusCode.Created, created);
        var (_, same) = await SendAsync(HttpMethod.Post, "/api/v1/alert-silences", token, request);
        Assert.Equal(silence.GetProperty("id").GetString(), same.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, "/api/v1/alert-silences", token, request with { opId = "silence-2", endsAt = DateTimeOffset.UtcNow.AddHours(-1) })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, "/api/v1/alert-silences", token, request with { opId = "silence-3", unitScope = DemoUnits.SecondStreet })).Status);

        var (_, listed) = await SendAsync(HttpMethod.Get, "/api/v1/alert-silences?unit=" + request.unitScope, token);
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetString() == silence.GetProperty("id").GetString());
        var (ended, endedSilence) = await SendAsync(HttpMethod.Delete, $"/api/v1/alert-silences/{silence.GetProperty("id").GetString()}", token);
        Assert.Equal(HttpStatusCode.OK, ended);
        Assert.True(endedSilence.GetProperty("endsAt").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task ARuleParameterOutsideItsRangeIsRefusedNamingTheParameterAndNothingIsStored()
    {
        var token = await TokenAsync("jinjiang.operator");
        var rule = new
        {
            opId = "bounds-1", id = "jj-bounds", title = "far too patient", kind = "absence",
            target = new { subjectKind = "device", unitScope = "510104" }, severity = "warning",
            parameters = (object)new { signal = "status", afterSeconds = 5e11 },
        };
        var (status, problem) = await SendAsync(HttpMethod.Post, "/api/v1/alert-rules", token, rule);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("afterSeconds", problem.GetProperty("errors").GetProperty("parameters")[0].GetString());

        var (marginStatus, marginProblem) = await SendAsync(HttpMethod.Post, "/api/v1/alert-rules", token, rule with
        {
            opId = "bounds-2", kind = "zone", parameters = (object)new { zone = "assigned-grid", marginM = 1e7 },
        });
        Assert.Equal(HttpStatusCode.BadRequest, marginStatus);
        Assert.Contains("marginM", marginProblem.GetProperty("errors").GetProperty("parameters")[0].GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/api/v1/alert-rules/jj-bounds", token)).Status);
    }

    [Fact]
    public async Task ARuleStoredBeforeItsBoundsExistedIsFlaggedFaultyAndTheStatusesItTargetsStillApply()
    {
        var (worker, _, key) = await DeviceInStreetAsync("510104");
        // As an older version let it be stored: an absence of 15,800 years, which no date can hold.
        await system.Db.ExecuteAsync(
            """
            INSERT INTO alert_rule (id, version, title, kind, subject_kind, unit_scope, severity, parameters, pending_seconds, recovery_seconds, enabled, changed_by)
            VALUES ('jj-legacy-absence', 1, 'legacy', 'absence', 'device', @scope, 'warning', '{"signal":"status","afterSeconds":500000000000}', 0, 0, true, 'legacy')
            """, ("scope", worker.Grid));
        await SystemFixture.RuleRefreshAsync();

        for (var seq = 1; seq <= 3; seq++)
        {
            await PostStatusAsync(key, worker, seq, 80);
        }

        var token = await TokenAsync("jinjiang.operator");
        var fault = await Testing.Eventually.HoldsAsync(async () => (await SendAsync(HttpMethod.Get, "/api/v1/alert-rules/jj-legacy-absence", token)).Body,
            rule => rule.GetProperty("items")[0].GetProperty("fault").ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(15), "the legacy rule flagged faulty");
        Assert.Contains("afterSeconds", fault.GetProperty("items")[0].GetProperty("fault").GetProperty("error").GetString());
    }

    [Fact]
    public async Task SilencesOfOneScopeAndRuleCannotBeChainedPastTheLongestSilence()
    {
        var token = await TokenAsync("jinjiang.street.operator");
        var now = DateTimeOffset.UtcNow;
        // A grid of the test's own: its silences suppress nothing another test expects.
        var first = new { opId = "chain-1", unitScope = system.Fresh.Grid(within: DemoUnits.FirstStreet), ruleId = "device-battery-low", startsAt = now, endsAt = now.AddDays(20), reason = "re-cabling, part one" };
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/api/v1/alert-silences", token, first)).Status);

        var (chained, problem) = await SendAsync(HttpMethod.Post, "/api/v1/alert-silences", token,
            first with { opId = "chain-2", startsAt = now.AddDays(20), endsAt = now.AddDays(40), reason = "re-cabling, part two" });
        Assert.Equal(HttpStatusCode.Conflict, chained);
        Assert.Contains("31", problem.GetProperty("detail").GetString());

        // Another rule's silence is its own chain.
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/api/v1/alert-silences", token,
            first with { opId = "chain-3", ruleId = "worker-device-silent", startsAt = now.AddDays(20), endsAt = now.AddDays(40) })).Status);
    }
}

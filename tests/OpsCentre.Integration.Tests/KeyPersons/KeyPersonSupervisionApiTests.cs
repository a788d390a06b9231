using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpsCentre.Testing;
using OpsCentre.Integration.Tests.Screens;

namespace OpsCentre.Integration.Tests.KeyPersons;

/// <summary>Zones, visits and the zone alert of key persons through the real gateway, silo, hub and PostgreSQL.</summary>
[Collection(nameof(SystemCollection))]
public sealed class KeyPersonSupervisionApiTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output)
{
    private HttpClient Http => system.Http;

    private Task<string> TokenAsync(string username) => Api.TokenAsync(Http, username);

    private Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string token, object? body = null) =>
        Api.SendAsync(Http, method, path, token, body);

    private Task<(HttpStatusCode Status, JsonElement Body)> DeviceSendAsync(HttpMethod method, string path, string key, object? body = null) =>
        Api.DeviceSendAsync(Http, method, path, key, body);

    private async Task<string> ProvisionAsync(string kind, string boundTo) =>
        (await Api.ProvisionDeviceAsync(Http, await TokenAsync("jinjiang.operator"), kind, boundTo)).Key;

    private async Task<List<string>> AuditActorsAsync(string subject, string action) =>
        [.. (await system.AuditAsync(subject, action)).Select(a => a.Actor + ":" + (a.Unmasked ? "true" : "false"))];

    [Fact]
    public async Task ForbiddenPlacesAreKeptByCorrectionsStaffOnceForAnOpIdValidatedAndEveryReadAudited()
    {
        var person = system.Fresh.KeyPerson(within: "510104");
        var corrections = await TokenAsync("jinjiang.corrections.officer");
        var path = $"/api/v1/key-persons/{person.Id}/zones";
        var school = new { opId = "zone-school", name = "学校", lat = person.Lat + 0.01, lon = person.Lon, radiusM = 200 };

        var (created, place) = await SendAsync(HttpMethod.Post, path, corrections, school);
        Assert.Equal(HttpStatusCode.Created, created);
        var (again, same) = await SendAsync(HttpMethod.Post, path, corrections, school);
        Assert.Equal(HttpStatusCode.Created, again);
        Assert.Equal(place.GetProperty("id").GetString(), same.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(HttpMethod.Post, path, corrections, school with { radiusM = 300 })).Status);

        var (bowtie, problem) = await SendAsync(HttpMethod.Post, path, corrections,
            new { opId = "zone-bowtie", name = "bow tie", polygon = new[] { new[] { 104.0, 30.6 }, new[] { 104.01, 30.61 }, new[] { 104.01, 30.6 }, new[] { 104.0, 30.61 } } });
        Assert.Equal(HttpStatusCode.BadRequest, bowtie);
        Assert.True(problem.GetProperty("errors").TryGetProperty("polygon", out _));
        var (both, _) = await SendAsync(HttpMethod.Post, path, corrections,
            new { opId = "zone-both", name = "both", lat = 30.6, lon = 104.0, radiusM = 100, polygon = new[] { new[] { 104.0, 30.6 }, new[] { 104.01, 30.6 }, new[] { 104.0, 30.61 } } });
        Assert.Equal(HttpStatusCode.BadRequest, both);

        var (square, _) = await SendAsync(HttpMethod.Post, path, corrections,
            new { opId = "zone-square", name = "酒吧街", polygon = new[] { new[] { 104.0, 30.6 }, new[] { 104.01, 30.6 }, new[] { 104.01, 30.61 }, new[] { 104.0, 30.61 } } });
        Assert.Equal(HttpStatusCode.Created, square);

        // Only corrections staff read zones (home is the person's address); others in scope 403, out of scope 404; all audited.
        var (read, zones) = await SendAsync(HttpMethod.Get, path + "?purpose=correction", corrections);
        Assert.Equal(HttpStatusCode.OK, read);
        Assert.Equal("510104", zones.GetProperty("allowed").GetProperty("unitCode").GetString());
        Assert.Equal(person.Lat, zones.GetProperty("home").GetProperty("lat").GetDouble(), 6);
        Assert.Equal(["学校", "酒吧街"], zones.GetProperty("forbidden").EnumerateArray().Select(z => z.GetProperty("name").GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, path, await TokenAsync("jinjiang.operator"))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, path, await TokenAsync("qingyang.operator"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, path, await TokenAsync("jinjiang.operator"), school with { opId = "op-zone" })).Status);
        Assert.Equal(["jinjiang.corrections.officer:true", "jinjiang.operator:false", "qingyang.operator:false"], await AuditActorsAsync(person.Id, "key-person.zones"));

        var zoneId = place.GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{path}/{zoneId}", corrections)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"{path}/{zoneId}", corrections)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Delete, $"{path}/zone-unknown", corrections)).Status);
        var (_, after) = await SendAsync(HttpMethod.Get, path, corrections);
        Assert.Equal(["酒吧街"], after.GetProperty("forbidden").EnumerateArray().Select(z => z.GetProperty("name").GetString()));
        // Without a purpose, home (the person's address) is not shown, to corrections staff either.
        Assert.Equal(JsonValueKind.Null, after.GetProperty("home").ValueKind);
        var unnamed = (await system.AuditAsync(person.Id, "key-person.zones"))[^1];
        Assert.False(unnamed.Unmasked);
        Assert.Null(unnamed.Purpose);
    }

    [Fact]
    public async Task AVisitDueShowsOnTheGridWorkersPhoneAndAVisitFromThePhoneClearsItOnceWithNotesForCorrectionsOnly()
    {
        // A grid of the test's own with a key person and their grid worker in it; a worker of another grid.
        var city = system.Fresh.City;
        var grid = system.Fresh.Grid(within: "510104", where: g => city.KeyPersons.Any(p => p.Grid == g) && city.Workers.Any(w => w.Grid == g));
        var person = city.KeyPersons.First(p => p.Grid == grid);
        var worker = city.Workers.Last(w => w.Grid == grid);
        var stranger = system.Fresh.Worker(within: "510104");
        await system.Db.ExecuteAsync("UPDATE key_person SET supervision_level = 'strict', supervised_since = now() - interval '8 days' WHERE id = @id", ("id", person.Id));

        var phone = await ProvisionAsync("worker-phone", worker.Id);
        var (tasksStatus, tasks) = await DeviceSendAsync(HttpMethod.Get, "/api/v1/device/tasks", phone);
        Assert.Equal(HttpStatusCode.OK, tasksStatus);
        var due = tasks.GetProperty("items").EnumerateArray().Single(t => t.GetProperty("kind").GetString() == "visit" && t.GetProperty("id").GetString() == person.Id);
        Assert.Equal("回访 " + person.Name[..1] + new string('*', person.Name.Length - 1), due.GetProperty("title").GetString());
        Assert.True(due.GetProperty("due").GetDateTimeOffset() < DateTimeOffset.UtcNow);
        Assert.Contains(worker.Id + ":false", await AuditActorsAsync(person.Id, "key-person.visit-tasks"));
        Assert.All(await system.AuditAsync(person.Id, "key-person.visit-tasks"), a => Assert.Equal("visit", a.Purpose));

        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, await TokenAsync("jinjiang.operator"));
        await screen.SubscribeAsync("510104");
        var visit = new { opId = "visit-1", keyPersonId = person.Id, outcome = "met", notes = "在家，情绪稳定" };
        var (recorded, body) = await DeviceSendAsync(HttpMethod.Post, "/api/v1/device/visits", phone, visit);
        Assert.Equal(HttpStatusCode.Created, recorded);
        var (retried, again) = await DeviceSendAsync(HttpMethod.Post, "/api/v1/device/visits", phone, visit);
        Assert.Equal(HttpStatusCode.Created, retried);
        Assert.Equal(body.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.True(body.GetProperty("visitDue").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(6));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await DeviceSendAsync(HttpMethod.Post, "/api/v1/device/visits", phone, visit with { outcome = "absent" })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await DeviceSendAsync(HttpMethod.Post, "/api/v1/device/visits", phone, visit with { opId = "visit-2", outcome = "chatted" })).Status);

        var announced = await screen.ReceiveMatchingAsync(e => e.Type == "keyperson.visited" && e.Data.GetProperty("id").GetString() == person.Id, "keyperson.visited");
        Assert.False(announced.Data.TryGetProperty("notes", out _));
        Assert.Equal(1L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM event_log WHERE payload ->> 'id' = @id AND type = 'keyperson.visited'", ("id", person.Id)));   // the retry was not logged again

        var (_, later) = await DeviceSendAsync(HttpMethod.Get, "/api/v1/device/tasks", phone);
        Assert.DoesNotContain(later.GetProperty("items").EnumerateArray(), t => t.GetProperty("id").GetString() == person.Id);

        // Another grid's worker cannot visit this person; an operator has no such function.
        var strangerPhone = await ProvisionAsync("worker-phone", stranger.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await DeviceSendAsync(HttpMethod.Post, "/api/v1/device/visits", strangerPhone, visit with { opId = "visit-x" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, $"/api/v1/key-persons/{person.Id}/visits", await TokenAsync("jinjiang.operator"),
            new { opId = "op-visit", outcome = "met" })).Status);

        // The notes are personal data: corrections staff read them, others see the visit without them.
        var (_, forCorrections) = await SendAsync(HttpMethod.Get, $"/api/v1/key-persons/{person.Id}/visits?purpose=correction", await TokenAsync("jinjiang.corrections.officer"));
        Assert.Equal("在家，情绪稳定", forCorrections.GetProperty("items")[0].GetProperty("notes").GetString());
        Assert.Equal("strict", forCorrections.GetProperty("supervisionLevel").GetString());
        var (_, forOperator) = await SendAsync(HttpMethod.Get, $"/api/v1/key-persons/{person.Id}/visits", await TokenAsync("jinjiang.operator"));
        Assert.Equal(JsonValueKind.Null, forOperator.GetProperty("items")[0].GetProperty("notes").ValueKind);
        Assert.Equal("met", forOperator.GetProperty("items")[0].GetProperty("outcome").GetString());
        Assert.Equal(["jinjiang.corrections.officer:true", "jinjiang.operator:false"], await AuditActorsAsync(person.Id, "key-person.visits"));
        var (_, withoutPurpose) = await SendAsync(HttpMethod.Get, $"/api/v1/key-persons/{person.Id}/visits", await TokenAsync("jinjiang.corrections.officer"));
        Assert.Equal(JsonValueKind.Null, withoutPurpose.GetProperty("items")[0].GetProperty("notes").ValueKind);

        // Eight days under strict supervision without a check-in is a missed one too; the person's phone checks in and it clears.
        var personPhone = await ProvisionAsync("person-phone", person.Id);
        Assert.Equal(HttpStatusCode.OK, (await DeviceSendAsync(HttpMethod.Post, "/api/v1/device/check-ins", personPhone)).Status);
        var (_, checkIns) = await SendAsync(HttpMethod.Get, $"/api/v1/key-persons/{person.Id}/check-ins", await TokenAsync("jinjiang.operator"));
        Assert.Single(checkIns.GetProperty("items").EnumerateArray());
        Assert.True(checkIns.GetProperty("checkInDue").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(23));
        await Eventually.HoldsAsync(async () => (await SendAsync(HttpMethod.Get, $"/api/v1/key-persons/{person.Id}", await TokenAsync("jinjiang.operator"))).Body,
            p => p.GetProperty("state").GetString() == "normal", TimeSpan.FromSeconds(10), "normal after the check-in");
    }

    [Fact]
    public async Task AWristbandPostingAPositionInBeijingRaisesACriticalZoneAlertOnAJinjiangScreen()
    {
        var person = system.Fresh.KeyPerson(within: "510104");
        var operatorToken = await TokenAsync("jinjiang.operator");
        // The demo's rule waits 2 minutes before firing (dwell); this one, for the person's grid only, fires at once.
        var ruleId = "e2e-left-allowed-" + Guid.NewGuid().ToString("N")[..8];
        var (ruleStatus, _) = await SendAsync(HttpMethod.Post, "/api/v1/alert-rules", operatorToken, new
        {
            opId = ruleId, id = ruleId, title = "Key person outside the allowed area (no dwell)", kind = "zone",
            target = new { subjectKind = "key-person", unitScope = person.Grid }, severity = "critical",
            parameters = new { zone = "allowed", trigger = "leave", marginM = 50 }, pendingSeconds = 0, recoverySeconds = 0,
        });
        Assert.Equal(HttpStatusCode.Created, ruleStatus);
        await SystemFixture.RuleRefreshAsync();

        var band = await ProvisionAsync("wristband", person.Id);
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, operatorToken);
        await screen.SubscribeAsync("510104");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (posted, _) = await Api.PostStatusAsync(Http, band, Api.Status(1, 39.9042, 116.4074, batteryPct: 80, onDuty: null, strapIntact: true, accuracyM: 8));
        Assert.Equal(HttpStatusCode.OK, posted);

        var raised = await screen.ReceiveMatchingAsync(e => e.Type == "alert.raised" && e.Data.GetProperty("ruleId").GetString() == ruleId, "alert.raised of the zone rule");
        output.WriteLine($"Beijing position → alert.raised on the 锦江区 screen: {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(person.Id, raised.Data.GetProperty("subject").GetProperty("id").GetString());
        Assert.Equal(person.Grid, raised.UnitCode);
        var (_, alert) = await SendAsync(HttpMethod.Get, "/api/v1/alerts/" + raised.Data.GetProperty("id").GetString(), operatorToken);
        Assert.Equal("critical", alert.GetProperty("severity").GetString());
        Assert.Equal("key-person", alert.GetProperty("subject").GetProperty("kind").GetString());
        var violation = await screen.ReceiveMatchingAsync(e => e.Type == "keyperson.state-changed" && e.Data.GetProperty("id").GetString() == person.Id, "keyperson.state-changed");
        Assert.Equal("violation", violation.Data.GetProperty("state").GetString());
        Assert.DoesNotContain(person.Name, violation.Data.GetRawText());
        await Eventually.HoldsAsync(async () => (await SendAsync(HttpMethod.Get, "/api/v1/units/" + person.Grid, operatorToken)).Body,
            unit => unit.GetProperty("counters").GetProperty("keyPersonsAbnormal").GetInt64() >= 1, TimeSpan.FromSeconds(10), "the grid counts the person");

        // Home again: the alert resolves and the person is normal.
        await Api.PostStatusAsync(Http, band, Api.Status(2, person.Lat, person.Lon, batteryPct: 80, onDuty: null, strapIntact: true, accuracyM: 8));
        await screen.ReceiveMatchingAsync(e => e.Type == "alert.resolved" && e.Data.GetProperty("id").GetString() == raised.Data.GetProperty("id").GetString(), "alert.resolved");
        var normal = await screen.ReceiveMatchingAsync(e => e.Type == "keyperson.state-changed" && e.Data.GetProperty("id").GetString() == person.Id, "back to normal");
        Assert.Equal("normal", normal.Data.GetProperty("state").GetString());
    }
}

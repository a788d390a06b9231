using System.Net;
using System.Text.Json;
using OpsCentre.Grains.Incidents;
using OpsCentre.Integration.Tests.Screens;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Alerts;

/// <summary>督办 through the real gateway and silo, on real time: an overdue case's alert escalates to the district and is urged there again; the records show in the case's and the alert's detail; the district replies.</summary>
[Collection(nameof(SystemCollection))]
public sealed class SupervisionApiTests(SystemFixture system)
{
    private HttpClient Http => system.Http;

    private Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string token, object? body = null) =>
        Api.SendAsync(Http, method, path, token, body);

    [Fact]
    public async Task AnOverdueCaseIsUrgedAgainAtTheDistrictItsSupervisionRecordsShowInTheDetailsAndTheDistrictsReplyIsRecorded()
    {
        // A category whose cases must be accepted within 3 s, and a rule of the test's own grid that escalates every 10 s.
        await new IncidentCatalog(system.Db).SaveCategoryAsync(new IncidentCategory("t-overdue-at-once", "测试：立即超期",
            new Dictionary<string, IReadOnlyDictionary<string, string>> { ["normal"] = new Dictionary<string, string> { ["reported"] = "PT3S" } }));
        var grid = system.Fresh.Grid(within: DemoUnits.FirstStreet);
        var token = await Api.TokenAsync(Http, "jinjiang.operator");
        var rule = new
        {
            opId = "t-case-urge", id = "t-case-urge", title = "事件超期督办（测试）", kind = "stage-overdue",
            target = new { subjectKind = "incident", unitScope = grid }, severity = "warning", parameters = new { deadline = "stage" },
            escalation = new { timeoutSeconds = 10, repeatSeconds = 10, replyWithinSeconds = 600 },
        };
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/api/v1/alert-rules", token, rule)).Status);
        await SystemFixture.RuleRefreshAsync();
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, token);
        await screen.SubscribeAsync("510104");

        var (created, report) = await SendAsync(HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = "urge-case", category = "t-overdue-at-once", urgency = "normal", description = "测试督办", gridCode = grid });
        Assert.Equal(HttpStatusCode.Created, created);
        var caseId = report.GetProperty("id").GetString()!;

        // Overdue after 3 s; then community, street, district 10 s apart, and urged again at the district 10 s later.
        var detail = await Eventually.HoldsAsync(async () => (await SendAsync(HttpMethod.Get, $"/api/v1/incidents/{caseId}", token)).Body,
            d => d.GetProperty("supervisions").GetArrayLength() >= 4, TimeSpan.FromSeconds(90), "four 督办 in the case's detail");
        var records = detail.GetProperty("supervisions").EnumerateArray().Take(4).ToList();
        Assert.Equal([grid[..12], grid[..9], "510104", "510104"], records.Select(r => r.GetProperty("unitCode").GetString()));
        Assert.Equal([false, false, false, true], records.Select(r => r.GetProperty("repeated").GetBoolean()));
        Assert.All(records, r => Assert.Equal(("t-case-urge", "not-acknowledged"), (r.GetProperty("ruleId").GetString(), r.GetProperty("reason").GetString())));
        var alertId = records[0].GetProperty("alertId").GetString()!;
        var fourth = records[3];
        Assert.Equal(TimeSpan.FromSeconds(600), fourth.GetProperty("replyDueAt").GetDateTimeOffset() - fourth.GetProperty("at").GetDateTimeOffset());

        // The alert's detail has the same records; the lists show the level, and filter by the unit responsible now.
        var (_, alert) = await SendAsync(HttpMethod.Get, $"/api/v1/alerts/{alertId}", token);
        Assert.Equal(("510104", 3), (alert.GetProperty("responsibleUnitCode").GetString(), alert.GetProperty("escalationLevel").GetInt32()));
        Assert.Equal(records[3].GetProperty("id").GetString(), alert.GetProperty("supervisions")[3].GetProperty("id").GetString());
        Assert.Contains("alert.urged", alert.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("type").GetString()));
        var atDistrict = (await SendAsync(HttpMethod.Get, $"/api/v1/alerts?unit={grid}&responsible=510104", token)).Body.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3, Assert.Single(atDistrict, a => a.GetProperty("id").GetString() == alertId).GetProperty("escalationLevel").GetInt32());
        Assert.DoesNotContain((await SendAsync(HttpMethod.Get, $"/api/v1/alerts?unit={grid}&responsible={grid}", token)).Body.GetProperty("items").EnumerateArray(),
            a => a.GetProperty("id").GetString() == alertId);
        var listedCase = (await SendAsync(HttpMethod.Get, $"/api/v1/incidents?unit={grid}", token)).Body.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetString() == caseId);
        Assert.Equal(3, listedCase.GetProperty("escalationLevel").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, $"/api/v1/alerts?unit={grid}&responsible=nowhere", token)).Status);

        // Screens hear the urging with the level (and never the reply's text).
        var urged = await screen.ReceiveMatchingAsync(e => e.Type == "alert.urged" && e.Data.GetProperty("id").GetString() == alertId, "alert.urged on the screen", 30);
        Assert.Equal(("510104", 3), (urged.Data.GetProperty("supervision").GetProperty("unitCode").GetString(), urged.Data.GetProperty("escalationLevel").GetInt32()));

        // The street may not reply to the district's 督办; the district does, once; the same reply again is 200, another 409.
        var replyPath = $"/api/v1/alerts/{alertId}/reply";
        var reply = new { opId = "reply-4", number = 4, reply = "已责成街道两小时内处置" };
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, replyPath, await Api.TokenAsync(Http, "jinjiang.street.operator"), reply)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, replyPath, await Api.TokenAsync(Http, SystemFixture.SecondStreetOperator), reply)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, replyPath, await Api.TokenAsync(Http, "city.auditor"), reply)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, replyPath, token, new { opId = "reply-empty", number = 4, reply = "" })).Status);
        var (replied, answered) = await SendAsync(HttpMethod.Post, replyPath, token, reply);
        Assert.Equal(HttpStatusCode.OK, replied);
        Assert.Equal(("jinjiang.operator", reply.reply), (answered.GetProperty("repliedBy").GetString(), answered.GetProperty("reply").GetString()));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, replyPath, token, reply)).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, replyPath, token, new { opId = "reply-4b", number = 4, reply = "改口" })).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(HttpMethod.Post, replyPath, token, reply with { opId = "reply-99", number = 99 })).Status);
        var repliedEvent = await screen.ReceiveMatchingAsync(e => e.Type == "alert.supervision-replied" && e.Data.GetProperty("id").GetString() == alertId, "the reply on the screen", 15);
        Assert.False(repliedEvent.Data.GetProperty("supervision").TryGetProperty("reply", out _), "no free text on the hub");

        // Recorded durably: the case's detail shows the reply.
        var after = (await SendAsync(HttpMethod.Get, $"/api/v1/incidents/{caseId}", token)).Body.GetProperty("supervisions")[3];
        Assert.Equal((reply.reply, "jinjiang.operator"), (after.GetProperty("reply").GetString(), after.GetProperty("repliedBy").GetString()));
        var stored = await system.Db.RowsAsync("SELECT reply FROM alert_supervision WHERE id = @id", r => r.GetString(0), ("id", $"{alertId}-4"));
        Assert.Equal([reply.reply], stored);

        // The district acknowledges: the urging stops.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, $"/api/v1/alerts/{alertId}/ack", token, new { opId = "ack-urged" })).Status);
        var count = (await SendAsync(HttpMethod.Get, $"/api/v1/alerts/{alertId}", token)).Body.GetProperty("supervisionCount").GetInt32();
        await Consistently.HoldsAsync(async () => (await SendAsync(HttpMethod.Get, $"/api/v1/alerts/{alertId}", token)).Body.GetProperty("supervisionCount").GetInt32(),
            n => n == count, TimeSpan.FromSeconds(12), "no 督办 once acknowledged");
    }
}

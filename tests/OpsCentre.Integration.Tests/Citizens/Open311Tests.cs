using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpsCentre.Database.Registries;
using OpsCentre.Integration.Tests.Screens;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Citizens;

/// <summary>
/// The social service platform through the real gateway and silo: an Open311 client reports, operators take the case
/// through the loop, the resident follows it, rates it and asks to reopen it; the resident's contact stays private;
/// the public endpoints are limited per client address and per follow-up token.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class Open311Tests(SystemFixture system)
{
    private const string Phone = "13912345678";

    private HttpClient Http => system.Http;

    [Fact]
    public async Task AnOpen311ReportBecomesAReportedCaseAndItsRequestFollowsTheLoopToClosed()
    {
        var services = await Http.GetFromJsonAsync<JsonElement>("/open311/v2/services.json");
        var operatorToken = await Api.TokenAsync(Http, "jinjiang.operator");
        var categories = (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/incident-categories", operatorToken)).Body.GetProperty("items");
        Assert.Equal(categories.EnumerateArray().Select(c => c.GetProperty("code").GetString()), services.EnumerateArray().Select(s => s.GetProperty("service_code").GetString()));
        var service = services[0].GetProperty("service_code").GetString()!;
        var definition = await Http.GetFromJsonAsync<JsonElement>($"/open311/v2/services/{service}.json");
        Assert.Equal(service, definition.GetProperty("service_code").GetString());
        var unknown = await Http.GetAsync("/open311/v2/services/no-such-service.json");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(404, (await unknown.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("code").GetInt32());

        var worker = system.Fresh.Worker(within: "510104");
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, operatorToken);
        await screen.SubscribeAsync(worker.Grid[..12]);

        var (id, token) = await ReportAsync(service, worker.Lat, worker.Lon, "路灯不亮，晚上很黑");
        Assert.NotNull(token);

        // The operators see it in reported, from a citizen, waiting for 受理; the phone is nowhere in their read.
        var (status, detail) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{id}", operatorToken);
        Assert.Equal(HttpStatusCode.OK, status);
        var incident = detail.GetProperty("incident");
        Assert.Equal(("reported", "citizen", worker.Grid), (incident.GetProperty("stage").GetString(), incident.GetProperty("source").GetString(), incident.GetProperty("unitCode").GetString()));
        Assert.DoesNotContain(Phone, detail.GetRawText(), StringComparison.Ordinal);
        var (listed, page) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents?unit={worker.Grid}&stage=reported", operatorToken);
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Contains(page.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == id);

        // The contact is read masked, and the read is audited.
        var (_, contact) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{id}/resident-contact", operatorToken);
        Assert.Equal("139****5678", contact.GetProperty("phone").GetString());
        Assert.Equal("王**", contact.GetProperty("name").GetString());
        Assert.Single(await system.AuditAsync(id, "citizen.contact"));

        var request = await RequestAsync(id);
        Assert.Equal(("open", service), (request.GetProperty("status").GetString(), request.GetProperty("service_code").GetString()));
        Assert.Contains("reported", request.GetProperty("status_notes").GetString());
        // The stage's deadline, as PostgreSQL keeps it (to the microsecond).
        var deadline = incident.GetProperty("stageDeadline").GetDateTimeOffset();
        Assert.InRange(request.GetProperty("expected_datetime").GetDateTimeOffset(), deadline.AddMilliseconds(-1), deadline.AddMilliseconds(1));
        var district = (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/units/{worker.Grid[..6]}", operatorToken)).Body.GetProperty("name").GetString();
        Assert.Equal(district, request.GetProperty("agency_responsible").GetString());

        await DriveAsync(operatorToken, id, "accept", "dispatch");
        request = await RequestAsync(id);
        var community = (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/units/{worker.Grid[..12]}", operatorToken)).Body.GetProperty("name").GetString();
        Assert.Equal(("open", community), (request.GetProperty("status").GetString(), request.GetProperty("agency_responsible").GetString()));
        Assert.Contains("dispatched", request.GetProperty("status_notes").GetString());

        await DriveAsync(operatorToken, id, "start", "feedback", "verify-pass");
        request = await RequestAsync(id);
        Assert.Equal("closed", request.GetProperty("status").GetString());
        Assert.Contains("closed", request.GetProperty("status_notes").GetString());
        Assert.DoesNotContain(Phone, request.GetRawText(), StringComparison.Ordinal);

        var closed = await Http.GetFromJsonAsync<JsonElement>($"/open311/v2/requests.json?status=closed&service_code={service}");
        Assert.Contains(closed.EnumerateArray(), r => r.GetProperty("service_request_id").GetString() == id);
        var open = await Http.GetFromJsonAsync<JsonElement>($"/open311/v2/requests.json?status=open&service_code={service}");
        Assert.DoesNotContain(open.EnumerateArray(), r => r.GetProperty("service_request_id").GetString() == id);
        var badStatus = await Http.GetAsync("/open311/v2/requests.json?status=maybe");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);

        // The screen heard the whole loop, and never the phone; nor does any process's log hold it.
        var events = await screen.ReceiveAsync(6);
        Assert.Equal(["incident.reported", .. Enumerable.Repeat("incident.stage-changed", 5)], events.Where(e => e.Data.GetProperty("id").GetString() == id).Select(e => e.Type));
        Assert.All(events, e => Assert.DoesNotContain(Phone, e.Data.GetRawText(), StringComparison.Ordinal));
        var logs = await ProcessLogs.WhenAnyLineAsync(line => line.Contains(id, StringComparison.Ordinal), "a log line about the case");
        Assert.All(logs, log => Assert.DoesNotContain(Phone, log.Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUnsatisfiedResidentReopensTheClosedCaseAndItGoesBackToVerification()
    {
        var service = (await Http.GetFromJsonAsync<JsonElement>("/open311/v2/services.json"))[0].GetProperty("service_code").GetString()!;
        var worker = system.Fresh.Worker(within: "510104");
        var operatorToken = await Api.TokenAsync(Http, "jinjiang.operator");
        var (id, token) = await ReportAsync(service, worker.Lat, worker.Lon, "小区门口污水外溢");

        // Before closure nothing is rated; a wrong token is 404 like an unknown case.
        Assert.Equal(HttpStatusCode.Conflict, (await FollowUpAsync(id, "rating", token, new { rating = "unsatisfied" })).Status);
        await DriveAsync(operatorToken, id, "accept", "dispatch", "start", "feedback", "verify-pass");
        Assert.Equal(HttpStatusCode.NotFound, (await FollowUpAsync(id, "rating", "not-the-token", new { rating = "unsatisfied" })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await FollowUpAsync(id, "rating", token, new { rating = "so-so" })).Status);

        // Satisfied residents do not reopen; this one is not satisfied.
        var rated = await FollowUpAsync(id, "rating", token, new { rating = "unsatisfied", comment = "还是有味道" });
        Assert.True(rated.Status == HttpStatusCode.OK, rated.ToString());
        Assert.Equal(HttpStatusCode.Conflict, (await FollowUpAsync(id, "rating", token, new { rating = "satisfied" })).Status);
        var reopened = await FollowUpAsync(id, "reopen", token, new { reason = "污水仍在外溢" });
        Assert.True(reopened.Status == HttpStatusCode.OK, reopened.ToString());
        Assert.Equal("handled", reopened.Body.GetProperty("stage").GetString());

        var (_, detail) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{id}", operatorToken);
        Assert.Equal("handled", detail.GetProperty("incident").GetProperty("stage").GetString());
        var last = detail.GetProperty("timeline").EnumerateArray().Last();
        Assert.Equal(("reopen", "resident", "污水仍在外溢"), (last.GetProperty("action").GetString(), last.GetProperty("actor").GetString(), last.GetProperty("note").GetString()));
        var request = await RequestAsync(id);
        Assert.Equal("open", request.GetProperty("status").GetString());
        Assert.Contains("reopened", request.GetProperty("status_notes").GetString());

        // Once only; and the centre verifies it again as any handled case.
        Assert.Equal(HttpStatusCode.Conflict, (await FollowUpAsync(id, "reopen", token, new { reason = "again" })).Status);
        await DriveAsync(operatorToken, id, "verify-pass");
        Assert.Equal("closed", (await RequestAsync(id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task ResidentsRatingsAndReopensGiveTheirGridsSatisfactionAndReopenRatesInTheKpis()
    {
        var service = (await Http.GetFromJsonAsync<JsonElement>("/open311/v2/services.json"))[0].GetProperty("service_code").GetString()!;
        var worker = system.Fresh.Worker(within: "510104");
        var operatorToken = await Api.TokenAsync(Http, "jinjiang.operator");
        var period = $"from={Utc(DateTimeOffset.UtcNow.AddHours(-1))}&to={Utc(DateTimeOffset.UtcNow.AddHours(6))}";

        // Four residents' cases of one grid, one after another at one place (a closed case takes no supporters): rated
        // 满意, 基本满意, 不满意 then reopened, closed again and rated 不满意 again, and one never rated.
        foreach (var rating in new[] { "satisfied", "basically-satisfied", "unsatisfied", null })
        {
            var (id, token) = await ReportAsync(service, worker.Lat, worker.Lon, $"居民评价 {rating ?? "none"}");
            await DriveAsync(operatorToken, id, "accept", "dispatch", "start", "feedback", "verify-pass");
            if (rating is null)
            {
                continue;
            }

            var rated = await FollowUpAsync(id, "rating", token, new { rating });
            Assert.True(rated.Status == HttpStatusCode.OK, rated.ToString());
            if (rating == "unsatisfied")
            {
                var reopened = await FollowUpAsync(id, "reopen", token, new { reason = "没有修好" });
                Assert.True(reopened.Status == HttpStatusCode.OK, reopened.ToString());
                await DriveAsync(operatorToken, id, "verify-pass");
                var again = await FollowUpAsync(id, "rating", token, new { rating });
                Assert.True(again.Status == HttpStatusCode.OK, again.ToString());
            }
        }

        // An operator's case closed in the same grid counts in the closures, in neither residents' rate.
        var (created, body) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/incidents", await Api.TokenAsync(Http, "city.admin"),
            new { opId = $"kpi-{Guid.NewGuid():N}", category = service, urgency = "normal", description = "巡查发现", gridCode = worker.Grid });
        Assert.True(created == HttpStatusCode.Created, $"{created} {body}");
        await DriveAsync(operatorToken, body.GetProperty("id").GetString()!, "accept", "dispatch", "start", "feedback", "verify-pass");

        var (status, kpis) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/kpis?unit={worker.Grid}&{period}", operatorToken);
        Assert.True(status == HttpStatusCode.OK, $"{status} {kpis}");
        Assert.Equal((5L, 4L, 3L, 2L, 1L), (kpis.GetProperty("closed").GetInt64(), kpis.GetProperty("residentClosed").GetInt64(),
            kpis.GetProperty("rated").GetInt64(), kpis.GetProperty("satisfied").GetInt64(), kpis.GetProperty("reopened").GetInt64()));
        Assert.Equal(0.6667, kpis.GetProperty("satisfactionRate").GetDouble());   // 满意 + 基本满意 of three rated
        Assert.Equal(0.25, kpis.GetProperty("reopenRate").GetDouble());           // one of four residents' cases closed

        // The ranking of the community's grids and the export carry them too.
        var (_, ranking) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/kpis/ranking?unit={worker.Grid[..12]}&figure=reopenRate&{period}", operatorToken);
        var own = ranking.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("code").GetString() == worker.Grid);
        Assert.Equal(0.25, own.GetProperty("value").GetDouble());
        Assert.Equal(0.6667, own.GetProperty("figures").GetProperty("satisfactionRate").GetDouble());
        var (_, csv) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/kpis/export?unit={worker.Grid}&{period}", operatorToken);
        var lines = csv.GetString()!.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',').ToList();
        var row = lines[1].Split(',');
        Assert.Equal(("0.6667", "0.25"), (row[header.IndexOf("满意率 (satisfactionRate)")], row[header.IndexOf("重办率 (reopenRate)")]));
    }

    [Fact]
    public async Task TheSimulatorsResidentsReportThroughOpen311WhereItsWorkersAre()
    {
        // The simulator drives one grid's workers only (a grid no other test holds), and residents report where they are.
        var worker = system.Fresh.Worker(within: "510104");
        var operatorToken = await Api.TokenAsync(Http, "jinjiang.operator");
        var data = Path.Combine(Path.GetTempPath(), "opscentre-sim-residents-" + Guid.NewGuid().ToString("N")[..8]);
        await using var simulator = ChildProcess.Start("simulator-residents", RepositoryPaths.Output("tools/Simulator", "OpsCentre.Simulator"), new Dictionary<string, string>(),
            "--gateway", system.GatewayUrl.ToString(), "--user", "city.admin", "--password", SystemFixture.Password, "--data", data,
            "--unit", worker.Grid, "--rate", "1", "--residents", "20", "--duration", "90");

        var residents = new List<string>();
        await Eventually.HoldsAsync(async () =>
        {
            var (_, page) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents?unit={worker.Grid}", operatorToken);
            foreach (var id in page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).Except(residents))
            {
                var (_, detail) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{id}", operatorToken);
                Assert.Equal("citizen", detail.GetProperty("incident").GetProperty("source").GetString());
                residents.Add(id);
            }

            return residents.Count >= 2;
        }, TimeSpan.FromSeconds(80), "two residents' reports from the simulator in the grid", pollEvery: TimeSpan.FromSeconds(2));

        // Each is a resident's case as Open311 shows it.
        foreach (var id in residents)
        {
            Assert.Equal(id, (await RequestAsync(id)).GetProperty("service_request_id").GetString());
        }

        await simulator.StopAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task AReportWithAnAddressAloneIsPlacedThroughTheStandardAddresses()
    {
        var service = (await Http.GetFromJsonAsync<JsonElement>("/open311/v2/services.json"))[0].GetProperty("service_code").GetString()!;
        var worker = system.Fresh.Worker(within: "510104");
        var road = "测试" + Guid.NewGuid().ToString("N")[..6] + "路";
        var writer = new RegistryWriter(PersonalDataCipher.FromBase64(system.PersonalDataKey), TimeProvider.System);
        await using (var connection = await system.Db.OpenConnectionAsync())
        await using (var tx = await connection.BeginTransactionAsync())
        {
            var written = await writer.ApplyAsync(tx, new RegistryWrite(RegistryNames.Addresses, null, RegistryActions.Create,
                new JsonObject { ["unitCode"] = worker.Grid, ["road"] = road, ["number"] = "8号", ["building"] = "2栋", ["lat"] = worker.Lat, ["lon"] = worker.Lon },
                "civil-affairs", "test", DateTimeOffset.UtcNow, Guid.NewGuid().ToString()), default);
            Assert.True(written.IsApplied, written.Reason);
            await tx.CommitAsync();
        }

        // As a resident says it: the district first, spaces between the parts; no coordinates.
        var placed = await PostFormAsync(Http, new() { ["service_code"] = service, ["address_string"] = $"锦江区 {road} 8号 2栋", ["description"] = "楼道灯坏了" });
        Assert.True(placed.Status == HttpStatusCode.OK && placed.Body[0].GetProperty("follow_up_token").ValueKind == JsonValueKind.String, placed.ToString());
        var id = placed.Body[0].GetProperty("service_request_id").GetString()!;
        var request = await RequestAsync(id);
        Assert.Equal((worker.Lat, worker.Lon), (request.GetProperty("lat").GetDouble(), request.GetProperty("long").GetDouble()));
        var (_, view) = await Api.GetAsync(Http, "jinjiang.operator", $"/api/v1/incidents/{id}");
        Assert.Equal(worker.Grid, view.GetProperty("incident").GetProperty("unitCode").GetString());

        // An address the registry does not hold is still refused, nothing written.
        var unknown = await PostFormAsync(Http, new() { ["service_code"] = service, ["address_string"] = "不存在路999号", ["description"] = "无处可寻" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
    }

    [Fact]
    public async Task ASecondReportOfTheSameCategoryNearbyIsTheSameCaseWithASupporter()
    {
        var service = (await Http.GetFromJsonAsync<JsonElement>("/open311/v2/services.json"))[0].GetProperty("service_code").GetString()!;
        var worker = system.Fresh.Worker(within: "510104");
        var (id, _) = await ReportAsync(service, worker.Lat, worker.Lon, "井盖缺失");

        // About 20 m away: the same case, no token, counted as a supporter.
        var answer = await PostFormAsync(Http, new() { ["service_code"] = service, ["lat"] = Invariant(worker.Lat + 0.00018), ["long"] = Invariant(worker.Lon), ["description"] = "这里井盖没了" });
        Assert.True(answer.Status == HttpStatusCode.OK, answer.ToString());
        Assert.Equal(id, answer.Body[0].GetProperty("service_request_id").GetString());
        Assert.Contains(id, answer.Body[0].GetProperty("service_notice").GetString());
        Assert.Equal(JsonValueKind.Null, answer.Body[0].GetProperty("follow_up_token").ValueKind);
        Assert.Equal(1, (await RequestAsync(id)).GetProperty("supporters").GetInt32());
    }

    [Fact]
    public async Task AFloodFromOneAddressIsAnswered429WhileAnotherAddressAndTokenAreServed()
    {
        var (process, url) = system.StartGateway("gateway-public-limits", settings: new()
        {
            ["Limits__PublicPerAddressBurst"] = "5",
            ["Limits__PublicPerAddressPerMinute"] = "1",
            ["Limits__PublicPerTokenBurst"] = "2",
            ["Limits__PublicPerTokenPerMinute"] = "1",
        });
        using var first = From("127.0.0.2", url);
        using var second = From("127.0.0.3", url);
        using var third = From("127.0.0.4", url);
        try
        {
            await Eventually.HoldsAsync(async () => (await first.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "the limits gateway ready");
            var answers = new List<Api.Answer>();
            for (var i = 0; i < 8; i++)
            {
                answers.Add(await Api.AnswerOfAsync(first, new HttpRequestMessage(HttpMethod.Get, "/open311/v2/services.json")));
            }

            Assert.Equal(5, answers.Count(a => a.Status == HttpStatusCode.OK));
            Api.AssertRetryLater(answers[^1], HttpStatusCode.TooManyRequests, 1, 60);
            Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/open311/v2/services.json")).StatusCode);

            // One follow-up token is limited from whichever address it comes.
            var unknownCase = "510104-" + Guid.NewGuid().ToString("N");
            Assert.Equal(HttpStatusCode.NotFound, (await FollowUpAsync(second, unknownCase, "rating", "flood-token", new { rating = "satisfied" })).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await FollowUpAsync(second, unknownCase, "rating", "flood-token", new { rating = "satisfied" })).Status);
            Api.AssertRetryLater(await FollowUpAsync(third, unknownCase, "rating", "flood-token", new { rating = "satisfied" }), HttpStatusCode.TooManyRequests, 1, 60);
            Assert.Equal(HttpStatusCode.NotFound, (await FollowUpAsync(third, unknownCase, "rating", "another-token", new { rating = "satisfied" })).Status);
        }
        finally
        {
            await process.StopAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>A client whose connections come from <paramref name="localAddress"/> (a loopback address of its own), so the gateway sees another client address.</summary>
    private static HttpClient From(string localAddress, Uri gateway) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
            await socket.ConnectAsync(context.DnsEndPoint, ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };

    private async Task<(string Id, string? Token)> ReportAsync(string service, double lat, double lon, string description)
    {
        var answer = await PostFormAsync(Http, new()
        {
            ["service_code"] = service, ["lat"] = Invariant(lat), ["long"] = Invariant(lon), ["description"] = description,
            ["address_string"] = "测试路 1 号", ["phone"] = Phone, ["email"] = "resident@example.cn", ["first_name"] = "小明", ["last_name"] = "王",
        });
        Assert.True(answer.Status == HttpStatusCode.OK, answer.ToString());
        var created = answer.Body[0];
        Assert.DoesNotContain("same as", created.GetProperty("service_notice").GetString());
        return (created.GetProperty("service_request_id").GetString()!, created.GetProperty("follow_up_token").GetString());
    }

    private static Task<Api.Answer> PostFormAsync(HttpClient http, Dictionary<string, string> fields) =>
        Api.AnswerOfAsync(http, new HttpRequestMessage(HttpMethod.Post, "/open311/v2/requests.json") { Content = new FormUrlEncodedContent(fields) });

    private async Task<JsonElement> RequestAsync(string id)
    {
        using var response = await Http.GetAsync($"/open311/v2/requests/{id}.json");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, answer.GetArrayLength());
        return answer[0];
    }

    private Task<Api.Answer> FollowUpAsync(string id, string what, string? token, object body) => FollowUpAsync(Http, id, what, token, body);

    private static Task<Api.Answer> FollowUpAsync(HttpClient http, string id, string what, string? token, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/public/cases/{id}/{what}") { Content = JsonContent.Create(body) };
        request.Headers.TryAddWithoutValidation("X-Follow-Up-Token", token);
        return Api.AnswerOfAsync(http, request);
    }

    private async Task DriveAsync(string token, string id, params string[] actions)
    {
        foreach (var action in actions)
        {
            var (status, answer) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/incidents/{id}/actions", token,
                new { opId = $"{action}-{Guid.NewGuid():N}", action, note = "by the test" });
            Assert.True(status == HttpStatusCode.OK, $"{action}: {status} {answer}");
        }
    }

    private static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

    private static string Invariant(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

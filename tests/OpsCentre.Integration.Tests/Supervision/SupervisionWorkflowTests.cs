using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpsCentre.Integration.Tests.Screens;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Supervision;

/// <summary>
/// The supervision workflows of issue 29 (part 2) through the real gateway and silo on a real PostgreSQL: joint mediation,
/// drills, paper mode, the responsibility list and property companies.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class SupervisionWorkflowTests(SystemFixture system)
{
    private HttpClient Http => system.Http;

    private Task<string> TokenAsync(string username) => Api.TokenAsync(Http, username);

    private Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string token, object? body = null) =>
        Api.SendAsync(Http, method, path, token, body);

    private static string OpId(string what) => $"{what}-{Guid.NewGuid():N}";

    [Fact]
    public async Task TheReceivingDistrictReadsTheHandedOverPersonWhileTheRequestIsOpenAndIsToldOfIt()
    {
        var asking = await TokenAsync("jinjiang.operator");
        var receiving = await TokenAsync("qingyang.operator");
        var person = system.Fresh.KeyPerson(within: DemoUnits.Jinjiang);
        var toGrid = system.Fresh.Grid(within: "510105");
        var read = $"/api/v1/key-persons/{person.Id}?purpose=visit";
        async Task<long> ReadsVia(string handOver) => await system.Db.ScalarAsync<long>(
            "SELECT count(*) FROM audit_log WHERE actor = 'qingyang.operator' AND action = 'key-person.read' AND subject = @s AND detail LIKE '%via=hand-over:' || @h || '%'",
            ("s", person.Id), ("h", handOver));

        // Before any request the other district does not know of the person.
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, read, receiving)).Status);

        var (created, handOver) = await SendAsync(HttpMethod.Post, $"/api/v1/key-persons/{person.Id}/hand-overs", asking,
            new { opId = OpId("hand-over"), toGrid, reason = "迁居青羊区" });
        Assert.True(created == HttpStatusCode.Created, $"{created} {handOver}");
        var id = handOver.GetProperty("id").GetString()!;

        // While it is open the receiving district reads the record, masked by role like any read, audited as via the hand-over.
        var (status, record) = await SendAsync(HttpMethod.Get, read, receiving);
        Assert.True(status == HttpStatusCode.OK, $"{status} {record}");
        Assert.Equal(person.Grid, record.GetProperty("gridCode").GetString());
        Assert.Contains("*", record.GetProperty("name").GetString());
        Assert.Equal(1, await ReadsVia(id));

        // … and its own grid is told: the hand-over-received alert, in the receiving grid, about the request (no personal data).
        var told = await Api.AlertOfAsync(Http, receiving, toGrid, id);
        Assert.Equal(("hand-over-received", "hand-over"), (told.GetProperty("ruleId").GetString(), told.GetProperty("subject").GetProperty("kind").GetString()));
        Assert.Equal(toGrid, told.GetProperty("unitCode").GetString());

        // Once answered (refused: the person stays) the record is the requesting district's alone again, and the notice ends.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, $"/api/v1/hand-overs/{id}/refuse", receiving, new { note = "不符合接收条件" })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, read, receiving)).Status);
        Assert.Equal(1, await ReadsVia(id));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, read, asking)).Status);
        await Eventually.HoldsAsync(async () => (await SendAsync(HttpMethod.Get, $"/api/v1/alerts/{told.GetProperty("id").GetString()}", receiving)).Body
            .GetProperty("state").GetString() == "resolved", TimeSpan.FromSeconds(10), "the notice resolved once answered");
    }

    [Fact]
    public async Task AMediationClosesOnlyWhenEveryParticipatingDepartmentHasRecordedItsPart()
    {
        var mediator = await TokenAsync("jinjiang.operator");
        var police = await TokenAsync("jinjiang.cg.staff");   // 510104-CG's staff: records its own department's part only
        var grid = system.Fresh.Grid(within: DemoUnits.ThirdStreet);
        var open = new
        {
            opId = OpId("mediation"), unitCode = grid, title = "邻里漏水纠纷", description = "楼上漏水，双方协商不成",
            participants = new[] { new { department = "510104-CG", part = "现场勘查" }, new { department = "510104-GA", part = "治安调解" } },
        };
        var (created, mediation) = await SendAsync(HttpMethod.Post, "/api/v1/mediations", mediator, open);
        Assert.True(created == HttpStatusCode.Created, $"{created} {mediation}");
        var id = mediation.GetProperty("id").GetString()!;
        Assert.Equal("open", mediation.GetProperty("state").GetString());
        Assert.Equal(2, mediation.GetProperty("parts").GetArrayLength());

        // The same opId again answers the same case; another body under it is refused.
        var (again, same) = await SendAsync(HttpMethod.Post, "/api/v1/mediations", mediator, open);
        Assert.Equal((HttpStatusCode.Created, id), (again, same.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(HttpMethod.Post, "/api/v1/mediations", mediator, open with { title = "别的" })).Status);

        var session = await SendAsync(HttpMethod.Post, $"/api/v1/mediations/{id}/sessions", mediator,
            new { opId = OpId("session"), scheduledAt = DateTimeOffset.UtcNow.AddDays(1), place = "社区调解室" });
        Assert.Equal(HttpStatusCode.OK, session.Status);
        Assert.Equal(1, session.Body.GetProperty("sessions")[0].GetProperty("n").GetInt32());

        var close = new { opId = OpId("close"), outcome = "agreement", note = "达成协议" };
        var (refused, problem) = await SendAsync(HttpMethod.Post, $"/api/v1/mediations/{id}/close", mediator, close);
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.Contains("510104-CG", problem.GetProperty("detail").GetString());
        Assert.Contains("510104-GA", problem.GetProperty("detail").GetString());

        // A department records its own part, not another's.
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, $"/api/v1/mediations/{id}/parts/510104-GA", police,
            new { opId = OpId("part"), record = "不是我的" })).Status);
        var (recorded, afterOne) = await SendAsync(HttpMethod.Post, $"/api/v1/mediations/{id}/parts/510104-CG", police, new { opId = OpId("part"), record = "已勘查，漏水点在楼上卫生间" });
        Assert.True(recorded == HttpStatusCode.OK, $"{recorded} {afterOne}");

        // One part still missing: the close is refused again, naming only that department, and nothing changed.
        (refused, problem) = await SendAsync(HttpMethod.Post, $"/api/v1/mediations/{id}/close", mediator, close with { opId = OpId("close") });
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.DoesNotContain("510104-CG", problem.GetProperty("detail").GetString());
        Assert.Contains("510104-GA", problem.GetProperty("detail").GetString());
        Assert.Equal("open", (await SendAsync(HttpMethod.Get, $"/api/v1/mediations/{id}", mediator)).Body.GetProperty("state").GetString());

        // The mediator records the police station's part on its behalf; now the case closes.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, $"/api/v1/mediations/{id}/parts/510104-GA", mediator,
            new { opId = OpId("part"), record = "双方当面调解，同意赔偿" })).Status);
        var (closed, done) = await SendAsync(HttpMethod.Post, $"/api/v1/mediations/{id}/close", mediator, close with { opId = OpId("close") });
        Assert.True(closed == HttpStatusCode.OK, $"{closed} {done}");
        Assert.Equal(("closed", "agreement"), (done.GetProperty("state").GetString(), done.GetProperty("outcome").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"/api/v1/mediations/{id}/parts/510104-CG", police,
            new { opId = OpId("part"), record = "晚了" })).Status);

        // The KPIs per participating department count the case, each part on time, one agreement; department staff see their own row.
        var kpis = (await SendAsync(HttpMethod.Get, $"/api/v1/mediations/kpis?unit={grid}", mediator)).Body.GetProperty("items");
        Assert.Equal("510104-CG,510104-GA", string.Join(",", kpis.EnumerateArray().Select(k => k.GetProperty("departmentCode").GetString())));
        foreach (var row in kpis.EnumerateArray())
        {
            Assert.Equal((1, 1, 1, 1), (row.GetProperty("cases").GetInt64(), row.GetProperty("partsRecorded").GetInt64(), row.GetProperty("partsOnTime").GetInt64(),
                row.GetProperty("agreements").GetInt64()));
        }

        var own = (await SendAsync(HttpMethod.Get, $"/api/v1/mediations/kpis?unit={grid}", police)).Body.GetProperty("items");
        Assert.Equal("510104-CG", Assert.Single(own.EnumerateArray()).GetProperty("departmentCode").GetString());

        // Another street's centre does not know of it; an auditor has no mediation function.
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/v1/mediations/{id}", await TokenAsync(SystemFixture.SecondStreetOperator))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, $"/api/v1/mediations/{id}", await TokenAsync("city.auditor"))).Status);
    }

    [Fact]
    public async Task ADrillsCasesAppearMarkedAndAreAbsentFromTheKpis()
    {
        var token = await TokenAsync("jinjiang.operator");
        var grid = system.Fresh.Grid(within: DemoUnits.ThirdStreet);
        var street = grid[..9];
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, token);
        await screen.SubscribeAsync(street);
        var kpisBefore = (await SendAsync(HttpMethod.Get, $"/api/v1/kpis?unit={grid}", token)).Body;
        Assert.Equal(0, kpisBefore.GetProperty("count").GetInt64());

        var (started, drill) = await SendAsync(HttpMethod.Post, "/api/v1/drills", token, new
        {
            opId = OpId("drill"), unitCode = street, name = "防汛应急演练",
            cases = new[] { new { category = "public-safety", urgency = "urgent", description = "演练：路面积水", gridCode = grid } },
        });
        Assert.True(started == HttpStatusCode.Created, $"{started} {drill}");
        var drillId = drill.GetProperty("drill").GetProperty("id").GetString()!;
        var scripted = Assert.Single(drill.GetProperty("cases").EnumerateArray()).GetProperty("id").GetString()!;

        // Marked in the hub's payload, the case and the list.
        var reported = await screen.ReceiveMatchingAsync(e => e.Type == "incident.reported" && e.Data.GetProperty("id").GetString() == scripted, "the drill's case on the screen");
        Assert.True(reported.Data.GetProperty("drill").GetBoolean());
        Assert.Equal(drillId, reported.Data.GetProperty("drillId").GetString());
        Assert.True((await SendAsync(HttpMethod.Get, $"/api/v1/incidents/{scripted}", token)).Body.GetProperty("incident").GetProperty("drill").GetBoolean());

        var (created, answer) = await SendAsync(HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = OpId("drill-case"), category = "sanitation", urgency = "normal", description = "演练：垃圾堆放", gridCode = grid, drillId });
        Assert.True(created == HttpStatusCode.Created, $"{created} {answer}");
        var second = answer.GetProperty("id").GetString()!;
        var listed = (await SendAsync(HttpMethod.Get, $"/api/v1/incidents?unit={grid}", token)).Body.GetProperty("items").EnumerateArray().ToList();
        Assert.All(listed.Where(i => i.GetProperty("id").GetString() is { } x && (x == scripted || x == second)), i => Assert.True(i.GetProperty("drill").GetBoolean()));
        Assert.Equal(2, listed.Count(i => i.GetProperty("drill").GetBoolean()));

        // Absent from the KPIs; a real case in the same grid is counted.
        Assert.Equal(0, (await SendAsync(HttpMethod.Get, $"/api/v1/kpis?unit={grid}", token)).Body.GetProperty("count").GetInt64());
        var (real, realCase) = await SendAsync(HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = OpId("real-case"), category = "sanitation", urgency = "normal", description = "垃圾桶满溢", gridCode = grid });
        Assert.Equal(HttpStatusCode.Created, real);
        Assert.False((await SendAsync(HttpMethod.Get, $"/api/v1/incidents/{realCase.GetProperty("id").GetString()}", token)).Body.GetProperty("incident").GetProperty("drill").GetBoolean());
        Assert.Equal(1, (await SendAsync(HttpMethod.Get, $"/api/v1/kpis?unit={grid}", token)).Body.GetProperty("count").GetInt64());

        // A case under a drill outside the drill's unit is refused; clearing cancels the drill's cases and no more may be reported under it.
        var elsewhere = system.Fresh.Grid(within: DemoUnits.FirstStreet);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = OpId("drill-case"), category = "sanitation", urgency = "normal", description = "演练", gridCode = elsewhere, drillId })).Status);
        var (cleared, after) = await SendAsync(HttpMethod.Post, $"/api/v1/drills/{drillId}/clear", token, new { opId = OpId("clear") });
        Assert.True(cleared == HttpStatusCode.OK, $"{cleared} {after}");
        Assert.Equal("cleared", after.GetProperty("drill").GetProperty("state").GetString());
        Assert.All(after.GetProperty("cases").EnumerateArray(), c => Assert.Equal("cancelled", c.GetProperty("stage").GetString()));
        await screen.ReceiveMatchingAsync(e => e.Type == "incident.drill-cleared" && e.Data.GetProperty("id").GetString() == second, "the drill's clearing on the screen");
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = OpId("drill-case"), category = "sanitation", urgency = "normal", description = "演练", gridCode = grid, drillId })).Status);
        Assert.Equal(1, (await SendAsync(HttpMethod.Get, $"/api/v1/kpis?unit={grid}", token)).Body.GetProperty("count").GetInt64());

        // Community staff may not run drills.
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/api/v1/drills", await TokenAsync("jinjiang.community.staff"),
            new { opId = OpId("drill"), unitCode = DemoUnits.FirstCommunity, name = "x" })).Status);
    }

    [Fact]
    public async Task ADrillsScriptedPositionInAForbiddenPlaceRaisesADrillMarkedAlertCountedNowhereAndClearedWithTheDrill()
    {
        var token = await TokenAsync("jinjiang.operator");
        var person = system.Fresh.KeyPerson(within: DemoUnits.ThirdStreet);
        var street = person.Grid[..9];
        // The person's forbidden place, about 1.1 km north of home; the demo rule key-person-in-forbidden-place judges it (pending 1 min).
        const string rule = "key-person-in-forbidden-place";
        var (lat, lon) = (person.Lat + 0.01, person.Lon);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, $"/api/v1/key-persons/{person.Id}/zones", await TokenAsync("jinjiang.corrections.officer"),
            new { opId = OpId("zone"), name = "演练禁入区", lat, lon, radiusM = 200 })).Status);
        var band = (await Api.ProvisionDeviceAsync(Http, token, "wristband", person.Id)).DeviceId;
        async Task<(long Firing, long Abnormal)> CountersAsync()
        {
            var counters = (await SendAsync(HttpMethod.Get, $"/api/v1/units/{person.Grid}", token)).Body.GetProperty("counters");
            return (counters.GetProperty("alertsFiring").GetInt64(), counters.GetProperty("keyPersonsAbnormal").GetInt64());
        }

        var before = await CountersAsync();
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, token);
        await screen.SubscribeAsync(street);

        // Refused: a bad latitude (400 on the field), a device that is not a key person's within the unit (400, the same for an
        // unknown one), and — before any detail — a drill outside the caller's scope (404).
        object Start(object position) => new { opId = OpId("drill"), unitCode = street, name = "重点人员越界演练", positions = new[] { position } };
        var (badLat, badLatBody) = await SendAsync(HttpMethod.Post, "/api/v1/drills", token, Start(new { deviceId = band, lat = 91.0, lon }));
        Assert.Equal(HttpStatusCode.BadRequest, badLat);
        Assert.True(badLatBody.GetProperty("errors").TryGetProperty("positions[0].lat", out _), badLatBody.ToString());
        var (unknown, unknownBody) = await SendAsync(HttpMethod.Post, "/api/v1/drills", token, Start(new { deviceId = "dev-unknown", lat, lon }));
        Assert.Equal(HttpStatusCode.BadRequest, unknown);
        Assert.True(unknownBody.GetProperty("errors").TryGetProperty("positions[0].deviceId", out _), unknownBody.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, "/api/v1/drills", await TokenAsync("qingyang.operator"),
            Start(new { deviceId = "dev-unknown", lat, lon }))).Status);

        var (started, drill) = await SendAsync(HttpMethod.Post, "/api/v1/drills", token, Start(new { deviceId = band, lat, lon }));
        Assert.True(started == HttpStatusCode.Created, $"{started} {drill}");
        var drillId = drill.GetProperty("drill").GetProperty("id").GetString()!;

        // The scripted position is judged by the person's zone rule: pending at once, firing once its minute has passed (the person's
        // own wake-up judges the drill's position again) — a critical alert, marked as the drill's on the screen, in its detail and the list.
        bool OfTheDrill(ScreenClient.Envelope e) => e.Data.GetProperty("ruleId").GetString() == rule && e.Data.GetProperty("subject").GetProperty("id").GetString() == person.Id;
        var pending = await screen.ReceiveMatchingAsync(e => e.Type == "alert.pending" && OfTheDrill(e), "the drill's alert pending on the screen");
        Assert.True(pending.Data.GetProperty("drill").GetBoolean());
        var raised = await screen.ReceiveMatchingAsync(e => e.Type == "alert.raised" && OfTheDrill(e), "the drill's alert firing on the screen", timeoutSeconds: 100);
        Assert.True(raised.Data.GetProperty("drill").GetBoolean());
        Assert.Equal(drillId, raised.Data.GetProperty("drillId").GetString());
        var alertId = raised.Data.GetProperty("id").GetString()!;
        var (_, detail) = await SendAsync(HttpMethod.Get, $"/api/v1/alerts/{alertId}", token);
        Assert.Equal(("firing", drillId), (detail.GetProperty("state").GetString(), detail.GetProperty("drillId").GetString()));
        // Found by its id: the scripted position may also take the person out of their allowed area, a second drill alert about them.
        var listed = await Eventually.HoldsAsync(
            async () => (await SendAsync(HttpMethod.Get, $"/api/v1/alerts?unit={person.Grid}", token)).Body.GetProperty("items").EnumerateArray()
                .FirstOrDefault(a => a.GetProperty("id").GetString() == alertId),
            a => a.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(10), "the drill's alert listed");
        Assert.Equal((true, drillId), (listed.GetProperty("drill").GetBoolean(), listed.GetProperty("drillId").GetString()));

        // Counted nowhere: neither the grid's firing alerts nor its abnormal persons move; the device's real position is not the drill's.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(before, await CountersAsync());
        var (_, health) = await SendAsync(HttpMethod.Get, $"/api/v1/key-persons/{person.Id}?purpose=correction", await TokenAsync("jinjiang.corrections.officer"));
        Assert.NotEqual(lat, health.TryGetProperty("lat", out var seenLat) && seenLat.ValueKind == JsonValueKind.Number ? seenLat.GetDouble() : (double?)null);

        // Cleared with the drill.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, $"/api/v1/drills/{drillId}/clear", token, new { opId = OpId("clear") })).Status);
        await screen.ReceiveMatchingAsync(e => e.Type == "alert.resolved" && e.Data.GetProperty("id").GetString() == alertId, "the drill's alert resolved by the clearing");
        Assert.Equal(before, await CountersAsync());
    }

    [Fact]
    public async Task BackEnteredPaperRecordsKeepTheirOriginalDates()
    {
        var clerk = await TokenAsync("jinjiang.street.operator");
        var grid = system.Fresh.Grid(within: DemoUnits.FirstStreet);

        // The forms print from the system: the registration form with the grid's addresses, the summary with its figures.
        using (var request = Api.Authorized(HttpMethod.Get, $"/api/v1/paper-forms/{grid}?form=registration", clerk))
        using (var response = await Http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains("实有人口登记表", html);
            Assert.Contains($"DJ-{grid}-", html);
        }

        var written = new DateTimeOffset(DateTimeOffset.UtcNow.AddDays(-40).Date, TimeSpan.Zero).AddHours(2);   // the date on the paper
        var body = new
        {
            opId = OpId("paper"), gridCode = grid, registry = "address", action = "create",
            data = new { unitCode = grid, road = "纸质路", number = "12号" }, collectedAt = written, paperForm = $"DJ-{grid}-20261020",
        };
        var (created, accepted) = await SendAsync(HttpMethod.Post, "/api/v1/collections/paper", clerk, body);
        Assert.True(created == HttpStatusCode.Created, $"{created} {accepted}");
        var id = accepted.GetProperty("id").GetString()!;
        Assert.Equal(("pending", "paper"), (accepted.GetProperty("state").GetString(), accepted.GetProperty("channel").GetString()));
        Assert.Equal(id, (await SendAsync(HttpMethod.Post, "/api/v1/collections/paper", clerk, body)).Body.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, "/api/v1/collections/paper", clerk,
            body with { opId = OpId("paper"), collectedAt = DateTimeOffset.UtcNow.AddDays(2) })).Status);

        using (var request = Api.Authorized(HttpMethod.Get, $"/api/v1/paper-forms/{grid}?form=summary", clerk))
        using (var response = await Http.SendAsync(request))
        {
            Assert.Contains("""data-field="Paper records pending review">1<""", await response.Content.ReadAsStringAsync());
        }

        var record = (await SendAsync(HttpMethod.Get, $"/api/v1/collections/{id}", clerk)).Body;
        Assert.Equal(written, record.GetProperty("collectedAt").GetDateTimeOffset());
        Assert.True(record.GetProperty("receivedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        Assert.Equal("jinjiang.street.operator", record.GetProperty("enteredBy").GetString());

        var (approved, review) = await SendAsync(HttpMethod.Post, $"/api/v1/collections/{id}/approve", await TokenAsync("jinjiang.operator"), new { opId = OpId("approve") });
        Assert.True(approved == HttpStatusCode.OK, $"{approved} {review}");
        var address = review.GetProperty("recordId").GetString()!;

        // The registry row keeps the paper's date and says where it came from.
        var (collectedAt, channel) = await system.Db.ScalarAsync<string>(
            "SELECT to_char(collected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || '|' || (provenance -> 'road' ->> 'channel') FROM registry_address WHERE id = @id", ("id", address)) is var s
            ? (s.Split('|')[0], s.Split('|')[1]) : default;
        Assert.Equal((written.ToString("yyyy-MM-dd HH:mm"), "paper"), (collectedAt, channel));
        var row = (await SendAsync(HttpMethod.Get, $"/api/v1/registry/address/{address}", clerk)).Body;
        Assert.Contains("paper", row.GetRawText());
    }

    [Fact]
    public async Task TheResponsibilityListDispatchesInOneStepOrByItselfAndKeepsItsVersions()
    {
        var token = await TokenAsync("jinjiang.operator");
        var grid = system.Fresh.Grid(within: DemoUnits.ThirdStreet);
        var before = await SendAsync(HttpMethod.Get, "/api/v1/responsibility-list/510104", token);
        var entries = new[]
        {
            new { category = "sanitation", placeCode = grid, responsibleCode = "510104-CG", auto = false },
            new { category = "facilities", placeCode = grid, responsibleCode = "510104-GA", auto = true },
        };
        var (published, list) = await SendAsync(HttpMethod.Put, "/api/v1/responsibility-list/510104", token, new { opId = OpId("list"), note = "试行", entries });
        Assert.True(published == HttpStatusCode.OK, $"{published} {list}");
        var version = list.GetProperty("version").GetInt32();
        Assert.Equal(before.Status == HttpStatusCode.OK ? before.Body.GetProperty("version").GetInt32() + 1 : 1, version);
        var (refused, problem) = await SendAsync(HttpMethod.Put, "/api/v1/responsibility-list/510104", token,
            new { opId = OpId("list"), entries = new[] { new { category = "sanitation", placeCode = grid, responsibleCode = "510105-CG", auto = false } } });
        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.True(problem.GetProperty("errors").TryGetProperty("entries[0].responsibleCode", out _), problem.GetRawText());
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Put, "/api/v1/responsibility-list/510104", await TokenAsync("jinjiang.cg.staff"),
            new { opId = OpId("list"), entries })).Status);

        // 受理 in one step: accepted and dispatched to the list's department, as the caller.
        var (_, reported) = await SendAsync(HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = OpId("case"), category = "sanitation", urgency = "normal", description = "垃圾堆放", gridCode = grid });
        Assert.Equal("reported", reported.GetProperty("stage").GetString());
        var id = reported.GetProperty("id").GetString()!;
        var (dispatched, view) = await SendAsync(HttpMethod.Post, $"/api/v1/incidents/{id}/dispatch-by-list", token, new { opId = OpId("by-list") });
        Assert.True(dispatched == HttpStatusCode.OK, $"{dispatched} {view}");
        Assert.Equal(("dispatched", "510104-CG"), (view.GetProperty("stage").GetString(), view.GetProperty("responsibleCode").GetString()));
        var timeline = (await SendAsync(HttpMethod.Get, $"/api/v1/incidents/{id}", token)).Body.GetProperty("timeline").EnumerateArray().ToList();
        Assert.Equal("report,accept,dispatch", string.Join(",", timeline.Select(t => t.GetProperty("action").GetString())));
        Assert.All(timeline.Skip(1), t => Assert.Equal("jinjiang.operator", t.GetProperty("actor").GetString()));

        // An auto entry dispatches a new case by itself.
        var (_, auto) = await SendAsync(HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = OpId("case"), category = "facilities", urgency = "normal", description = "井盖缺失", gridCode = grid });
        Assert.Equal("dispatched", auto.GetProperty("stage").GetString());
        var autoCase = (await SendAsync(HttpMethod.Get, $"/api/v1/incidents/{auto.GetProperty("id").GetString()}", token)).Body;
        Assert.Equal("510104-GA", autoCase.GetProperty("incident").GetProperty("responsibleCode").GetString());
        Assert.Equal("responsibility-list", autoCase.GetProperty("timeline")[2].GetProperty("actor").GetString());

        // A category the list does not name here: 422, and the case stays as it was.
        var (_, other) = await SendAsync(HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = OpId("case"), category = "public-safety", urgency = "normal", description = "占道", gridCode = grid });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(HttpMethod.Post, $"/api/v1/incidents/{other.GetProperty("id").GetString()}/dispatch-by-list", token,
            new { opId = OpId("by-list") })).Status);

        // A new version replaces the list; the old one stays readable.
        var (_, next) = await SendAsync(HttpMethod.Put, "/api/v1/responsibility-list/510104", token, new { opId = OpId("list"), note = "修订", entries = entries[..1] });
        Assert.Equal(version + 1, next.GetProperty("version").GetInt32());
        Assert.Equal(2, (await SendAsync(HttpMethod.Get, $"/api/v1/responsibility-list/510104?version={version}", token)).Body.GetProperty("entries").GetArrayLength());
        Assert.Equal(1, (await SendAsync(HttpMethod.Get, "/api/v1/responsibility-list/510104", token)).Body.GetProperty("entries").GetArrayLength());
    }

    [Fact]
    public async Task ANullItemOrAnotherDistrictsListIsTheClientsMistakeNotAServerError()
    {
        var token = await TokenAsync("jinjiang.operator");
        var grid = system.Fresh.Grid(within: DemoUnits.ThirdStreet);
        async Task<(HttpStatusCode Status, JsonElement Body)> RawAsync(HttpMethod method, string path, string json)
        {
            using var request = Api.Authorized(method, path, token);
            request.Content = Api.Raw(json);
            using var response = await Http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
        }

        // A null where an entry, a participant or a scripted case goes: 400 on the list, nothing written.
        var (list, listProblem) = await RawAsync(HttpMethod.Put, "/api/v1/responsibility-list/510104", $$"""{"opId":"{{OpId("list")}}","entries":[null]}""");
        Assert.True(list == HttpStatusCode.BadRequest && listProblem.GetProperty("errors").TryGetProperty("entries", out _), $"{list} {listProblem}");
        var (mediation, mediationProblem) = await RawAsync(HttpMethod.Post, "/api/v1/mediations",
            $$"""{"opId":"{{OpId("mediation")}}","unitCode":"{{grid}}","title":"纠纷","participants":[null,null]}""");
        Assert.True(mediation == HttpStatusCode.BadRequest && mediationProblem.GetProperty("errors").TryGetProperty("participants", out _), $"{mediation} {mediationProblem}");
        var (drill, drillProblem) = await RawAsync(HttpMethod.Post, "/api/v1/drills", $$"""{"opId":"{{OpId("drill")}}","unitCode":"{{grid}}","name":"演练","cases":[null]}""");
        Assert.True(drill == HttpStatusCode.BadRequest && drillProblem.GetProperty("errors").TryGetProperty("cases", out _), $"{drill} {drillProblem}");
        Assert.Equal(0, (await SendAsync(HttpMethod.Get, $"/api/v1/drills?unit={grid}", token)).Body.GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await SendAsync(HttpMethod.Get, $"/api/v1/mediations?unit={grid}", token)).Body.GetProperty("items").GetArrayLength());

        // Another district's list is not found, whatever its entries say (they are not checked against that district's departments).
        var (other, otherBody) = await RawAsync(HttpMethod.Put, "/api/v1/responsibility-list/510105",
            $$"""{"opId":"{{OpId("list")}}","entries":[{"category":"sanitation","placeCode":"510105","responsibleCode":"510105-XX","auto":false}]}""");
        Assert.True(other == HttpStatusCode.NotFound, $"{other} {otherBody}");
    }

    [Fact]
    public async Task ThePropertyCompanyRankingCountsTheCasesOfTheCompoundsItManages()
    {
        var token = await TokenAsync("jinjiang.operator");
        var worker = system.Fresh.Worker(within: DemoUnits.ThirdStreet);
        var community = worker.Grid[..12];
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var (address, compound, company) = ("addr-pc-" + suffix, "place-pc-" + suffix, "org-pc-" + suffix);
        await system.Db.ExecuteAsync(
            """
            INSERT INTO registry_address (id, unit_code, road, number, lat, lon, source, collected_by, collected_at, version)
            VALUES (@address, @grid, '锦华路', '8号', @lat, @lon, 'civil-affairs', 'census', now() - interval '1 year', 1);
            INSERT INTO registry_key_place (id, unit_code, name, kind, civil_defence, physical_defence, technical_defence, address_id, source, collected_by, collected_at, version)
            VALUES (@place, @grid, '锦华苑小区', 'compound', 'met', 'met', 'met', @address, 'public-security', 'police-station', now() - interval '1 year', 1);
            INSERT INTO registry_organisation (id, unit_code, name, kind, source, collected_by, collected_at, version)
            VALUES (@company, @grid, '锦华物业服务有限公司', 'property-management', 'market-regulator', 'licence', now() - interval '1 year', 1);
            """, ("address", address), ("place", compound), ("company", company), ("grid", worker.Grid), ("lat", worker.Lat), ("lon", worker.Lon));

        var (linked, companies) = await SendAsync(HttpMethod.Post, $"/api/v1/property-companies/{company}/compounds", token, new { opId = OpId("link"), placeId = compound, radiusM = 300 });
        Assert.True(linked == HttpStatusCode.OK, $"{linked} {companies}");
        Assert.Equal(compound, companies[0].GetProperty("compounds")[0].GetProperty("placeId").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(HttpMethod.Post, $"/api/v1/property-companies/{company}/compounds", token,
            new { opId = OpId("link"), placeId = address })).Status);

        // Two cases in the compound (about 50 m from its address), one elsewhere in the district, one a drill's.
        foreach (var (lat, lon) in new[] { (worker.Lat + 0.0004, worker.Lon), (worker.Lat, worker.Lon + 0.0003) })
        {
            Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/api/v1/incidents", token,
                new { opId = OpId("case"), category = "property-complaint", urgency = "normal", description = "电梯故障", lat, lon })).Status);
        }

        var far = system.Fresh.Worker(within: DemoUnits.FirstStreet);
        Assert.Equal(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = OpId("case"), category = "sanitation", urgency = "normal", description = "别处", lat = far.Lat, lon = far.Lon })).Status);

        var ranking = (await SendAsync(HttpMethod.Get, $"/api/v1/property-companies/ranking?unit={community}", token)).Body;
        var row = Assert.Single(ranking.GetProperty("items").EnumerateArray(), i => i.GetProperty("figures").GetProperty("id").GetString() == company);
        var figures = row.GetProperty("figures");
        Assert.Equal((1, 2, 2, 2), (figures.GetProperty("compounds").GetInt64(), figures.GetProperty("cases").GetInt64(), figures.GetProperty("open").GetInt64(),
            figures.GetProperty("complaints").GetInt64()));
        Assert.Equal(2.0, figures.GetProperty("casesPerCompound").GetDouble());
        Assert.True(row.GetProperty("rank").GetInt32() >= 1);

        // Out of the caller's scope: 404.
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/v1/property-companies/ranking?unit={community}",
            await TokenAsync(SystemFixture.SecondStreetOperator))).Status);
    }
}

using OpsCentre.Testing;
using System.Net;
using System.Text.Json;
using OpsCentre.Integration.Tests.Screens;

namespace OpsCentre.Integration.Tests.Incidents;

/// <summary>The closed loop through the real gateway and silo: the HTTP API, a subscribed screen, the KPIs and a worker's device.</summary>
[Collection(nameof(SystemCollection))]
public sealed class IncidentsApiTests(SystemFixture system)
{
    private HttpClient Http => system.Http;

    private Task<string> TokenAsync(string username) => Api.TokenAsync(Http, username);

    private Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string token, object? body = null) =>
        Api.SendAsync(Http, method, path, token, body);

    private async Task<JsonElement> ActAsync(string token, string id, string action, object? extra = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = new Dictionary<string, object?> { ["opId"] = $"{action}-{Guid.NewGuid():N}", ["action"] = action, ["note"] = "by the test" };
        foreach (var property in extra?.GetType().GetProperties() ?? [])
        {
            body[property.Name] = property.GetValue(extra);
        }

        var (status, answer) = await SendAsync(HttpMethod.Post, $"/api/v1/incidents/{id}/actions", token, body);
        Assert.True(status == expected, $"{action}: {status} {answer}");
        return answer;
    }

    [Fact]
    public async Task ACaseReportedThroughTheApiMovesThroughTheLoopItsEventsReachAScreenAndTheKpisAgree()
    {
        var token = await TokenAsync("jinjiang.operator");
        var grid = system.Fresh.Grid(within: DemoUnits.ThirdStreet);
        var street = grid[..9];
        var kpisBefore = (await SendAsync(HttpMethod.Get, $"/api/v1/kpis?unit={street}", token)).Body;
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, token);
        await screen.SubscribeAsync(street);

        var report = new { opId = "report-1", category = "sanitation", urgency = "normal", description = "垃圾桶满溢", gridCode = grid };
        var (created, answer) = await SendAsync(HttpMethod.Post, "/api/v1/incidents", token, report);
        Assert.Equal(HttpStatusCode.Created, created);
        var id = answer.GetProperty("id").GetString()!;
        Assert.Equal((grid, "reported"), (answer.GetProperty("unitCode").GetString(), answer.GetProperty("stage").GetString()));
        Assert.True(answer.GetProperty("deadline").GetDateTimeOffset() > DateTimeOffset.UtcNow);

        // The same opId again: the original answer. With another body: 422.
        var (again, same) = await SendAsync(HttpMethod.Post, "/api/v1/incidents", token, report);
        Assert.Equal((HttpStatusCode.Created, id), (again, same.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendAsync(HttpMethod.Post, "/api/v1/incidents", token, report with { description = "别的" })).Status);

        // The district's centre reported the case, so it may not verify it: the city's admin does (SeparationOfDutiesTests).
        await ActAsync(token, id, "start", expected: HttpStatusCode.Conflict);
        var verifier = await TokenAsync("city.admin");
        foreach (var (action, by) in new[] { ("accept", token), ("dispatch", token), ("start", token), ("feedback", token), ("verify-fail", verifier), ("feedback", token), ("verify-pass", verifier) })
        {
            await ActAsync(by, id, action);
        }

        var events = await screen.ReceiveAsync(8);
        Assert.Equal(["incident.reported", .. Enumerable.Repeat("incident.stage-changed", 7)], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal(id, e.Data.GetProperty("id").GetString()));
        Assert.Equal("closed", events[^1].Data.GetProperty("stage").GetString());

        var (_, detail) = await SendAsync(HttpMethod.Get, $"/api/v1/incidents/{id}", token);
        Assert.Equal(8, detail.GetProperty("timeline").GetArrayLength());
        Assert.Equal(1, detail.GetProperty("incident").GetProperty("reworkCount").GetInt32());

        var kpis = (await SendAsync(HttpMethod.Get, $"/api/v1/kpis?unit={street}", token)).Body;
        Assert.Equal(kpisBefore.GetProperty("count").GetInt64() + 1, kpis.GetProperty("count").GetInt64());

        // The street's KPI tile on the screen catches up within a few seconds. A tile computed while the case was
        // still open counts it too, with a closure rate of 0; the tile waited for is the one that agrees with the API.
        var tile = await screen.LiveItemAsync(i => i.GetProperty("kind").GetString() == "kpi" && i.GetProperty("id").GetString() == street
            && i.GetProperty("count").GetInt64() == kpis.GetProperty("count").GetInt64() && i.GetProperty("closureRate").ValueKind == JsonValueKind.Number
            && i.GetProperty("closureRate").GetDouble() == kpis.GetProperty("closureRate").GetDouble());
        Assert.Equal(kpis.GetProperty("onTimeClosureRate").ValueKind, tile.GetProperty("onTimeClosureRate").ValueKind);
        var (listed, page) = await SendAsync(HttpMethod.Get, $"/api/v1/incidents?unit={street}&stage=closed", token);
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Contains(page.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == id);
    }

    private static readonly string[] StageCounters = ["incidentsReported", "incidentsAccepted", "incidentsDispatched", "incidentsInProgress", "incidentsHandled"];

    /// <summary>The open cases by stage of a unit, as its live counters give them (reported … handled).</summary>
    private async Task<long[]> StageCountersAsync(string unit, string token)
    {
        var counters = (await SendAsync(HttpMethod.Get, $"/api/v1/units/{unit}", token)).Body.GetProperty("counters");
        return [.. StageCounters.Select(name => counters.GetProperty(name).GetInt64())];
    }

    [Fact]
    public async Task AUnitCountsItsOpenCasesByStageAndTheListIsNewestReportedFirstFilteredBySourceAndPeriod()
    {
        var token = await TokenAsync("jinjiang.operator");
        var verifier = await TokenAsync("city.admin");
        var grid = system.Fresh.Grid(within: DemoUnits.ThirdStreet);
        var community = grid[..12];
        Assert.Equal(new long[] { 0, 0, 0, 0, 0 }, await StageCountersAsync(grid, token));

        var ids = new List<string>();
        foreach (var n in Enumerable.Range(0, 3))
        {
            var (created, answer) = await SendAsync(HttpMethod.Post, "/api/v1/incidents", token,
                new { opId = Guid.NewGuid().ToString("N"), category = "sanitation", urgency = "normal", description = $"排序 {n}", gridCode = grid });
            Assert.Equal(HttpStatusCode.Created, created);
            ids.Add(answer.GetProperty("id").GetString()!);
        }

        // Each open case counts once, in its stage, in its grid and every unit above; closing retires it.
        async Task ExpectAsync(long[] expected)
        {
            Assert.Equal(expected, await Eventually.HoldsAsync(() => StageCountersAsync(community, token), c => c.SequenceEqual(expected), TimeSpan.FromSeconds(5),
                "the community counts the open cases by stage"));
            Assert.Equal(expected, await StageCountersAsync(grid, token));
        }

        await ExpectAsync([3, 0, 0, 0, 0]);
        await ActAsync(token, ids[0], "accept");
        await ActAsync(token, ids[1], "accept");
        await ActAsync(token, ids[1], "dispatch");
        await ExpectAsync([1, 1, 1, 0, 0]);
        foreach (var (action, by) in new[] { ("start", token), ("feedback", token) })
        {
            await ActAsync(by, ids[1], action);
        }

        await ExpectAsync([1, 1, 0, 0, 1]);
        await ActAsync(verifier, ids[1], "verify-pass");
        await ActAsync(verifier, ids[2], "cancel");
        await ExpectAsync([0, 1, 0, 0, 0]);

        // Newest reported first, page by page through the keyset cursor, none twice.
        var (_, first) = await SendAsync(HttpMethod.Get, $"/api/v1/incidents?unit={grid}&limit=2", token);
        var next = first.GetProperty("next").GetString();
        Assert.NotNull(next);
        var (_, second) = await SendAsync(HttpMethod.Get, $"/api/v1/incidents?unit={grid}&limit=2&after={Uri.EscapeDataString(next)}", token);
        var listed = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(i => i.GetProperty("id").GetString()).ToList();
        Assert.Equal([ids[2], ids[1], ids[0]], listed);
        Assert.All(first.GetProperty("items").EnumerateArray(), i => Assert.Equal("operator", i.GetProperty("source").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, $"/api/v1/incidents?unit={grid}&after={ids[0]}", token)).Status);

        // By source and by the period reported in.
        Assert.Equal(3, (await SendAsync(HttpMethod.Get, $"/api/v1/incidents?unit={grid}&source=operator", token)).Body.GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await SendAsync(HttpMethod.Get, $"/api/v1/incidents?unit={grid}&source=citizen", token)).Body.GetProperty("items").GetArrayLength());
        var hourAgo = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"));
        var inAnHour = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToOffset(TimeSpan.FromHours(8)).ToString("O"));
        Assert.Equal(3, (await SendAsync(HttpMethod.Get, $"/api/v1/incidents?unit={grid}&from={hourAgo}&to={inAnHour}", token)).Body.GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await SendAsync(HttpMethod.Get, $"/api/v1/incidents?unit={grid}&to={hourAgo}", token)).Body.GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, $"/api/v1/incidents?unit={grid}&source=fax", token)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, $"/api/v1/incidents?unit={grid}&from={inAnHour}&to={hourAgo}", token)).Status);
    }

    [Fact]
    public async Task CommunityStaffGet404ForAnotherCommunitysCase()
    {
        var token = await TokenAsync("jinjiang.operator");
        var otherCommunity = system.Fresh.Grid(within: DemoUnits.FirstStreet, where: g => !g.StartsWith(DemoUnits.FirstCommunity, StringComparison.Ordinal));
        var (_, answer) = await SendAsync(HttpMethod.Post, "/api/v1/incidents", token, new { opId = "report-2", category = "facilities", urgency = "urgent", description = "路灯损坏", gridCode = otherCommunity });
        var id = answer.GetProperty("id").GetString()!;

        var staff = await TokenAsync("jinjiang.community.staff");   // FirstCommunity
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/v1/incidents/{id}", staff)).Status);
        await ActAsync(staff, id, "accept", expected: HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/v1/incidents/{id}", await TokenAsync("jinjiang.street.operator"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/api/v1/incidents", await TokenAsync("city.auditor"),
            new { opId = "a", category = "facilities", urgency = "normal", description = "x", gridCode = otherCommunity })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = "b", category = "weather", urgency = "soon", description = "", lat = 95.0, lon = 104.0 })).Status);
    }

    [Fact]
    public async Task ACaseDispatchedToAWorkerIsOnTheirDeviceAndTheyFeedBackFromIt()
    {
        var token = await TokenAsync("jinjiang.operator");
        var worker = system.Fresh.Worker(within: DemoUnits.SecondStreet);
        var (deviceId, key) = await Api.ProvisionDeviceAsync(Http, token, "worker-phone", worker.Id);
        var (_, answer) = await SendAsync(HttpMethod.Post, "/api/v1/incidents", token, new { opId = "report-3", category = "property-complaint", urgency = "normal", description = "电梯故障", lat = worker.Lat, lon = worker.Lon });
        var id = answer.GetProperty("id").GetString()!;
        Assert.Equal(worker.Grid, answer.GetProperty("unitCode").GetString());
        await ActAsync(token, id, "accept");
        await ActAsync(token, id, "dispatch", new { unitCode = worker.Grid, workerId = worker.Id });

        async Task<JsonElement> DeviceAsync(HttpMethod method, string path, object? body = null)
        {
            var (status, answer) = await Api.DeviceSendAsync(Http, method, path, key, body);
            Assert.True((int)status is >= 200 and < 300, $"{path}: {status}");
            return answer;
        }

        var tasks = await DeviceAsync(HttpMethod.Get, "/api/v1/device/tasks");
        Assert.Contains(tasks.GetProperty("items").EnumerateArray(), t => t.GetProperty("id").GetString() == id && t.GetProperty("kind").GetString() == "incident");
        await DeviceAsync(HttpMethod.Post, $"/api/v1/device/incidents/{id}/actions", new { opId = "d1", action = "start" });
        var handled = await DeviceAsync(HttpMethod.Post, $"/api/v1/device/incidents/{id}/actions", new { opId = "d2", action = "feedback", note = "已修复" });
        Assert.Equal("handled", handled.GetProperty("stage").GetString());
        Assert.DoesNotContain((await DeviceAsync(HttpMethod.Get, "/api/v1/device/tasks")).GetProperty("items").EnumerateArray(), t => t.GetProperty("id").GetString() == id);
        var kpis = (await SendAsync(HttpMethod.Get, $"/api/v1/kpis?worker={worker.Id}", token)).Body;
        Assert.Equal(1, kpis.GetProperty("count").GetInt64());

        // The worker reports from the phone (上报) …
        var fromPhone = await DeviceAsync(HttpMethod.Post, "/api/v1/device/incidents", new { opId = "p1", category = "facilities", urgency = "normal", description = "井盖缺失", lat = worker.Lat, lon = worker.Lon });
        var (_, phoneCase) = await SendAsync(HttpMethod.Get, $"/api/v1/incidents/{fromPhone.GetProperty("id").GetString()}", token);
        Assert.Equal(("device", worker.Id), (phoneCase.GetProperty("incident").GetProperty("source").GetString(), phoneCase.GetProperty("incident").GetProperty("reportedBy").GetString()));

        // … and an operator opens a case from the phone's low-battery alert in one action, which takes the alert on.
        await DeviceAsync(HttpMethod.Post, "/api/v1/device/status", Api.Status(1, worker.Lat, worker.Lon, batteryPct: 3, opId: "low"));
        Assert.Equal(deviceId, (await DeviceAsync(HttpMethod.Get, "/api/v1/device/me")).GetProperty("deviceId").GetString());
        var alert = await Api.AlertOfAsync(Http, token, worker.Grid, deviceId);
        var alertId = alert.GetProperty("id").GetString()!;
        var (created, fromAlert) = await SendAsync(HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = "from-alert", category = "facilities", urgency = "urgent", description = "网格员手机电量耗尽", gridCode = worker.Grid, alertId });
        Assert.Equal(HttpStatusCode.Created, created);
        var (_, acked) = await SendAsync(HttpMethod.Get, $"/api/v1/alerts/{alertId}", token);
        Assert.Equal(("acknowledged", "jinjiang.operator"), (acked.GetProperty("state").GetString(), acked.GetProperty("acknowledgedBy").GetString()));
        Assert.Contains(fromAlert.GetProperty("id").GetString()!, acked.GetProperty("note").GetString());
        Assert.Equal(JsonValueKind.Null, kpis.GetProperty("onTimeClosureRate").ValueKind);   // nothing closed yet: no denominator
        Assert.Equal(0, kpis.GetProperty("closureRate").GetDouble());
    }
    [Fact]
    public async Task DepartmentStaffSeeAndHandleOnlyTheCasesDispatchedToTheirDepartment()
    {
        var token = await TokenAsync("jinjiang.operator");
        var grid = system.Fresh.Grid(within: DemoUnits.SecondStreet);
        async Task<string> CaseAsync(string opId)
        {
            var (_, answer) = await SendAsync(HttpMethod.Post, "/api/v1/incidents", token, new { opId, category = "sanitation", urgency = "normal", description = "占道经营", gridCode = grid });
            var id = answer.GetProperty("id").GetString()!;
            await ActAsync(token, id, "accept");
            return id;
        }

        var ours = await CaseAsync("dept-1");
        var theirs = await CaseAsync("dept-2");
        await ActAsync(token, ours, "dispatch", new { unitCode = "510104-CG" });
        await ActAsync(token, theirs, "dispatch", new { unitCode = "510104-GA" });
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, $"/api/v1/incidents/{theirs}/actions", token,
            new { opId = "x", action = "transfer", unitCode = "510105-CG" })).Status); // another district's department

        var staff = await TokenAsync("jinjiang.cg.staff");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/v1/incidents/{ours}", staff)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/v1/incidents/{theirs}", staff)).Status);
        Assert.Equal("in-progress", (await ActAsync(staff, ours, "start")).GetProperty("stage").GetString());
        await ActAsync(staff, theirs, "start", expected: HttpStatusCode.NotFound);
        var (_, list) = await SendAsync(HttpMethod.Get, "/api/v1/incidents?unit=510104", staff);
        // The department's cases: those it is responsible for, and those it helps with (协办, e.g. the console's tests add it as a co-handler).
        Assert.All(list.GetProperty("items").EnumerateArray(), i => Assert.True(i.GetProperty("responsibleCode").GetString() == "510104-CG"
            || i.GetProperty("coHandlers").EnumerateArray().Any(c => c.GetString() == "510104-CG"), i.ToString()));
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == theirs);
        Assert.Contains(list.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == ours);
        var kpis = (await SendAsync(HttpMethod.Get, "/api/v1/kpis?department=510104-CG", staff)).Body;
        Assert.True(kpis.GetProperty("count").GetInt64() >= 1);
    }
}

using System.Net;
using System.Text.Json;

namespace OpsCentre.Integration.Tests.Devices;

[Collection(nameof(SystemCollection))]
public sealed class DeviceIngestTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output)
{
    private HttpClient Http => system.Http;

    private Task<string> OperatorTokenAsync() => Api.TokenAsync(Http, "jinjiang.operator");

    /// <summary>A fresh worker of 锦江区 and a phone provisioned for them by the district operator.</summary>
    private async Task<(CityGen.GeneratedWorker Worker, string DeviceId, string Key)> ProvisionAsync()
    {
        var worker = system.Fresh.Worker(within: "510104");
        var (deviceId, key) = await Api.ProvisionDeviceAsync(Http, await OperatorTokenAsync(), "worker-phone", worker.Id);
        return (worker, deviceId, key);
    }

    private static Dictionary<string, object> Status(string opId, long seq, double lat, double lon) => Api.Status(seq, lat, lon, accuracyM: 6.5, opId: opId);

    private Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string key, string path, object? body) =>
        Api.DeviceSendAsync(Http, HttpMethod.Post, path, key, body);

    private async Task<JsonElement> TrackAsync(CityGen.GeneratedWorker worker, string token) =>
        (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/workers/{worker.Id}/track?purpose=case-handling", token)).Body;

    /// <summary>The worker as listed, once the listing satisfies <paramref name="until"/> (the worker's update is one-way, so it lands a moment after the status is answered).</summary>
    private Task<JsonElement> WorkerAsync(CityGen.GeneratedWorker worker, Func<JsonElement, bool> until) =>
        Testing.Eventually.HoldsAsync(() => WorkerAsync(worker), until, TimeSpan.FromSeconds(15), $"worker {worker.Id} as expected");

    private async Task<JsonElement> WorkerAsync(CityGen.GeneratedWorker worker)
    {
        var (_, page) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/workers?unit={worker.Grid}", await OperatorTokenAsync());
        return page.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetString() == worker.Id);
    }

    [Fact]
    public async Task ADuplicateOpIdIsAcknowledgedOnceAndAnOlderSeqDoesNotMoveTheWorkerBack()
    {
        var (worker, _, key) = await ProvisionAsync();
        var (status, body) = await PostAsync(key, "/api/v1/device/status", Status("a1", 10, worker.Lat, worker.Lon));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("applied", body.GetProperty("status").GetString());
        Assert.True(body.GetProperty("applied").GetBoolean());

        var (_, again) = await PostAsync(key, "/api/v1/device/status", Status("a1", 10, worker.Lat, worker.Lon));
        Assert.Equal("duplicate", again.GetProperty("status").GetString());
        Assert.False(again.GetProperty("applied").GetBoolean());

        var (_, older) = await PostAsync(key, "/api/v1/device/status", Status("a2", 5, worker.Lat + 0.01, worker.Lon));
        Assert.Equal("stale", older.GetProperty("status").GetString());

        var live = await WorkerAsync(worker, w => w.GetProperty("online").GetBoolean());
        Assert.Equal(worker.Lat, live.GetProperty("lat").GetDouble(), 7);
        Assert.True(live.GetProperty("onDuty").GetBoolean());
        Assert.Equal(worker.Grid, live.GetProperty("gridCode").GetString());
    }

    [Fact]
    public async Task AReplayOf500QueuedItemsLandsInSeqOrderWithOneBadItemRejectedAlone()
    {
        var (worker, _, key) = await ProvisionAsync();
        var random = new Random(5);
        var items = Enumerable.Range(1, 500)
            .Select(seq => Status($"q{seq}", seq, worker.Lat + seq * 1e-7, worker.Lon))
            .OrderBy(_ => random.Next())
            .Cast<object>()
            .ToList();
        items.Insert(123, new { opId = "bad", seq = 9999, at = DateTimeOffset.UtcNow, lat = 95.0, lon = 104.0 });

        var (status, body) = await PostAsync(key, "/api/v1/device/status/batch", new { items });
        Assert.Equal(HttpStatusCode.OK, status);
        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(501, results.Count);
        Assert.Equal("rejected", results[123].GetProperty("status").GetString());
        Assert.Contains("lat", results[123].GetProperty("error").GetString());
        // Applied in seq order, whatever order they came in: every item applies, none is stale.
        Assert.Equal(500, results.Count(r => r.GetProperty("status").GetString() == "applied"));

        var live = await WorkerAsync(worker, w => Math.Abs(w.GetProperty("lat").GetDouble() - (worker.Lat + 500 * 1e-7)) < 1e-9);
        Assert.Equal(worker.Lat + 500 * 1e-7, live.GetProperty("lat").GetDouble(), 7);

        // The track holds all 500 positions, in order, once the batched writer has flushed them.
        var admin = await OperatorTokenAsync();
        var track = await Testing.Eventually.HoldsAsync(() => TrackAsync(worker, admin), t => t.GetProperty("points").GetArrayLength() >= 500, TimeSpan.FromSeconds(15), "500 track points");
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), track.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("seq").GetInt64()).Order());
    }

    [Fact]
    public async Task AGcj02StatusLandsAtItsWgs84PlaceAndAnUnknownSystemIsRefused()
    {
        var (worker, _, key) = await ProvisionAsync();
        // The worker's home as a phone with a Chinese map SDK reports it: a few hundred metres off, in GCJ-02.
        var (gcjLat, gcjLon) = Grains.Map.ChinaCoordinates.Wgs84ToGcj02(worker.Lat, worker.Lon);
        var status = Status("g1", 1, gcjLat, gcjLon);
        status["coordSystem"] = "gcj02";
        Assert.Equal("applied", (await PostAsync(key, "/api/v1/device/status", status)).Body.GetProperty("status").GetString());

        var live = await WorkerAsync(worker, w => w.GetProperty("online").GetBoolean());
        Assert.Equal(worker.Lat, live.GetProperty("lat").GetDouble(), 6);
        Assert.Equal(worker.Lon, live.GetProperty("lon").GetDouble(), 6);
        Assert.Equal(worker.Grid, live.GetProperty("gridCode").GetString());
        var token = await OperatorTokenAsync();
        var track = await Testing.Eventually.HoldsAsync(() => TrackAsync(worker, token), t => t.GetProperty("points").GetArrayLength() >= 1, TimeSpan.FromSeconds(15), "the track point");
        Assert.Equal(worker.Lon, track.GetProperty("points")[0].GetProperty("lon").GetDouble(), 6);

        var unknown = Status("g2", 2, worker.Lat, worker.Lon);
        unknown["coordSystem"] = "bd09";
        var (refused, problem) = await PostAsync(key, "/api/v1/device/status", unknown);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused);
        Assert.True(problem.GetProperty("errors").TryGetProperty("coordSystem", out _));

        var odd = Status("g3", 3, worker.Lat, worker.Lon);
        odd["coordSystem"] = "BD-09";
        var wgs = Status("g4", 4, worker.Lat, worker.Lon);
        wgs["coordSystem"] = "wgs84";
        var (_, batch) = await PostAsync(key, "/api/v1/device/status/batch", new { items = new object[] { odd, wgs } });
        var results = batch.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(("rejected", "applied"), (results[0].GetProperty("status").GetString(), results[1].GetProperty("status").GetString()));
        Assert.Contains("coordSystem", results[0].GetProperty("error").GetString());

        // The API reference describes the field.
        var document = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<JsonElement>(Http, "/openapi/v1.json");
        var body = document.GetProperty("components").GetProperty("schemas").EnumerateObject().Single(s => s.Name.EndsWith("StatusBody", StringComparison.Ordinal)).Value;
        var field = body.GetProperty("properties").GetProperty("coordSystem");
        output.WriteLine(field.ToString());
        Assert.Contains("gcj02", field.GetRawText());
    }

    [Fact]
    public async Task BadInputsGetProblemResponsesAndChangeNothing()
    {
        var (worker, deviceId, key) = await ProvisionAsync();
        Assert.Equal("applied", (await PostAsync(key, "/api/v1/device/status", Status("base", 1, worker.Lat, worker.Lon))).Body.GetProperty("status").GetString());
        await WorkerAsync(worker, w => w.GetProperty("online").GetBoolean());

        var cases = new (string Path, object? Body, HttpStatusCode Expected)[]
        {
            ("/api/v1/device/status", Status("x1", 2, 91, worker.Lon), HttpStatusCode.BadRequest),
            ("/api/v1/device/status", Status("x2", 3, worker.Lat, -181), HttpStatusCode.BadRequest),
            ("/api/v1/device/status", new { opId = "x3", seq = 4, at = DateTimeOffset.UtcNow, lat = worker.Lat, lon = worker.Lon, deviceId = "someone-else" }, HttpStatusCode.BadRequest),
            ("/api/v1/device/status", Api.Raw("{\"opId\":\"x4\",\"seq\":"), HttpStatusCode.BadRequest),
            ("/api/v1/device/status", new { opId = "x5", seq = 5, at = DateTimeOffset.UtcNow, lat = worker.Lat, lon = worker.Lon, pad = new string('x', 2 * 1024 * 1024) }, HttpStatusCode.RequestEntityTooLarge),
            ("/api/v1/device/status/batch", new { items = Enumerable.Range(0, 1001).Select(i => Status($"b{i}", 100 + i, worker.Lat, worker.Lon)) }, HttpStatusCode.RequestEntityTooLarge),
            ("/api/v1/device/status/batch", new { items = Array.Empty<object>() }, HttpStatusCode.BadRequest),
        };
        foreach (var (path, body, expected) in cases)
        {
            var (status, problem) = await PostAsync(key, path, body);
            Assert.Equal(expected, status);
            Assert.True(problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("status", out _), $"{path}: no problem details");
        }

        var live = await WorkerAsync(worker);
        Assert.Equal(worker.Lat, live.GetProperty("lat").GetDouble(), 7);
        // Nothing of the refused requests was applied: seq 2 is still new.
        Assert.Equal("applied", (await PostAsync(key, "/api/v1/device/status", Status("after", 2, worker.Lat, worker.Lon))).Body.GetProperty("status").GetString());
        Assert.StartsWith("dev-", deviceId);
    }

    [Fact]
    public async Task AStatusOutsideTheAcceptedTimeWindowOrWithAnAbsurdSeqIsRejectedAndChangesNothing()
    {
        var (worker, _, key) = await ProvisionAsync();
        TimedStatus WithAt(string opId, long seq, DateTimeOffset at) => new(opId, seq, at, worker.Lat, worker.Lon);
        var cases = new object[]
        {
            WithAt("old", 1, DateTimeOffset.UtcNow.AddDays(-31)),
            WithAt("ancient", 2, DateTimeOffset.MinValue),
            WithAt("far-future", 3, DateTimeOffset.MaxValue),
            new { opId = "huge-seq", seq = long.MaxValue, at = DateTimeOffset.UtcNow, lat = worker.Lat, lon = worker.Lon },
        };
        foreach (var body in cases)
        {
            var (status, problem) = await PostAsync(key, "/api/v1/device/status", body);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal(400, problem.GetProperty("status").GetInt32());
        }

        var (_, batch) = await PostAsync(key, "/api/v1/device/status/batch", new { items = new object[] { WithAt("queued-old", 4, DateTimeOffset.UtcNow.AddDays(-40)), WithAt("queued-ok", 5, DateTimeOffset.UtcNow.AddDays(-29)) } });
        var results = batch.GetProperty("results");
        Assert.Equal("rejected", results[0].GetProperty("status").GetString());
        Assert.Contains("days back", results[0].GetProperty("error").GetString());
        Assert.Equal("applied", results[1].GetProperty("status").GetString());
        // A month-old position fills the track, not the live state: nothing refused reached the worker.
        Assert.Equal("applied", (await PostAsync(key, "/api/v1/device/status", WithAt("now", 6, DateTimeOffset.UtcNow))).Body.GetProperty("status").GetString());
    }

    private sealed record TimedStatus(string OpId, long Seq, DateTimeOffset At, double Lat, double Lon);

    [Fact]
    public async Task ARevokedKeyGets401AndWritesNothing()
    {
        var (worker, deviceId, key) = await ProvisionAsync();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(key, "/api/v1/device/status", Status("r1", 1, worker.Lat, worker.Lon))).Status);
        await WorkerAsync(worker, w => w.GetProperty("online").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await Api.SendAsync(Http, HttpMethod.Delete, $"/api/v1/devices/{deviceId}", await OperatorTokenAsync())).Status);

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(key, "/api/v1/device/status", Status("r2", 2, worker.Lat + 0.001, worker.Lon))).Status);
        Assert.Equal(worker.Lat, (await WorkerAsync(worker)).GetProperty("lat").GetDouble(), 7);
    }

    [Fact]
    public async Task ProvisioningIsScopedAndNeedsTheFunction()
    {
        var jinjiangWorker = system.Fresh.Worker(within: "510104");
        async Task<HttpStatusCode> ProvisionAsAsync(string username, string kind, string boundTo) =>
            (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/devices", await Api.TokenAsync(Http, username), new { kind, boundTo })).Status;

        Assert.Equal(HttpStatusCode.NotFound, await ProvisionAsAsync("qingyang.operator", "worker-phone", jinjiangWorker.Id));
        Assert.Equal(HttpStatusCode.Forbidden, await ProvisionAsAsync("city.auditor", "worker-phone", jinjiangWorker.Id));
        Assert.Equal(HttpStatusCode.NotFound, await ProvisionAsAsync("city.admin", "wristband", jinjiangWorker.Id));
        Assert.Equal(HttpStatusCode.Created, await ProvisionAsAsync("city.admin", "wristband", system.Fresh.KeyPerson().Id));
    }

    [Fact]
    public async Task AScreenSeesTheWorkerMoveAndItsGridsCountersAsLiveItems()
    {
        var (worker, _, key) = await ProvisionAsync();
        var operatorToken = await OperatorTokenAsync();
        await using var screen = await Screens.ScreenClient.ConnectAsync(system.GatewayUrl, operatorToken);
        await screen.SubscribeAsync("510104");

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(key, "/api/v1/device/status", Status("l1", 1, worker.Lat, worker.Lon))).Status);

        var position = await screen.LiveItemAsync(i => i.GetProperty("kind").GetString() == "worker" && i.GetProperty("id").GetString() == worker.Id);
        Assert.Equal(worker.Lat, position.GetProperty("lat").GetDouble(), 7);
        Assert.True(position.GetProperty("online").GetBoolean());
        var grid = await screen.LiveItemAsync(i => i.GetProperty("kind").GetString() == "unit" && i.GetProperty("id").GetString() == worker.Grid);
        Assert.True(grid.GetProperty("counters").GetProperty("workersOnline").GetInt64() >= 1);
    }

    [Fact]
    public async Task AWorkersLiveItemReachesTheScreenAsOneObjectWithItsKindAndIdFirstThenItsData()
    {
        var (worker, _, key) = await ProvisionAsync();
        var operatorToken = (await Api.SignInAsync(Http, "jinjiang.operator")).AccessToken;
        await using var screen = await Screens.ScreenClient.ConnectAsync(system.GatewayUrl, operatorToken);
        await screen.SubscribeAsync(worker.Grid[..9]);

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(key, "/api/v1/device/status", Status("w1", 1, worker.Lat, worker.Lon))).Status);

        // The exact text on the wire: members in this order, no more, numbers as the status gave them.
        var position = await screen.LiveItemAsync(i => i.GetProperty("kind").GetString() == "worker" && i.GetProperty("id").GetString() == worker.Id && i.GetProperty("online").GetBoolean());
        var expected = "{\"kind\":\"worker\",\"id\":" + JsonSerializer.Serialize(worker.Id) + ",\"lat\":" + JsonSerializer.Serialize(worker.Lat) + ",\"lon\":" + JsonSerializer.Serialize(worker.Lon)
            + ",\"gridCode\":\"" + worker.Grid + "\",\"assignedGrid\":\"" + worker.Grid + "\",\"online\":true,\"onDuty\":true}";
        Assert.Equal(expected, position.GetRawText());
    }

    [Fact]
    public async Task TracksAreStillThereAfterTheSiloIsReplaced()
    {
        var (worker, _, key) = await ProvisionAsync();
        for (var seq = 1; seq <= 20; seq++)
        {
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(key, "/api/v1/device/status", Status($"t{seq}", seq, worker.Lat, worker.Lon))).Status);
        }

        var token = await OperatorTokenAsync();
        async Task<int> PointsAsync() => (await TrackAsync(worker, token)).GetProperty("points").GetArrayLength();

        await Testing.Eventually.HoldsAsync(PointsAsync, n => n == 20, TimeSpan.FromSeconds(15), "20 track points written");

        // A new silo joins, the old one stops; the tracks are in PostgreSQL, not in the silo.
        var replacement = await system.ReplaceFirstSiloAsync("silo-replacement");
        Assert.Equal(20, await Testing.Eventually.HoldsAsync(PointsAsync, n => n == 20, TimeSpan.FromSeconds(30), "tracks after the restart"));
        Assert.False(replacement.HasExited);

        var (tasksStatus, deviceTasks) = await Api.DeviceSendAsync(Http, HttpMethod.Get, "/api/v1/device/tasks", key);
        Assert.True(tasksStatus == HttpStatusCode.OK, $"device tasks: {tasksStatus}");
        Assert.Equal(0, deviceTasks.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task DeviceStatusesMoveTheDistrictsCounters()
    {
        var operatorToken = await OperatorTokenAsync();
        async Task<long> OnlineAsync() =>
            (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/units/510104", operatorToken)).Body.GetProperty("counters").GetProperty("workersOnline").GetInt64();

        var before = await OnlineAsync();
        var (worker, _, key) = await ProvisionAsync();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(key, "/api/v1/device/status", Status("c1", 1, worker.Lat, worker.Lon))).Status);
        Assert.Equal(before + 1, await Testing.Eventually.HoldsAsync(OnlineAsync, n => n == before + 1, TimeSpan.FromSeconds(15), "workersOnline up by one"));
    }
}

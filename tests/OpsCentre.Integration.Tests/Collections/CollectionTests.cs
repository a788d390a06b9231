using System.Net;
using System.Text.Json;
using OpsCentre.CityGen;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Collections;

/// <summary>
/// 一次采集 through the real gateway and silo on a real PostgreSQL: what a grid worker's phone collects is stored once under its
/// opId, reviewed by the street's staff, applied to its registry with its provenance, and what falls due in the registries
/// reaches the worker's phone, the alerts and the unit's counters.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class CollectionTests(SystemFixture system)
{
    private const string Reviewer = "jinjiang.street.operator";

    private HttpClient Http => system.Http;

    private Task<string> TokenAsync(string username) => Api.TokenAsync(Http, username);

    private async Task<(GeneratedWorker Worker, string Phone)> WorkerWithPhoneAsync(string within = DemoUnits.FirstStreet)
    {
        var worker = system.Fresh.Worker(within: within);
        var (_, key) = await Api.ProvisionDeviceAsync(Http, await TokenAsync("jinjiang.operator"), "worker-phone", worker.Id);
        return (worker, key);
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> CollectAsync(string phone, object body) =>
        Api.DeviceSendAsync(Http, HttpMethod.Post, "/api/v1/device/collections", phone, body);

    private async Task<(HttpStatusCode Status, JsonElement Body)> ReviewAsync(string id, string action, object body, string reviewer = Reviewer) =>
        await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/collections/{id}/{action}", await TokenAsync(reviewer), body);

    /// <summary>A component in the worker's grid, at the worker's position, as urban management's census left it (its code and category are theirs).</summary>
    private async Task<string> SeedComponentAsync(GeneratedWorker worker, string state = "normal")
    {
        var id = "comp-test-" + Guid.NewGuid().ToString("N")[..12];
        var serial = Random.Shared.Next(0, 999_999).ToString("D6");
        await system.Db.ExecuteAsync(
            """
            INSERT INTO registry_component (id, unit_code, code, category, lat, lon, state, source, collected_by, collected_at, version)
            VALUES (@id, @grid, @code, '0101', @lat, @lon, @state, 'urban-management', 'census', now() - interval '1 year', 1)
            """, ("id", id), ("grid", worker.Grid), ("code", worker.Grid[..6] + "0101" + serial), ("lat", worker.Lat), ("lon", worker.Lon), ("state", state));
        return id;
    }

    private async Task<string> SeedFloatingResidentAsync(string grid, string name, DateOnly expiry)
    {
        var id = "per-test-" + Guid.NewGuid().ToString("N")[..12];
        await system.Db.ExecuteAsync(
            """
            INSERT INTO registry_person (id, unit_code, name, residence, registration_start, registration_expiry, source, collected_by, collected_at, version)
            VALUES (@id, @grid, @name, 'floating', @start, @expiry, 'public-security', 'police-station', now() - interval '1 year', 1)
            """, ("id", id), ("grid", grid), ("name", name), ("start", expiry.AddYears(-1)), ("expiry", expiry));
        return id;
    }

    private async Task<string> SeedKeyPlaceAsync(string grid, string name, DateOnly due)
    {
        var id = "place-test-" + Guid.NewGuid().ToString("N")[..12];
        await system.Db.ExecuteAsync(
            """
            INSERT INTO registry_key_place (id, unit_code, name, kind, civil_defence, physical_defence, technical_defence, next_inspection_due,
                                            source, collected_by, collected_at, version)
            VALUES (@id, @grid, @name, 'market', 'met', 'met', 'partial', @due, 'public-security', 'police-station', now() - interval '1 year', 1)
            """, ("id", id), ("grid", grid), ("name", name), ("due", due));
        return id;
    }

    private static DateOnly CityToday => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).DateTime);

    [Fact]
    public async Task ACollectionFromAPhoneApprovedChangesTheRowOnceWithItsProvenanceAndAppearsInTheChangeFeed()
    {
        var (worker, phone) = await WorkerWithPhoneAsync();
        var component = await SeedComponentAsync(worker);
        var twoHoursAgo = DateTimeOffset.UtcNow.AddHours(-2);
        var collectedAt = new DateTimeOffset(twoHoursAgo.UtcTicks - twoHoursAgo.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);   // as JSON carries it
        var body = new { opId = "col-obstructed-" + component, registry = "component", action = "update", id = component, data = new { state = "obstructed" }, at = collectedAt };

        // The phone's queue sent twice (no signal the first time, as far as it knew): one record.
        var (first, accepted) = await CollectAsync(phone, body);
        Assert.True(first == HttpStatusCode.Accepted, $"{first} {accepted}");
        Assert.Equal("pending", accepted.GetProperty("state").GetString());
        var id = accepted.GetProperty("id").GetString()!;
        var (second, again) = await CollectAsync(phone, body);
        Assert.Equal(HttpStatusCode.Accepted, second);
        Assert.Equal(id, again.GetProperty("id").GetString());
        Assert.Equal(1L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM collection_record WHERE device_id IN (SELECT device_id FROM collection_record WHERE id = @id)", ("id", id)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await CollectAsync(phone, body with { data = new { state = "damaged" } })).Status);

        // Pending until reviewed: the registry has not changed.
        var reviewer = await TokenAsync(Reviewer);
        var (_, pending) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/collections?unit={worker.Grid}&state=pending", reviewer);
        var listed = Assert.Single(pending.GetProperty("items").EnumerateArray(), r => r.GetProperty("id").GetString() == id);
        Assert.Equal(worker.Id, listed.GetProperty("collectedBy").GetString());
        Assert.Equal("normal", await system.Db.ScalarAsync<string>("SELECT state FROM registry_component WHERE id = @id", ("id", component)));

        var approval = new { opId = "approve-" + id, note = "现场核实" };
        var (approved, view) = await ReviewAsync(id, "approve", approval);
        Assert.True(approved == HttpStatusCode.OK, $"{approved} {view}");
        Assert.Equal("approved", view.GetProperty("state").GetString());
        Assert.Equal(Reviewer, view.GetProperty("reviewedBy").GetString());
        // The same approval again (a retry), and a second approval under another opId: nothing more.
        Assert.Equal(HttpStatusCode.OK, (await ReviewAsync(id, "approve", approval)).Status);
        Assert.Equal(HttpStatusCode.OK, (await ReviewAsync(id, "approve", new { opId = "approve-again-" + id })).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await ReviewAsync(id, "reject", new { opId = "reject-late-" + id, note = "晚了" })).Status);

        // Applied once, with the collection's provenance: the grid worker's source, the worker, the phone's time.
        var row = (await system.Db.RowsAsync("SELECT state, source, collected_by, collected_at, version FROM registry_component WHERE id = @id",
            r => (State: r.GetString(0), Source: r.GetString(1), By: r.GetString(2), At: r.GetFieldValue<DateTimeOffset>(3), Version: r.GetInt32(4)), ("id", component))).Single();
        Assert.Equal(("obstructed", "grid-worker", worker.Id, collectedAt, 2), (row.State, row.Source, row.By, row.At, row.Version));
        // One entry of the change feed's table (registry_change), under the worker's source and the record's id as its opId.
        var (feedSource, feedBy, feedOp) = (await system.Db.RowsAsync("SELECT source, collected_by, op_id FROM registry_change WHERE registry = 'component' AND id = @id",
            r => (r.GetString(0), r.GetString(1), r.GetString(2)), ("id", component))).Single();
        Assert.Equal(("grid-worker", worker.Id, id), (feedSource, feedBy, feedOp));
        Assert.Equal(1L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM admin_change WHERE entity_kind = 'collection' AND entity_key = @id", ("id", id)));

        // Departments read it in the change feed, once.
        var feed = await ChangesAsync(await TokenAsync("jinjiang.operator"), worker.Grid, "component");
        var change = Assert.Single(feed, c => c.GetProperty("id").GetString() == component);
        Assert.Equal(("update", "grid-worker", worker.Id), (change.GetProperty("action").GetString(), change.GetProperty("source").GetString(), change.GetProperty("collectedBy").GetString()));
    }

    /// <summary>The change feed of a unit's registry from the beginning until a page comes back empty (the feed's cursor never runs out).</summary>
    private async Task<List<JsonElement>> ChangesAsync(string token, string unit, string registry)
    {
        var items = new List<JsonElement>();
        var after = "0";
        while (true)
        {
            var (status, page) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/registry-changes?unit={unit}&registry={registry}&after={after}&limit=1000", token);
            Assert.True(status == HttpStatusCode.OK, $"{status} {page}");
            var got = page.GetProperty("items").EnumerateArray().ToList();
            if (got.Count == 0)
            {
                return items;
            }

            items.AddRange(got);
            after = page.GetProperty("next").GetString()!;
        }
    }

    [Fact]
    public async Task ARejectedCollectionChangesNothing()
    {
        var (worker, phone) = await WorkerWithPhoneAsync();
        var component = await SeedComponentAsync(worker);
        var (_, accepted) = await CollectAsync(phone, new { opId = "col-missing-" + component, registry = "component", action = "update", id = component, data = new { state = "missing" } });
        var id = accepted.GetProperty("id").GetString()!;

        Assert.Equal(HttpStatusCode.BadRequest, (await ReviewAsync(id, "reject", new { opId = "reject-" + id })).Status);   // a rejection names its reason
        var (rejected, view) = await ReviewAsync(id, "reject", new { opId = "reject-" + id, note = "井盖完好，误报" });
        Assert.True(rejected == HttpStatusCode.OK, $"{rejected} {view}");
        Assert.Equal("rejected", view.GetProperty("state").GetString());
        Assert.Equal("井盖完好，误报", view.GetProperty("note").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await ReviewAsync(id, "approve", new { opId = "approve-" + id })).Status);

        var (state, version) = (await system.Db.RowsAsync("SELECT state, version FROM registry_component WHERE id = @id", r => (r.GetString(0), r.GetInt32(1)), ("id", component))).Single();
        Assert.Equal(("normal", 1), (state, version));
        Assert.Equal(0L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM registry_change WHERE id = @id", ("id", component)));
        Assert.Equal(JsonValueKind.Null, view.GetProperty("caseId").ValueKind);
    }

    [Fact]
    public async Task ADamagedComponentsApprovalOpensACaseAtItsPosition()
    {
        var (worker, phone) = await WorkerWithPhoneAsync();
        var component = await SeedComponentAsync(worker);
        var (_, accepted) = await CollectAsync(phone, new { opId = "col-damaged-" + component, registry = "component", action = "update", id = component, data = new { state = "damaged" } });
        var id = accepted.GetProperty("id").GetString()!;

        var (approved, view) = await ReviewAsync(id, "approve", new { opId = "approve-" + id });
        Assert.True(approved == HttpStatusCode.OK, $"{approved} {view}");
        var caseId = view.GetProperty("caseId").GetString()!;
        Assert.NotNull(caseId);

        var (found, detail) = await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/incidents/" + caseId, await TokenAsync("jinjiang.operator"));
        Assert.True(found == HttpStatusCode.OK, $"{found} {detail}");
        var incident = detail.GetProperty("incident");
        Assert.Equal("device", incident.GetProperty("source").GetString());
        Assert.Equal(CityGenFacilities, incident.GetProperty("category").GetString());
        Assert.Equal(worker.Lat, incident.GetProperty("lat").GetDouble(), 6);
        Assert.Equal(worker.Id, incident.GetProperty("reportedBy").GetString());

        // Approving again (a retry after a lost answer) finds the same case.
        var (_, replay) = await ReviewAsync(id, "approve", new { opId = "approve-" + id });
        Assert.Equal(caseId, replay.GetProperty("caseId").GetString());
        Assert.Equal(1L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM event_log WHERE type = 'incident.reported' AND payload ->> 'id' = @id", ("id", caseId)));
    }

    private const string CityGenFacilities = "facilities";

    [Fact]
    public async Task AWriteToAFieldAnotherSourceOwnsLeavesTheCollectionPendingWithTheRefusal()
    {
        var (worker, phone) = await WorkerWithPhoneAsync();
        var person = await SeedFloatingResidentAsync(worker.Grid, "王小明", CityToday.AddDays(200));
        var (_, accepted) = await CollectAsync(phone, new { opId = "col-rename-" + person, registry = "population", action = "update", id = person, data = new { name = "王晓明" } });
        var id = accepted.GetProperty("id").GetString()!;

        var (refused, problem) = await ReviewAsync(id, "approve", new { opId = "approve-" + id });
        Assert.True(refused == HttpStatusCode.Conflict, $"{refused} {problem}");
        Assert.Contains("public-security", problem.GetProperty("detail").GetString());
        var (_, view) = await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/collections/" + id, await TokenAsync(Reviewer));
        Assert.Equal("pending", view.GetProperty("state").GetString());
        Assert.Contains("public-security", view.GetProperty("refusal").GetString());
        Assert.Equal("王**", view.GetProperty("data").GetProperty("name").GetString());   // masked, and the read audited
        Assert.NotEmpty(await system.AuditAsync(id, "collection.read"));
        Assert.Equal("王小明", await system.Db.ScalarAsync<string>("SELECT name FROM registry_person WHERE id = @id", ("id", person)));
    }

    [Fact]
    public async Task AWorkerOfAnotherGridCannotCollectForThisGridAndAnOperatorOutsideScopeGets404()
    {
        var (worker, phone) = await WorkerWithPhoneAsync();
        var (_, strangerPhone) = await WorkerWithPhoneAsync(within: DemoUnits.SecondStreet);
        var component = await SeedComponentAsync(worker);

        Assert.Equal(HttpStatusCode.NotFound,
            (await CollectAsync(strangerPhone, new { opId = "col-x-" + component, registry = "component", action = "update", id = component, data = new { state = "damaged" } })).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity,
            (await CollectAsync(strangerPhone, new { opId = "col-y-" + component, registry = "housing", action = "create", data = new { unitCode = worker.Grid, use = "vacant" } })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await CollectAsync(phone, new { opId = "col-z", registry = "pets", action = "create", data = new { } })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await CollectAsync(phone, new { opId = "col-z", registry = "component", action = "rename", id = component, data = new { } })).Status);
        Assert.Equal(0L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM collection_record WHERE op_id IN ('col-x-' || @c, 'col-y-' || @c, 'col-z')", ("c", component)));

        var (_, accepted) = await CollectAsync(phone, new { opId = "col-own-" + component, registry = "component", action = "update", id = component, data = new { state = "damaged" } });
        var id = accepted.GetProperty("id").GetString()!;
        var outsider = await TokenAsync(SystemFixture.SecondStreetOperator);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/collections/" + id, outsider)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await ReviewAsync(id, "approve", new { opId = "outsider-" + id }, SystemFixture.SecondStreetOperator)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/collections?unit={worker.Grid}", outsider)).Status);
        var (_, theirs) = await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/collections", outsider);
        Assert.DoesNotContain(theirs.GetProperty("items").EnumerateArray(), r => r.GetProperty("id").GetString() == id);
        // An auditor sees the whole city but reviews nothing; the record is still pending and the component as it was.
        Assert.Equal(HttpStatusCode.Forbidden, (await ReviewAsync(id, "approve", new { opId = "auditor-" + id }, "city.auditor")).Status);
        Assert.Equal("normal", await system.Db.ScalarAsync<string>("SELECT state FROM registry_component WHERE id = @id", ("id", component)));
    }

    [Fact]
    public async Task ARegistrationExpiringWithin30DaysBecomesTheWorkersTaskAndCountsOnTheUnit()
    {
        var (worker, phone) = await WorkerWithPhoneAsync();
        var soon = await SeedFloatingResidentAsync(worker.Grid, "李四海", CityToday.AddDays(10));
        var later = await SeedFloatingResidentAsync(worker.Grid, "赵五湖", CityToday.AddDays(90));

        var (status, tasks) = await Api.DeviceSendAsync(Http, HttpMethod.Get, "/api/v1/device/tasks", phone);
        Assert.Equal(HttpStatusCode.OK, status);
        var task = Assert.Single(tasks.GetProperty("items").EnumerateArray(), t => t.GetProperty("kind").GetString() == "re-register");
        Assert.Equal(soon, task.GetProperty("id").GetString());
        Assert.Equal("居住登记续办 李**", task.GetProperty("title").GetString());
        Assert.DoesNotContain(tasks.GetProperty("items").EnumerateArray(), t => t.GetProperty("id").GetString() == later);
        Assert.Equal(worker.Id, Assert.Single(await system.AuditAsync(soon, "resident.re-register-tasks")).Actor);

        // The wall screen's counter of the grid, and of the street above it: 流动人口待续登记.
        await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/units/" + worker.Grid, await TokenAsync("jinjiang.operator"));
        await TouchAsync(worker, phone);
        await Eventually.HoldsAsync(async () => (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/units/" + worker.Grid, await TokenAsync("jinjiang.operator"))).Body,
            u => u.GetProperty("counters").GetProperty("residentsToReRegister").GetInt64() == 1, TimeSpan.FromSeconds(20), "the grid counts one resident to re-register");
    }

    /// <summary>An approved collection in the worker's grid: what makes the grid's dues count again at once.</summary>
    private async Task TouchAsync(GeneratedWorker worker, string phone)
    {
        var component = await SeedComponentAsync(worker);
        var (_, accepted) = await CollectAsync(phone, new { opId = "col-touch-" + component, registry = "component", action = "update", id = component, data = new { state = "obstructed" } });
        var id = accepted.GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await ReviewAsync(id, "approve", new { opId = "approve-" + id })).Status);
    }

    [Fact]
    public async Task AnOverdueInspectionIsATaskAndRaisesAnAlertThatEndsWhenThePlaceIsInspected()
    {
        var (worker, phone) = await WorkerWithPhoneAsync();
        var place = await SeedKeyPlaceAsync(worker.Grid, "红星农贸市场", CityToday.AddDays(-2));
        var (_, tasks) = await Api.DeviceSendAsync(Http, HttpMethod.Get, "/api/v1/device/tasks", phone);
        var task = Assert.Single(tasks.GetProperty("items").EnumerateArray(), t => t.GetProperty("kind").GetString() == "inspection");
        Assert.Equal(place, task.GetProperty("id").GetString());
        Assert.True(task.GetProperty("due").GetDateTimeOffset() < DateTimeOffset.UtcNow);

        await TouchAsync(worker, phone);
        var operatorToken = await TokenAsync("jinjiang.operator");
        var alert = await Eventually.HoldsAsync(async () => (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/alerts?unit={worker.Grid}", operatorToken)).Body,
            list => list.GetProperty("items").EnumerateArray().Any(a => a.GetProperty("subject").GetProperty("id").GetString() == place && a.GetProperty("state").GetString() == "firing"),
            TimeSpan.FromSeconds(20), "an alert about the overdue place");
        var raised = alert.GetProperty("items").EnumerateArray().Single(a => a.GetProperty("subject").GetProperty("id").GetString() == place);
        Assert.Equal("key-place-inspection-overdue", raised.GetProperty("ruleId").GetString());
        Assert.Equal("key-place", raised.GetProperty("subject").GetProperty("kind").GetString());
        await Eventually.HoldsAsync(async () => (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/units/" + worker.Grid, operatorToken)).Body,
            u => u.GetProperty("counters").GetProperty("keyPlacesOverdue").GetInt64() == 1, TimeSpan.FromSeconds(20), "the grid counts one key place overdue");

        // Inspected: the worker collects the next due date, staff approve, the alert ends and the counter drops.
        var (_, accepted) = await CollectAsync(phone, new { opId = "col-inspected-" + place, registry = "place", action = "update", id = place,
            data = new { nextInspectionDue = CityToday.AddDays(90).ToString("yyyy-MM-dd") } });
        var id = accepted.GetProperty("id").GetString()!;
        var (approved, view) = await ReviewAsync(id, "approve", new { opId = "approve-" + id });
        Assert.True(approved == HttpStatusCode.OK, $"{approved} {view}");
        await Eventually.HoldsAsync(async () => (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/alerts/" + raised.GetProperty("id").GetString(), operatorToken)).Body,
            a => a.GetProperty("state").GetString() == "resolved", TimeSpan.FromSeconds(20), "the alert resolved once inspected");
        await Eventually.HoldsAsync(async () => (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/units/" + worker.Grid, operatorToken)).Body,
            u => u.GetProperty("counters").GetProperty("keyPlacesOverdue").GetInt64() == 0, TimeSpan.FromSeconds(20), "no key place overdue");
    }
}

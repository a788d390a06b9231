using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpsCentre.Database.Operators;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Contract;

/// <summary>
/// The endpoint × role × scope matrix, generated from the table "Endpoints by role" of docs/security.md:
/// every operation of the OpenAPI document must have a row there, and every row is called by every role
/// on objects of three places — the demo grid worker's own grid (in everyone's scope), another grid of
/// 锦江区 (outside the community's staff and the worker), and a grid of 青羊区 (outside every 锦江区
/// account). Out of scope the answer is 404 or 403 (a list leaves the object out) and nothing changes;
/// in scope a role without the function gets 403 and nothing changes, and a role with it is served.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed partial class EndpointMatrixTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>The account that stands for each role, its unit and (for department staff) department.</summary>
    private static readonly (string Role, string Username, string Unit)[] Accounts =
    [
        ("admin", "city.admin", "5101"),
        ("operator", "jinjiang.operator", "510104"),
        ("staff", "jinjiang.community.staff", DemoUnits.FirstCommunity),
        ("worker", "jinjiang.grid.worker", DemoUnits.FirstGrid),
        ("corrections", "jinjiang.corrections.officer", "510104"),
        ("auditor", "city.auditor", "5101"),
        ("department", "jinjiang.cg.staff", "510104"),
    ];

    /// <summary>A corrections officer of 青羊区, who sets up the zone of the person there (zones are corrections staff's alone).</summary>
    private static readonly OperatorAccount QingyangCorrections = new("matrix.qingyang.corrections", "青羊区社区矫正", "corrections", "510105", Disabled: false);

    /// <summary>The purpose named on reads of personal data: one of the fixed list (AccessPurposes), as a read in clear must name.</summary>
    private const string Purpose = "correction";

    /// <summary>
    /// One row of the table: the operation and, per role, ✓ (served), — (403), "duty" (the case's duty table decides: 2xx,
    /// 403 or 409), "key" (a device's) or "public" (residents', without an account: every cell of the row says so).
    /// </summary>
    private sealed record Row(string Method, string Path, IReadOnlyDictionary<string, string> Cells)
    {
        public string Key => $"{Method} {Path}";
        public bool ForDevices => Path.StartsWith("/api/v1/device/", StringComparison.Ordinal);
        public bool IsPublic => Cells.Values.All(c => c == "public");
    }

    /// <summary>The objects of one place, made before the calls.</summary>
    private sealed record Place(string Name, string Grid, string WorkerId, string PersonId, double Lat, double Lon, string Department)
    {
        public string DeviceId { get; set; } = "";
        public string AlertId { get; set; } = "";
        public string IncidentId { get; set; } = "";

        /// <summary>A photo of that case (as a phone's report stores one), for the case's photo address.</summary>
        public Guid PhotoId { get; set; } = Guid.NewGuid();
        public string RuleId { get; set; } = "";
        public string SilenceId { get; set; } = "";
        public string ZoneId { get; set; } = "";

        /// <summary>An account of the place's grid (a grid worker's), and a department of its district, for the administration endpoints.</summary>
        public string Operator { get; set; } = "";
        public string AdminDepartment { get; set; } = "";
        public string ImportId { get; set; } = "";
        public string ResidentId { get; set; } = "";

        /// <summary>A collection record (采集) the place's worker's phone sent about a component of the grid, pending review.</summary>
        public string CollectionId { get; set; } = "";
        public string ClientId { get; set; } = "";

        /// <summary>A webhook subscription of the place's grid (to a closed port), and a notification of it: the place's dispatched case.</summary>
        public string SubscriptionId { get; set; } = "";
        public string NotificationId { get; set; } = "";

        /// <summary>A hand-over request (异地协作监管) of a person of 金牛区 to the place's grid, open until a served call answers it.</summary>
        public string HandOverId { get; set; } = "";

        /// <summary>The grid of 金牛区 that hand-over person came from: where the place's own person is asked to go (nobody answers that).</summary>
        public string ForeignGrid { get; set; } = "";
        /// <summary>A travel leave (外出请假) of the place's person, requested; a release notice (刑满释放人员衔接) and a 帮教 task of theirs.</summary>
        public string TravelLeaveId { get; set; } = "";
        public string ReleaseNoticeId { get; set; } = "";
        public string AftercareTaskId { get; set; } = "";

        /// <summary>
        /// A joint mediation (三所联调) in the grid with the district's 城市管理局 and 公安分局 taking part, a running drill (演练) of
        /// the grid with one scripted case, and a property company of the grid with a compound it may be linked to (物业监督).
        /// </summary>
        public string MediationId { get; set; } = "";
        public string DrillId { get; set; } = "";
        public string CampaignId { get; set; } = "";
        public string CompanyId { get; set; } = "";
        public string CompoundId { get; set; } = "";

        /// <summary>The department whose part the mediation rows record: the district's 城市管理局 (the department account's own in 锦江区).</summary>
        public string MediationDepartment => Grid[..6] + "-CG";

        public string[] Ids => [DeviceId, AlertId, IncidentId, RuleId, SilenceId, ZoneId, PersonId, WorkerId, ImportId, ResidentId, CollectionId, ClientId, HandOverId,
            TravelLeaveId, ReleaseNoticeId, AftercareTaskId, SubscriptionId, MediationId, DrillId, CampaignId, CompanyId, CompoundId];
    }

    private HttpClient Http => system.Http;

    [Fact]
    public async Task EveryEndpointByEveryRoleInAndOutOfScopeAnswersAsTheTableSays()
    {
        var rows = ReadTable();
        var document = await Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var operations = Operations(document).ToDictionary(o => $"{o.Method} {o.Path}");
        var untabled = operations.Keys.Where(k => !k.Contains("/api/v1/auth/") && !k.Contains("/api/v1/oauth/") && !rows.Any(r => r.Key == k)).ToList();
        Assert.True(untabled.Count == 0, "operations of the API document without a row in docs/security.md: " + string.Join(", ", untabled));
        var stale = rows.Where(r => !operations.ContainsKey(r.Key)).Select(r => r.Key).ToList();
        Assert.True(stale.Count == 0, "rows of docs/security.md that the API does not have: " + string.Join(", ", stale));
        var unbodied = rows.Where(r => operations[r.Key].HasBody && !r.ForDevices && !r.IsPublic && !Bodies.ContainsKey(r.Key)).Select(r => r.Key).ToList();
        Assert.True(unbodied.Count == 0, "rows without a request body in this test: " + string.Join(", ", unbodied));

        await new OperatorStore(system.Db).UpsertAsync(QingyangCorrections, SystemFixture.Password);
        var admin = await Api.TokenAsync(Http, "city.admin");
        var tokens = new Dictionary<string, string>();
        foreach (var (role, username, _) in Accounts)
        {
            tokens[role] = await Api.TokenAsync(Http, username);
        }

        var own = system.Fresh.City;
        var firstGrid = Accounts.Single(a => a.Role == "worker").Unit;
        var places = new[]
        {
            PlaceIn("the grid worker's grid", firstGrid, "510104-CG"),
            PlaceIn("another grid of 锦江区", system.Fresh.KeyPerson(within: "510104", where: p => !p.Grid.StartsWith(DemoUnits.FirstCommunity, StringComparison.Ordinal)).Grid, "510104-GA"),
            PlaceIn("a grid of 青羊区", system.Fresh.KeyPerson(within: "510105").Grid, null),
        };
        await SetUpCategoryAsync(admin);
        foreach (var place in places)
        {
            await SetUpAsync(place, admin, await Api.TokenAsync(Http, place.Grid.StartsWith("510105", StringComparison.Ordinal) ? QingyangCorrections.Username : "jinjiang.corrections.officer"));
        }

        var counts = new Dictionary<string, int> { ["out of scope"] = 0, ["in scope, refused"] = 0, ["in scope, served"] = 0, ["device endpoint, refused"] = 0, ["public, anonymous"] = 0 };
        var failures = new List<string>();
        foreach (var row in rows.Where(r => r.IsPublic))
        {
            // A public endpoint answers a caller without any credential: never 401 or 403, never a 500 (a bare call may be 400 or 404).
            using var anonymous = new HttpRequestMessage(new HttpMethod(row.Method), row.Path.Replace("{id}", "510104-" + new string('0', 32)).Replace("{code}", "matrix"));
            using var response = await Http.SendAsync(anonymous);
            counts["public, anonymous"]++;
            Check(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)response.StatusCode < 500,
                $"{row.Key} without credentials: {(int)response.StatusCode}, expected a public answer");
        }

        foreach (var row in rows.Where(r => !r.IsPublic))
        {
            var operation = operations[row.Key];
            foreach (var (role, username, unit) in Accounts)
            {
                if (row.ForDevices)
                {
                    // An operator's token opens no device endpoint, whatever the role.
                    var (status, _) = await CallAsync(row, operation, places[0], tokens[role], admin);
                    counts["device endpoint, refused"]++;
                    Check(status == HttpStatusCode.Unauthorized, $"{row.Key} as {role} with an operator's token: {(int)status}, expected 401");
                    continue;
                }

                foreach (var place in places)
                {
                    var inScope = place.Grid.StartsWith(unit, StringComparison.Ordinal)
                        && !(role == "department" && row.Path.StartsWith("/api/v1/incidents/{id}", StringComparison.Ordinal) && place.Department != "510104-CG");
                    var cell = row.Cells[role];
                    var what = $"{row.Key} as {role} ({username}) on {place.Name}";
                    if (inScope && cell != "—")
                    {
                        continue; // served calls run after every refused one, below
                    }

                    var before = await FingerprintAsync(place);
                    var (status, body) = await CallAsync(row, operation, place, tokens[role], admin);
                    var after = await FingerprintAsync(place);
                    Check(before == after, $"{what}: {(int)status} and the data changed");
                    if (inScope)
                    {
                        counts["in scope, refused"]++;
                        Check(status == HttpStatusCode.Forbidden, $"{what}: {(int)status}, expected 403 (the role lacks the function)");
                    }
                    else
                    {
                        counts["out of scope"]++;
                        var listed = status == HttpStatusCode.OK && IsUnitlessList(row, operation) && !place.Ids.Any(id => id.Length > 0 && body.GetRawText().Contains(id, StringComparison.Ordinal));
                        // A creation whose body names a unit outside the caller's answers 422 on that field (docs/security.md, "Granting roles").
                        var namesOutside = status == HttpStatusCode.UnprocessableEntity && body.ValueKind == JsonValueKind.Object && body.TryGetProperty("errors", out var errors)
                            && (errors.TryGetProperty("unitCode", out _) || errors.TryGetProperty("code", out _));
                        Check(status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden || listed || namesOutside,
                            $"{what}: {(int)status}, expected 404 or 403 out of scope {Excerpt(body)}");
                    }
                }
            }
        }

        // Served: every role with the function, on the objects in its scope (a fresh object where the call ends one).
        foreach (var row in rows.Where(r => !r.ForDevices && !r.IsPublic))
        {
            foreach (var (role, username, unit) in Accounts)
            {
                var cell = row.Cells[role];
                foreach (var place in places.Where(p => p.Grid.StartsWith(unit, StringComparison.Ordinal) && cell != "—"))
                {
                    if (role == "department" && row.Path.StartsWith("/api/v1/incidents/{id}", StringComparison.Ordinal) && place.Department != "510104-CG")
                    {
                        continue;
                    }

                    var (status, body) = await CallAsync(row, operations[row.Key], place, tokens[role], admin, fresh: true);
                    counts["in scope, served"]++;
                    var served = (int)status is >= 200 and < 300 || status == HttpStatusCode.Conflict || (cell == "duty" && status == HttpStatusCode.Forbidden);
                    Check(served, $"{row.Key} as {role} ({username}) on {place.Name}: {(int)status}, expected to be served (cell {cell}) {Excerpt(body)}");
                }
            }
        }

        var total = counts.Values.Sum();
        output.WriteLine($"endpoint matrix: {rows.Count} endpoints × {Accounts.Length} roles × {places.Length} places = {total} calls "
            + $"({string.Join(", ", counts.Select(c => $"{c.Value} {c.Key}"))}); {failures.Count} not as the table says");
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        void Check(bool holds, string failure)
        {
            if (!holds)
            {
                failures.Add(failure);
            }
        }

        Place PlaceIn(string name, string grid, string? department)
        {
            var worker = own.Workers.First(w => w.Grid == grid);
            var person = own.KeyPersons.First(p => p.Grid == grid);
            return new Place(name, grid, worker.Id, person.Id, person.Lat, person.Lon, department ?? "");
        }
    }

    /// <summary>A device of the place's worker reporting a low battery (an alert), a rule and a silence in the grid, a case (dispatched to the place's department) and a zone.</summary>
    private async Task SetUpAsync(Place place, string admin, string corrections)
    {
        // From a district no account of the matrix holds, so the request's other side puts no one else in scope.
        var mover = system.Fresh.KeyPerson(within: "510106");
        var (handedOver, handOver) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/key-persons/{mover.Id}/hand-overs", admin,
            new { opId = Guid.NewGuid().ToString(), toGrid = place.Grid, reason = "matrix" });
        Assert.True(handedOver == HttpStatusCode.Created, $"hand-over to {place.Grid}: {(int)handedOver} {handOver}");
        place.HandOverId = handOver.GetProperty("id").GetString()!;
        place.ForeignGrid = mover.Grid;
        (place.DeviceId, var key) = await Api.ProvisionDeviceAsync(Http, admin, "worker-phone", place.WorkerId);
        var worker = system.Fresh.City.Workers.First(w => w.Id == place.WorkerId);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(Http, key, Api.Status(1, worker.Lat, worker.Lon, 10))).Status);
        place.AlertId = await Eventually.HoldsAsync(
            async () =>
            {
                var (_, page) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/alerts?unit={place.Grid}", admin);
                return page.ValueKind == JsonValueKind.Object
                    ? page.GetProperty("items").EnumerateArray().Where(a => a.GetProperty("subject").GetProperty("id").GetString() == place.DeviceId)
                        .Select(a => a.GetProperty("id").GetString()!).FirstOrDefault() ?? ""
                    : "";
            },
            id => id.Length > 0, TimeSpan.FromSeconds(20), $"the low-battery alert of {place.DeviceId}");

        var (ruleStatus, rule) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/alert-rules", admin, RuleBody(place, "matrix-" + Guid.NewGuid().ToString("N")[..12]));
        Assert.Equal(HttpStatusCode.Created, ruleStatus);
        place.RuleId = rule.GetProperty("id").GetString()!;
        place.SilenceId = await NewSilenceAsync(place, admin);

        var (subscribed, subscription) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/notification-subscriptions", admin, SubscriptionBody(place));
        Assert.True(subscribed == HttpStatusCode.Created, $"subscription of {place.Grid}: {(int)subscribed} {subscription}");
        place.SubscriptionId = subscription.GetProperty("id").GetString()!;
        var (reported, incident) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/incidents", admin, IncidentBody(place));
        Assert.Equal(HttpStatusCode.Created, reported);
        place.IncidentId = incident.GetProperty("id").GetString()!;
        await system.Db.ExecuteAsync(
            "INSERT INTO case_photo (id, case_id, purpose, position, content_type, width, height, content, added_by, added_at) VALUES (@id, @case, 'report', 0, 'image/jpeg', 1, 1, @content, 'matrix', now())",
            ("id", place.PhotoId), ("case", place.IncidentId), ("content", new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 }));
        // Dispatched to the place's department; where it has none, another case dispatched to its community is the notification's.
        var dispatched = place.IncidentId;
        if (place.Department.Length == 0)
        {
            var (again, other) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/incidents", admin, IncidentBody(place));
            Assert.Equal(HttpStatusCode.Created, again);
            dispatched = other.GetProperty("id").GetString()!;
        }

        foreach (var action in new object[] { new { opId = Guid.NewGuid().ToString(), action = "accept" }, new { opId = Guid.NewGuid().ToString(), action = "dispatch", unitCode = place.Department.Length > 0 ? place.Department : null } })
        {
            Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/incidents/{dispatched}/actions", admin, action)).Status);
        }

        place.NotificationId = (await system.Db.RowsAsync("SELECT id FROM notification WHERE subscription_id = @s", r => r.GetInt64(0), ("s", place.SubscriptionId)))
            .Single().ToString(System.Globalization.CultureInfo.InvariantCulture);

        place.ZoneId = await NewZoneAsync(place, corrections);

        var (accountStatus, account) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/operators", admin, OperatorBody(place));
        Assert.True(accountStatus == HttpStatusCode.Created, $"account in {place.Grid}: {(int)accountStatus} {account}");
        place.Operator = account.GetProperty("username").GetString()!;
        var (departmentStatus, department) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/departments", admin, DepartmentBody(place));
        Assert.True(departmentStatus == HttpStatusCode.Created, $"department of {place.Grid}: {(int)departmentStatus} {department}");
        place.AdminDepartment = department.GetProperty("code").GetString()!;
        var (imported, job) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/imports/workers?unit={place.Grid}", admin, RefusedRoster(place));
        Assert.True(imported == HttpStatusCode.Accepted, $"import for {place.Grid}: {(int)imported} {job}");
        place.ImportId = job.GetProperty("id").GetString()!;
        place.ResidentId = await Registries.RegistryFixtures.ResidentAsync(system, place.Grid);
        place.CollectionId = await NewCollectionAsync(place, key, worker);
        var (registered, client) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/machine-clients", admin, ClientBody(place));
        Assert.True(registered == HttpStatusCode.Created, $"machine client of {place.Grid}: {(int)registered} {client}");
        place.ClientId = client.GetProperty("client").GetProperty("clientId").GetString()!;
        place.TravelLeaveId = await CreatedIdAsync($"/api/v1/key-persons/{place.PersonId}/travel-leaves", admin, TravelLeaveBody(place), "travel leave");
        place.ReleaseNoticeId = await CreatedIdAsync("/api/v1/release-notices", admin, ReleaseNoticeBody(place), "release notice");
        place.AftercareTaskId = await CreatedIdAsync($"/api/v1/key-persons/{place.PersonId}/aftercare/tasks", admin, AftercareTaskBody(), "aftercare task");
        place.MediationId = await CreatedIdAsync("/api/v1/mediations", admin, MediationBody(place), "mediation");
        var (started, drill) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/drills", admin, DrillBody(place));
        Assert.True(started == HttpStatusCode.Created, $"drill in {place.Grid}: {(int)started} {drill}");
        place.DrillId = drill.GetProperty("drill").GetProperty("id").GetString()!;
        await Campaigns.CampaignTests.SeedFloatingResidentAsync(system, place.Grid, "矩阵");
        place.CampaignId = await CreatedIdAsync("/api/v1/campaigns", admin, CampaignBody(place), "campaign");
        (place.CompanyId, place.CompoundId) = await NewCompanyAsync(place, worker);
        // The district's responsibility list: the matrix's case category dispatched to the district's 城市管理局, by hand only.
        var (published, list) = await Api.SendAsync(Http, HttpMethod.Put, $"/api/v1/responsibility-list/{place.Grid[..6]}", admin, ResponsibilityBody(place));
        Assert.True(published == HttpStatusCode.OK, $"responsibility list of {place.Grid[..6]}: {(int)published} {list}");
    }

    /// <summary>A campaign of the place's grid: its floating residents seeded as long expired (<see cref="Campaigns.CampaignTests.Expiry"/>).</summary>
    private static object CampaignBody(Place place) => new
    {
        opId = Guid.NewGuid().ToString(), unitCode = place.Grid, kind = "floating-registration", title = "matrix",
        registrationDueBefore = Campaigns.CampaignTests.Expiry.ToString("yyyy-MM-dd"), dueAt = DateTimeOffset.UtcNow.AddDays(7),
    };

    /// <summary>A mediation of the place's grid in which the district's 城市管理局 and 公安分局 take part.</summary>
    private static object MediationBody(Place place) => new
    {
        opId = Guid.NewGuid().ToString(), unitCode = place.Grid, title = "matrix", description = "matrix",
        participants = new[] { new { department = place.MediationDepartment, part = "现场勘查" }, new { department = place.Grid[..6] + "-GA", part = "治安调解" } },
    };

    /// <summary>A drill of the place's grid with one scripted case (a served start opens one more, a served clear cancels them).</summary>
    private static object DrillBody(Place place) => new
    {
        opId = Guid.NewGuid().ToString(), unitCode = place.Grid, name = "matrix",
        cases = new[] { new { category = "sanitation", urgency = "normal", description = "matrix drill", gridCode = place.Grid } },
    };

    /// <summary>The whole list of the place's district: one entry, by hand (auto off), so no other case is dispatched by it.</summary>
    private static object ResponsibilityBody(Place place) => new
    {
        opId = Guid.NewGuid().ToString(), note = "matrix",
        entries = new[] { new { category = "sanitation", placeCode = place.Grid[..6], responsibleCode = place.Grid[..6] + "-CG", auto = false } },
    };

    /// <summary>A property company of the place's grid and a compound there (a key place at the worker's position), as the registries hold them.</summary>
    private async Task<(string Company, string Compound)> NewCompanyAsync(Place place, CityGen.GeneratedWorker worker)
    {
        var suffix = Guid.NewGuid().ToString("N")[..12];
        var (address, compound, company) = ("addr-matrix-" + suffix, "place-matrix-" + suffix, "org-matrix-" + suffix);
        await system.Db.ExecuteAsync(
            """
            INSERT INTO registry_address (id, unit_code, road, number, lat, lon, source, collected_by, collected_at, version)
            VALUES (@address, @grid, '矩阵路', '1号', @lat, @lon, 'civil-affairs', 'census', now() - interval '1 year', 1);
            INSERT INTO registry_key_place (id, unit_code, name, kind, civil_defence, physical_defence, technical_defence, address_id, source, collected_by, collected_at, version)
            VALUES (@place, @grid, '矩阵小区', 'compound', 'met', 'met', 'met', @address, 'public-security', 'police-station', now() - interval '1 year', 1);
            INSERT INTO registry_organisation (id, unit_code, name, kind, source, collected_by, collected_at, version)
            VALUES (@company, @grid, '矩阵物业', 'property-management', 'market-regulator', 'licence', now() - interval '1 year', 1);
            """, ("address", address), ("place", compound), ("company", company), ("grid", place.Grid), ("lat", worker.Lat), ("lon", worker.Lon));
        return (company, compound);
    }

    private async Task<string> CreatedIdAsync(string path, string admin, object body, string what)
    {
        var (status, created) = await Api.SendAsync(Http, HttpMethod.Post, path, admin, body);
        Assert.True(status == HttpStatusCode.Created, $"{what} at {path}: {(int)status} {created}");
        return created.GetProperty("id").GetString()!;
    }

    /// <summary>A leave to another district than the place's, from now for a day.</summary>
    private static object TravelLeaveBody(Place place) => new
    {
        opId = Guid.NewGuid().ToString(), areaCode = place.Grid.StartsWith("510105", StringComparison.Ordinal) ? "510104" : "510105", reason = "matrix",
        leaveFrom = DateTimeOffset.UtcNow, returnBy = DateTimeOffset.UtcNow.AddDays(1),
    };

    private static object ReleaseNoticeBody(Place place) => new
    {
        opId = Guid.NewGuid().ToString(), personId = place.PersonId, communityCode = place.Grid[..12], releasedAt = DateTimeOffset.UtcNow.AddDays(-1), note = "matrix",
    };

    private static object AftercareTaskBody() => new { opId = Guid.NewGuid().ToString(), title = "matrix", dueAt = DateTimeOffset.UtcNow.AddDays(7) };

    /// <summary>A component of the place's grid, as urban management's census left it, and the worker's phone's collection about it.</summary>
    private async Task<string> NewCollectionAsync(Place place, string key, CityGen.GeneratedWorker worker)
    {
        var component = "comp-matrix-" + Guid.NewGuid().ToString("N")[..12];
        await system.Db.ExecuteAsync(
            """
            INSERT INTO registry_component (id, unit_code, code, category, lat, lon, state, source, collected_by, collected_at, version)
            VALUES (@id, @grid, @code, '0101', @lat, @lon, 'normal', 'urban-management', 'census', now(), 1)
            """, ("id", component), ("grid", place.Grid), ("code", place.Grid[..6] + "0101" + Random.Shared.Next(0, 999_999).ToString("D6")), ("lat", worker.Lat), ("lon", worker.Lon));
        var (status, body) = await Api.DeviceSendAsync(Http, HttpMethod.Post, "/api/v1/device/collections", key,
            new { opId = Guid.NewGuid().ToString(), registry = "component", action = "update", id = component, data = new { state = "obstructed" } });
        Assert.True(status == HttpStatusCode.Accepted, $"collection in {place.Grid}: {(int)status} {body}");
        return body.GetProperty("id").GetString()!;
    }

    /// <summary>A webhook subscription of the place's grid to its task assignments, sent to a port nobody listens on (dead-lettered soon).</summary>
    private static object SubscriptionBody(Place place) => new
    {
        opId = Guid.NewGuid().ToString(), name = "矩阵", unitCode = place.Grid, kinds = new[] { "task-assignment" }, url = "http://127.0.0.1:9/matrix", format = "json",
    };

    /// <summary>A departmental system's machine client registered for the place's grid.</summary>
    private static object ClientBody(Place place) => new
    {
        opId = Guid.NewGuid().ToString(), clientId = "matrix-" + Guid.NewGuid().ToString("N")[..12], displayName = "矩阵", unitCode = place.Grid, permissions = new[] { "cases:read" },
    };

    /// <summary>The category the administration rows change (categories are the city's, one for every place).</summary>
    private string _category = "";

    private async Task SetUpCategoryAsync(string admin)
    {
        _category = "matrix-" + Guid.NewGuid().ToString("N")[..12];
        var (status, body) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/incident-categories", admin, CategoryBody(_category));
        Assert.True(status == HttpStatusCode.Created, $"category: {(int)status} {body}");
    }

    /// <summary>A roster upload for the place's grid whose one line the job refuses (a grid of no map): served calls change no roster.</summary>
    private static MultipartFormDataContent RefusedRoster(Place place)
    {
        var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes($"{Grains.Rosters.RosterImporter.WorkersHeader}\nmatrix,矩阵,13800000000,{place.Grid[..12]}999,30.6,104.0\n")),
            "file", "workers.csv");
        form.Add(new StringContent(Guid.NewGuid().ToString()), "opId");
        return form;
    }

    private async Task<string> NewSilenceAsync(Place place, string token)
    {
        var (status, silence) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/alert-silences", token, SilenceBody(place));
        Assert.Equal(HttpStatusCode.Created, status);
        return silence.GetProperty("id").GetString()!;
    }

    private async Task<string> NewZoneAsync(Place place, string corrections)
    {
        var (status, zone) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/key-persons/{place.PersonId}/zones", corrections, ZoneBody(place));
        Assert.True(status == HttpStatusCode.Created, $"zone for {place.PersonId}: {(int)status} {zone}");
        return zone.GetProperty("id").GetString()!;
    }

    /// <summary>
    /// Calls the row's operation on the place's objects. With <paramref name="fresh"/>, a call that would end the
    /// place's object (a device revoked, a silence or zone ended) gets a new one of its own first, made by the admin
    /// (a zone by the place's corrections officer).
    /// </summary>
    private async Task<(HttpStatusCode Status, JsonElement Body)> CallAsync(Row row, Operation operation, Place place, string token, string admin, bool fresh = false)
    {
        var (deviceId, silenceId, zoneId) = (place.DeviceId, place.SilenceId, place.ZoneId);
        if (fresh && row.Method == "DELETE")
        {
            if (row.Path.Contains("{deviceId}", StringComparison.Ordinal))
            {
                deviceId = (await Api.ProvisionDeviceAsync(Http, admin, "worker-phone", place.WorkerId)).DeviceId;
            }
            else if (row.Path.StartsWith("/api/v1/alert-silences", StringComparison.Ordinal))
            {
                silenceId = await NewSilenceAsync(place, admin);
            }
            else if (row.Path.Contains("{zoneId}", StringComparison.Ordinal))
            {
                zoneId = await NewZoneAsync(place, await Api.TokenAsync(Http, place.Grid.StartsWith("510105", StringComparison.Ordinal) ? QingyangCorrections.Username : "jinjiang.corrections.officer"));
            }
        }

        var id = row.Path switch
        {
            var p when p.StartsWith("/api/v1/alerts/", StringComparison.Ordinal) => place.AlertId,
            var p when p.StartsWith("/api/v1/alert-rules/", StringComparison.Ordinal) => place.RuleId,
            var p when p.StartsWith("/api/v1/alert-silences/", StringComparison.Ordinal) => silenceId,
            var p when p.StartsWith("/api/v1/incidents/", StringComparison.Ordinal) || p.StartsWith("/api/v1/device/incidents/", StringComparison.Ordinal) => place.IncidentId,
            var p when p.StartsWith("/api/v1/key-persons/", StringComparison.Ordinal) => place.PersonId,
            var p when p.StartsWith("/api/v1/hand-overs/", StringComparison.Ordinal) => place.HandOverId,
            var p when p.StartsWith("/api/v1/travel-leaves/", StringComparison.Ordinal) => place.TravelLeaveId,
            var p when p.StartsWith("/api/v1/release-notices/", StringComparison.Ordinal) => place.ReleaseNoticeId,
            var p when p.StartsWith("/api/v1/aftercare-tasks/", StringComparison.Ordinal) => place.AftercareTaskId,
            var p when p.StartsWith("/api/v1/workers/", StringComparison.Ordinal) => place.WorkerId,
            var p when p.StartsWith("/api/v1/imports/", StringComparison.Ordinal) => place.ImportId,
            var p when p.StartsWith("/api/v1/registry/", StringComparison.Ordinal) => place.ResidentId,
            var p when p.StartsWith("/api/v1/collections/", StringComparison.Ordinal) => place.CollectionId,
            var p when p.StartsWith("/api/v1/mediations/", StringComparison.Ordinal) => place.MediationId,
            var p when p.StartsWith("/api/v1/drills/", StringComparison.Ordinal) => place.DrillId,
            var p when p.StartsWith("/api/v1/campaigns/", StringComparison.Ordinal) => place.CampaignId,
            var p when p.StartsWith("/api/v1/property-companies/", StringComparison.Ordinal) => place.CompanyId,
            _ => "",
        };
        // A mediation's part is a participating department's; a responsibility list is published for a whole district.
        var departmentCode = row.Path.StartsWith("/api/v1/mediations/", StringComparison.Ordinal) ? place.MediationDepartment : place.AdminDepartment;
        var code = row.Method == "PUT" && row.Path.StartsWith("/api/v1/responsibility-list/", StringComparison.Ordinal) ? place.Grid[..6] : place.Grid;
        var path = row.Path.Replace("{username}", place.Operator).Replace("{departmentCode}", departmentCode)
            .Replace("{categoryCode}", _category).Replace("{level}", MatrixLevel).Replace("{id}", id).Replace("{code}", code).Replace("{deviceId}", deviceId).Replace("{zoneId}", zoneId).Replace("{kind}", "workers").Replace("{registry}", "population").Replace("{clientId}", place.ClientId)
            .Replace("{subscriptionId}", place.SubscriptionId).Replace("{notificationId}", place.NotificationId)
            .Replace("{photoId}", place.PhotoId.ToString());
        var query = operation.Query.Select(name => name switch
        {
            "unit" => $"unit={place.Grid}",
            "district" => $"district={place.Grid[..6]}",
            "purpose" => $"purpose={Purpose}",
            "codes" => $"codes={place.Grid}",
            "q" => "q=matrix",
            "ids" => $"ids=worker:{place.WorkerId},key-person:{place.PersonId},device:{deviceId}",
            _ => null,
        }).Where(q => q is not null).ToList();
        if (query.Count > 0)
        {
            path += "?" + string.Join("&", query);
        }

        object? body = null;
        if (operation.HasBody && Bodies.TryGetValue(row.Key, out var make))
        {
            body = await make(new BodyContext(place, Http, admin));
        }

        return await Api.SendAsync(Http, new HttpMethod(row.Method), path, token, body);
    }

    private sealed record BodyContext(Place Place, HttpClient Http, string Admin);

    /// <summary>A valid request body for each operation that takes one, so that scope and role are the only reasons to refuse it.</summary>
    private static readonly Dictionary<string, Func<BodyContext, Task<object>>> Bodies = new()
    {
        ["POST /api/v1/devices"] = c => Task.FromResult<object>(new { kind = "worker-phone", boundTo = c.Place.WorkerId }),
        ["POST /api/v1/admin/events"] = c => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), unitCode = c.Place.Grid, type = "matrix.probe", data = new { id = "matrix" } }),
        ["POST /api/v1/alerts/{id}/ack"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), note = "matrix" }),
        ["POST /api/v1/alerts/{id}/resolve"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), note = "matrix" }),
        ["POST /api/v1/alerts/{id}/reply"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), reply = "matrix" }),
        ["POST /api/v1/alert-rules"] = c => Task.FromResult(RuleBody(c.Place, "matrix-" + Guid.NewGuid().ToString("N")[..12])),
        ["PUT /api/v1/alert-rules/{id}"] = async c =>
        {
            var (_, versions) = await Api.SendAsync(c.Http, HttpMethod.Get, $"/api/v1/alert-rules/{c.Place.RuleId}", c.Admin);
            return RuleBody(c.Place, c.Place.RuleId, versions.GetProperty("items")[0].GetProperty("version").GetInt32());
        },
        ["POST /api/v1/alert-silences"] = c => Task.FromResult(SilenceBody(c.Place)),
        ["POST /api/v1/incidents"] = c => Task.FromResult(IncidentBody(c.Place)),
        ["POST /api/v1/hotline/calls"] = c => Task.FromResult<object>(new
        {
            opId = Guid.NewGuid().ToString(), callerPhone = "13800000000", urgencyClass = "general", category = "sanitation", description = "matrix", gridCode = c.Place.Grid,
        }),
        ["POST /api/v1/incidents/{id}/actions"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), action = "accept" }),
        ["POST /api/v1/key-persons/{id}/visits"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), outcome = "met", notes = "matrix" }),
        ["POST /api/v1/key-persons/{id}/zones"] = c => Task.FromResult(ZoneBody(c.Place)),
        ["POST /api/v1/key-persons/{id}/hand-overs"] = c => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), toGrid = c.Place.ForeignGrid, reason = "matrix" }),
        ["POST /api/v1/hand-overs/{id}/accept"] = _ => Task.FromResult<object>(new { note = "matrix" }),
        ["POST /api/v1/hand-overs/{id}/refuse"] = _ => Task.FromResult<object>(new { note = "matrix" }),
        ["POST /api/v1/key-persons/{id}/travel-leaves"] = c => Task.FromResult(TravelLeaveBody(c.Place)),
        ["POST /api/v1/travel-leaves/{id}/approve"] = _ => Task.FromResult<object>(new { note = "matrix" }),
        ["POST /api/v1/travel-leaves/{id}/refuse"] = _ => Task.FromResult<object>(new { note = "matrix" }),
        ["PUT /api/v1/key-persons/{id}/officer"] = c => Task.FromResult<object>(new
        {
            officer = c.Place.Grid.StartsWith("510105", StringComparison.Ordinal) ? QingyangCorrections.Username : "jinjiang.corrections.officer",
        }),
        ["POST /api/v1/release-notices"] = c => Task.FromResult(ReleaseNoticeBody(c.Place)),
        ["PUT /api/v1/key-persons/{id}/aftercare"] = _ => Task.FromResult<object>(new { needs = new[] { "housing", "employment" }, helper = "matrix", note = "matrix" }),
        ["POST /api/v1/key-persons/{id}/aftercare/tasks"] = _ => Task.FromResult(AftercareTaskBody()),
        ["POST /api/v1/aftercare-tasks/{id}/outcome"] = _ => Task.FromResult<object>(new { outcome = "matrix" }),
        ["POST /api/v1/alert-rules/{id}/copies"] = c => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), id = "matrix-" + Guid.NewGuid().ToString("N")[..12], unitScope = c.Place.Grid }),
        ["POST /api/v1/operators"] = c => Task.FromResult(OperatorBody(c.Place)),
        ["PATCH /api/v1/operators/{username}"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), displayName = "matrix " + Guid.NewGuid().ToString("N")[..6] }),
        ["POST /api/v1/operators/{username}/disable"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString() }),
        ["POST /api/v1/operators/{username}/enable"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString() }),
        ["POST /api/v1/operators/{username}/password"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), password = MatrixPassword }),
        ["POST /api/v1/departments"] = c => Task.FromResult(DepartmentBody(c.Place)),
        ["POST /api/v1/machine-clients"] = c => Task.FromResult(ClientBody(c.Place)),
        ["POST /api/v1/notification-subscriptions"] = c => Task.FromResult(SubscriptionBody(c.Place)),
        ["POST /api/v1/notification-subscriptions/{subscriptionId}/disable"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString() }),
        ["POST /api/v1/notification-subscriptions/{subscriptionId}/enable"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString() }),
        ["POST /api/v1/notifications/{notificationId}/retry"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString() }),
        ["POST /api/v1/machine-clients/{clientId}/rotate"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString() }),
        ["POST /api/v1/machine-clients/{clientId}/disable"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString() }),
        ["POST /api/v1/machine-clients/{clientId}/enable"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString() }),
        ["PATCH /api/v1/departments/{departmentCode}"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), name = "matrix " + Guid.NewGuid().ToString("N")[..6] }),
        ["POST /api/v1/incident-categories"] = _ => Task.FromResult(CategoryBody("matrix-" + Guid.NewGuid().ToString("N")[..12])),
        ["PUT /api/v1/incident-categories/{categoryCode}"] = _ => Task.FromResult(CategoryBody(null)),
        ["PUT /api/v1/supervision-schedules/{level}"] = async c =>
        {
            // The schedule as it stands: the row is served without changing any person's deadlines under the other tests.
            var (_, schedules) = await Api.SendAsync(c.Http, HttpMethod.Get, "/api/v1/supervision-schedules", c.Admin);
            var level = schedules.GetProperty("items").EnumerateArray().Single(l => l.GetProperty("level").GetString() == MatrixLevel);
            return new { opId = Guid.NewGuid().ToString(), checkInEvery = level.GetProperty("checkInEvery").GetString(), visitEvery = level.GetProperty("visitEvery").GetString() };
        },
        ["POST /api/v1/imports/{kind}"] = c => Task.FromResult<object>(RefusedRoster(c.Place)),
        ["POST /api/v1/collections/{id}/approve"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), note = "matrix" }),
        ["POST /api/v1/collections/{id}/reject"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), note = "matrix" }),
        ["POST /api/v1/collections/paper"] = c => Task.FromResult<object>(new
        {
            opId = Guid.NewGuid().ToString(), gridCode = c.Place.Grid, registry = "address", action = "create",
            data = new { unitCode = c.Place.Grid, road = "矩阵纸质路", number = Random.Shared.Next(1, 9999) + "号" },
            collectedAt = DateTimeOffset.UtcNow.AddDays(-3), paperForm = $"DJ-{c.Place.Grid}-matrix",
        }),
        ["POST /api/v1/mediations"] = c => Task.FromResult(MediationBody(c.Place)),
        ["POST /api/v1/mediations/{id}/sessions"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), scheduledAt = DateTimeOffset.UtcNow.AddDays(1), place = "矩阵调解室" }),
        ["POST /api/v1/mediations/{id}/parts/{departmentCode}"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), record = "matrix" }),
        ["POST /api/v1/mediations/{id}/close"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), outcome = "referred", referredTo = "人民法院", note = "matrix" }),
        ["POST /api/v1/drills"] = c => Task.FromResult(DrillBody(c.Place)),
        ["POST /api/v1/campaigns"] = c => Task.FromResult(CampaignBody(c.Place)),
        ["POST /api/v1/drills/{id}/clear"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString() }),
        ["PUT /api/v1/responsibility-list/{code}"] = c => Task.FromResult(ResponsibilityBody(c.Place)),
        ["POST /api/v1/incidents/{id}/dispatch-by-list"] = _ => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), note = "matrix" }),
        ["POST /api/v1/property-companies/{id}/compounds"] = c => Task.FromResult<object>(new { opId = Guid.NewGuid().ToString(), placeId = c.Place.CompoundId, radiusM = 200 }),
    };

    private const string MatrixPassword = "Matrix-Pass-2026";

    private const string MatrixLevel = "lenient";

    private static object OperatorBody(Place place) => new
    {
        opId = Guid.NewGuid().ToString(), username = "matrix." + Guid.NewGuid().ToString("N")[..12], displayName = "matrix", role = "worker",
        unitCode = place.Grid, password = MatrixPassword,
    };

    private static object DepartmentBody(Place place) => new
    {
        opId = Guid.NewGuid().ToString(), code = place.Grid[..6] + "-M" + new string([.. Guid.NewGuid().ToString("N").Take(6).Select(c => (char)('A' + c % 26))]), name = "matrix",
    };

    private static object CategoryBody(string? code) => new
    {
        opId = Guid.NewGuid().ToString(), code, name = "matrix",
        deadlines = new Dictionary<string, Dictionary<string, string>>
        {
            ["normal"] = new() { ["reported"] = "PT2H", ["accepted"] = "PT4H", ["dispatched"] = "PT4H", ["resolve"] = "P2D", ["handled"] = "P1D" },
            ["urgent"] = new() { ["reported"] = "PT30M", ["accepted"] = "PT1H", ["dispatched"] = "PT1H", ["resolve"] = "PT8H", ["handled"] = "PT2H" },
        },
    };

    private static object RuleBody(Place place, string id, int? expectedVersion = null) => new
    {
        opId = Guid.NewGuid().ToString(), id, title = "matrix", kind = "threshold", target = new { subjectKind = "device", unitScope = place.Grid },
        severity = "info", parameters = new { metric = "batteryPct", op = "<", value = 1 }, pendingSeconds = 0, recoverySeconds = 60, enabled = true, expectedVersion,
    };

    private static object SilenceBody(Place place) => new
    {
        opId = Guid.NewGuid().ToString(), unitScope = place.Grid, ruleId = place.RuleId, endsAt = DateTimeOffset.UtcNow.AddHours(1), reason = "matrix",
    };

    private static object IncidentBody(Place place) => new
    {
        opId = Guid.NewGuid().ToString(), category = "sanitation", urgency = "normal", description = "matrix", gridCode = place.Grid,
    };

    private static object ZoneBody(Place place) => new { opId = Guid.NewGuid().ToString(), name = "matrix", lat = place.Lat, lon = place.Lon, radiusM = 300 };

    /// <summary>
    /// What the calls could change about the place's objects, as one digest: the rows of its case, alert, rule,
    /// silence, devices, zones and visits, its grid's events (not the workers' and devices' own comings and
    /// goings), and how many cases, rules, silences, devices and ledger claims there are in all.
    /// </summary>
    private async Task<string> FingerprintAsync(Place place) => (await system.Db.ScalarAsync<string>(
        """
        SELECT md5(concat_ws('|',
          (SELECT string_agg(t::text, ',') FROM incident t WHERE id = @incident),
          (SELECT string_agg(t::text, ',') FROM alert t WHERE id = @alert),
          (SELECT string_agg(t::text, ',' ORDER BY version) FROM alert_rule t WHERE id = @rule),
          (SELECT string_agg(t::text, ',') FROM alert_silence t WHERE id::text = @silence),
          (SELECT string_agg(t::text, ',' ORDER BY device_id) FROM device_credential t WHERE bound_to IN (@worker, @person)),
          (SELECT string_agg(t::text, ',' ORDER BY id) FROM key_person_zone t WHERE person_id = @person),
          (SELECT count(*) FROM key_person_visit WHERE person_id = @person),
          (SELECT string_agg(t::text, ',' ORDER BY id) FROM key_person_hand_over t WHERE person_id = @person OR id = @handOver),
          (SELECT string_agg(t::text, ',' ORDER BY id) FROM key_person_travel_leave t WHERE person_id = @person),
          (SELECT string_agg(t::text, ',' ORDER BY id) FROM release_notice t WHERE person_id = @person),
          (SELECT string_agg(t::text, ',' ORDER BY id) FROM aftercare_task t WHERE person_id = @person),
          (SELECT string_agg(t::text, ',') FROM aftercare_plan t WHERE person_id = @person),
          (SELECT string_agg(t::text, ',') FROM key_person_officer t WHERE person_id = @person),
          (SELECT count(*) FROM event_log WHERE unit_code = @grid AND type NOT LIKE 'worker.%' AND type NOT LIKE 'device.%'),
          (SELECT count(*) FROM operation_ledger), (SELECT count(*) FROM incident), (SELECT count(*) FROM alert_rule),
          (SELECT count(*) FROM alert_silence), (SELECT count(*) FROM device_credential), (SELECT count(*) FROM event_log WHERE type = 'matrix.probe'),
          (SELECT string_agg(t::text, ',') FROM operator_account t WHERE username = @operator),
          (SELECT string_agg(t::text, ',') FROM department t WHERE code = @department),
          (SELECT count(*) FROM admin_change), (SELECT count(*) FROM operator_account), (SELECT count(*) FROM department),
          (SELECT count(*) FROM incident_category), (SELECT string_agg(t::text, ',' ORDER BY level) FROM supervision_schedule t),
          (SELECT count(*) FROM import_job), (SELECT string_agg(t::text, ',') FROM collection_record t WHERE id = @collection),
          (SELECT count(*) FROM collection_record),
          (SELECT string_agg(t::text, ',') FROM mediation_case t WHERE id = @mediation),
          (SELECT count(*) FROM campaign), (SELECT count(*) FROM campaign_task WHERE state = 'done'),
          (SELECT string_agg(t::text, ',' ORDER BY department_code) FROM mediation_part t WHERE case_id = @mediation),
          (SELECT count(*) FROM mediation_session WHERE case_id = @mediation), (SELECT count(*) FROM mediation_case),
          (SELECT string_agg(t::text, ',') FROM drill t WHERE id = @drill), (SELECT count(*) FROM drill),
          (SELECT string_agg(t::text, ',' ORDER BY id) FROM incident t WHERE drill_id = @drill),
          (SELECT string_agg(t::text, ',' ORDER BY linked_at) FROM property_company_compound t WHERE company_id = @company OR place_id = @compound),
          (SELECT count(*) FROM responsibility_list_version)))
        """,
        ("incident", place.IncidentId), ("alert", place.AlertId), ("rule", place.RuleId), ("silence", place.SilenceId),
        ("worker", place.WorkerId), ("person", place.PersonId), ("grid", place.Grid), ("operator", place.Operator), ("department", place.AdminDepartment),
        ("collection", place.CollectionId), ("handOver", place.HandOverId), ("mediation", place.MediationId), ("drill", place.DrillId),
        ("company", place.CompanyId), ("compound", place.CompoundId)))!;

    private static bool IsUnitlessList(Row row, Operation operation) => row.Method == "GET" && !row.Path.Contains('{') && !operation.Query.Contains("unit");

    private static string Excerpt(JsonElement body) => body.ValueKind == JsonValueKind.Undefined ? "" : body.GetRawText()[..Math.Min(200, body.GetRawText().Length)];

    private sealed record Operation(string Method, string Path, IReadOnlyList<string> Query, bool HasBody);

    private static IEnumerable<Operation> Operations(JsonElement document)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var query = operation.Value.TryGetProperty("parameters", out var parameters)
                    ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToList()
                    : [];
                yield return new Operation(operation.Name.ToUpperInvariant(), path.Name, query, operation.Value.TryGetProperty("requestBody", out _));
            }
        }
    }

    /// <summary>The rows of the table under "## Endpoints by role" in docs/security.md; its header names the roles.</summary>
    private static List<Row> ReadTable()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "docs", "security.md"));
        var start = Array.FindIndex(lines, l => l.StartsWith("## Endpoints by role", StringComparison.Ordinal));
        Assert.True(start >= 0, "docs/security.md has no section '## Endpoints by role'");
        var table = lines.Skip(start + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).ToList();
        var header = Cells(table[0]);
        Assert.Equal(["endpoint", .. Accounts.Select(a => a.Role)], header);
        var rows = new List<Row>();
        foreach (var line in table.Skip(2))
        {
            var cells = Cells(line);
            var match = OperationCell().Match(cells[0]);
            Assert.True(match.Success, $"not an operation: {cells[0]}");
            Assert.All(cells.Skip(1), c => Assert.Contains(c, new[] { "✓", "—", "duty", "key", "public" }));
            Assert.True(cells.Skip(1).All(c => c == "public") || !cells.Contains("public"), $"{cells[0]}: public for every role or for none");
            rows.Add(new Row(match.Groups[1].Value, match.Groups[2].Value, header.Skip(1).Zip(cells.Skip(1)).ToDictionary(p => p.First, p => p.Second)));
        }

        return rows;
    }

    private static List<string> Cells(string line) => [.. line.Trim().Trim('|').Split('|').Select(c => c.Trim())];

    [GeneratedRegex(@"^`(GET|POST|PUT|DELETE|PATCH) ([^`]+)`$")]
    private static partial Regex OperationCell();
}

using System.Net;
using System.Text.Json;
using System.Xml;
using OpsCentre.Database.Operators;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Administration;

/// <summary>
/// What a centre sets up besides accounts, through the gateway: case categories and their deadlines, departments, the
/// supervision schedule and the ownership of alert rules — each change audited, each reaching what uses it without a restart.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class CentreSettingsTests(SystemFixture system)
{
    private static readonly OperatorAccount CityAdmin = DemoOperators.All.First(a => a.Role == OperatorRoles.Admin && a.UnitCode.Length == 4);
    private static readonly OperatorAccount DistrictOperator = DemoOperators.All.First(a => a.Role == OperatorRoles.Operator && a.UnitCode.Length == 6);
    private static readonly OperatorAccount StreetOperator = DemoOperators.All.First(a => a.Role == OperatorRoles.Operator && a.UnitCode.Length == 9);

    private HttpClient Http => system.Http;

    [Fact]
    public async Task ACategoryDeadlineChangeIsUsedByANewCaseWhileARunningCaseKeepsItsOwn()
    {
        var admin = await Api.TokenAsync(Http, CityAdmin.Username);
        var code = "adm-" + Guid.NewGuid().ToString("N")[..10];
        var (created, _) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/incident-categories", admin,
            new { opId = Guid.NewGuid().ToString(), code, name = "测试类别", deadlines = Deadlines("PT2H") });
        Assert.Equal(HttpStatusCode.Created, created);

        var grid = system.Fresh.Grid(within: DistrictOperator.UnitCode);
        var first = await ReportAsync(admin, code, grid);
        AssertAbout(first.Reported + TimeSpan.FromHours(2), first.Deadline);

        // Bad deadlines change nothing: a month has no fixed length; a stage left out.
        foreach (var bad in new object[] { Deadlines("P1M"), new { normal = new { reported = "PT1H" } }, Deadlines("-PT1H") })
        {
            var (status, body) = await Api.SendAsync(Http, HttpMethod.Put, $"/api/v1/incident-categories/{code}", admin, new { opId = Guid.NewGuid().ToString(), name = "测试类别", deadlines = bad });
            Assert.True(status == HttpStatusCode.BadRequest && body.GetProperty("errors").TryGetProperty("deadlines", out _), $"{(int)status} {body}");
        }

        // Only the city's administrators change categories.
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Put, $"/api/v1/incident-categories/{code}", await Api.TokenAsync(Http, DistrictOperator.Username),
            new { opId = Guid.NewGuid().ToString(), name = "测试类别", deadlines = Deadlines("PT9H") })).Status);

        var change = new { opId = Guid.NewGuid().ToString(), name = "测试类别（改）", deadlines = Deadlines("PT5H") };
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Put, $"/api/v1/incident-categories/{code}", admin, change)).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Put, $"/api/v1/incident-categories/{code}", admin, change)).Status);

        var second = await ReportAsync(admin, code, grid);
        AssertAbout(second.Reported + TimeSpan.FromHours(5), second.Deadline);
        var (_, running) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{first.Id}", admin);
        Assert.Equal(first.Deadline, running.GetProperty("incident").GetProperty("stageDeadline").GetDateTimeOffset());

        var changes = await ChangesAsync(admin, "incident-category", code);
        Assert.Equal(["change", "create"], changes.Select(c => c.GetProperty("action").GetString()));
        Assert.Equal("PT2H", changes[0].GetProperty("old").GetProperty("deadlines").GetProperty("normal").GetProperty("reported").GetString());
        Assert.Equal("PT5H", changes[0].GetProperty("new").GetProperty("deadlines").GetProperty("normal").GetProperty("reported").GetString());
    }

    [Fact]
    public async Task ADistrictOperatorManagesTheirDistrictsDepartmentsAndADisabledOneTakesNoNewCases()
    {
        var district = await Api.TokenAsync(Http, DistrictOperator.Username);
        var code = $"{DistrictOperator.UnitCode}-{Letters(6)}";
        var opId = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/departments", district, new { opId, code, name = "测试局" })).Status);
        Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/departments", district, new { opId, code, name = "测试局" })).Status);
        var other = system.Fresh.City.Units.First(u => u.Code.Length == 6 && u.Code != DistrictOperator.UnitCode).Code;
        var (outside, outsideBody) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/departments", district, new { opId = Guid.NewGuid().ToString(), code = $"{other}-{Letters(6)}", name = "别区局" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, outside);
        Assert.True(outsideBody.GetProperty("errors").TryGetProperty("code", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Patch, $"/api/v1/departments/{code}", await Api.TokenAsync(Http, StreetOperator.Username),
            new { opId = Guid.NewGuid().ToString(), name = "街道改名" })).Status);

        // A case dispatched to it before it is disabled stays readable; a new dispatch to it is refused.
        var grid = system.Fresh.Grid(within: DistrictOperator.UnitCode);
        var admin = await Api.TokenAsync(Http, CityAdmin.Username);
        var before = await ReportAsync(admin, "sanitation", grid);
        await ActAsync(admin, before.Id, new { opId = Guid.NewGuid().ToString(), action = "accept" }, HttpStatusCode.OK);
        await ActAsync(admin, before.Id, new { opId = Guid.NewGuid().ToString(), action = "dispatch", unitCode = code }, HttpStatusCode.OK);

        var (renamed, body) = await Api.SendAsync(Http, HttpMethod.Patch, $"/api/v1/departments/{code}", district, new { opId = Guid.NewGuid().ToString(), name = "测试局（改）", disabled = true });
        Assert.Equal(HttpStatusCode.OK, renamed);
        Assert.True(body.GetProperty("disabled").GetBoolean());
        var (_, listed) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/departments?unit={grid}", district);
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), d => d.GetProperty("code").GetString() == code && d.GetProperty("disabled").GetBoolean());

        var after = await ReportAsync(admin, "sanitation", grid);
        await ActAsync(admin, after.Id, new { opId = Guid.NewGuid().ToString(), action = "accept" }, HttpStatusCode.OK);
        var (refused, _) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/incidents/{after.Id}/actions", admin, new { opId = Guid.NewGuid().ToString(), action = "dispatch", unitCode = code });
        Assert.True(refused is HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest, $"dispatch to a disabled department: {(int)refused}");
        var (read, readBody) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{before.Id}", admin);
        Assert.Equal(HttpStatusCode.OK, read);
        Assert.Equal(code, readBody.GetProperty("incident").GetProperty("responsibleCode").GetString());

        var changes = await ChangesAsync(admin, "department", code);
        Assert.Equal(["disable", "create"], changes.Select(c => c.GetProperty("action").GetString()));
        Assert.Equal("测试局", changes[0].GetProperty("old").GetProperty("name").GetString());
        Assert.Equal("测试局（改）", changes[0].GetProperty("new").GetProperty("name").GetString());
    }

    [Fact]
    public async Task SeedingTheDemoCatalogAgainKeepsWhatAnAdministratorChanged()
    {
        var admin = await Api.TokenAsync(Http, CityAdmin.Username);
        var district = system.Fresh.City.Units.Single(u => u.Code == DistrictOperator.UnitCode);
        var seeded = CityGen.DemoIncidentCatalog.DepartmentsOf(district.Code, district.Name).Last();
        seeded = (await new Grains.Incidents.IncidentCatalog(system.Db).DepartmentAsync(seeded.Code))!;
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Patch, $"/api/v1/departments/{seeded.Code}", admin,
                new { opId = Guid.NewGuid().ToString(), name = "改过的名称" })).Status);
            // What every start of the run command does.
            await CityGen.DemoIncidentCatalog.EnsureAsync(new Grains.Incidents.IncidentCatalog(system.Db), [(district.Code, district.Name)]);
            Assert.Equal("改过的名称", (await new Grains.Incidents.IncidentCatalog(system.Db).DepartmentAsync(seeded.Code))!.Name);
        }
        finally
        {
            await Api.SendAsync(Http, HttpMethod.Patch, $"/api/v1/departments/{seeded.Code}", admin, new { opId = Guid.NewGuid().ToString(), name = seeded.Name });
        }
    }

    [Fact]
    public async Task AScheduleChangeReachesARunningKeyPersonsGrainWithoutARestart()
    {
        var admin = await Api.TokenAsync(Http, CityAdmin.Username);
        var person = system.Fresh.KeyPerson(within: DistrictOperator.UnitCode);
        var (_, before) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/key-persons/{person.Id}/check-ins", admin);
        var level = before.GetProperty("supervisionLevel").GetString()!;
        var due = before.GetProperty("checkInDue").GetDateTimeOffset();
        var (_, schedules) = await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/supervision-schedules", admin);
        var current = schedules.GetProperty("items").EnumerateArray().Single(s => s.GetProperty("level").GetString() == level);
        var (checkIn, visit) = (current.GetProperty("checkInEvery").GetString()!, current.GetProperty("visitEvery").GetString()!);
        var longer = XmlConvert.ToString(XmlConvert.ToTimeSpan(checkIn) + TimeSpan.FromHours(3));
        try
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Put, $"/api/v1/supervision-schedules/{level}", await Api.TokenAsync(Http, DistrictOperator.Username),
                new { opId = Guid.NewGuid().ToString(), checkInEvery = longer, visitEvery = visit })).Status);
            var (bad, badBody) = await Api.SendAsync(Http, HttpMethod.Put, $"/api/v1/supervision-schedules/{level}", admin, new { opId = Guid.NewGuid().ToString(), checkInEvery = "PT0S", visitEvery = visit });
            Assert.True(bad == HttpStatusCode.BadRequest && badBody.GetProperty("errors").TryGetProperty("checkInEvery", out _), $"{(int)bad} {badBody}");

            var (changed, _) = await Api.SendAsync(Http, HttpMethod.Put, $"/api/v1/supervision-schedules/{level}", admin, new { opId = Guid.NewGuid().ToString(), checkInEvery = longer, visitEvery = visit });
            Assert.Equal(HttpStatusCode.OK, changed);
            await Eventually.HoldsAsync(async () =>
            {
                var (_, now) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/key-persons/{person.Id}/check-ins", admin);
                return now.GetProperty("checkInDue").GetDateTimeOffset();
            }, d => d == due + TimeSpan.FromHours(3), TimeSpan.FromSeconds(15), "the running grain's next check-in three hours later");

            var change = (await ChangesAsync(admin, "supervision-schedule", level))[0];
            Assert.Equal(checkIn, change.GetProperty("old").GetProperty("checkInEvery").GetString());
            Assert.Equal(longer, change.GetProperty("new").GetProperty("checkInEvery").GetString());
        }
        finally
        {
            await Api.SendAsync(Http, HttpMethod.Put, $"/api/v1/supervision-schedules/{level}", admin, new { opId = Guid.NewGuid().ToString(), checkInEvery = checkIn, visitEvery = visit });
        }
    }

    [Fact]
    public async Task ADistrictOperatorTunesADistrictRuleButNotTheCitysRule()
    {
        var admin = await Api.TokenAsync(Http, CityAdmin.Username);
        var district = await Api.TokenAsync(Http, DistrictOperator.Username);
        var cityRule = "adm-city-" + Guid.NewGuid().ToString("N")[..10];
        // Switched off: a city-wide rule that fires nowhere while the suite runs.
        Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/alert-rules", admin, Rule(cityRule, CityAdmin.UnitCode, 5, null))).Status);

        var (cityChange, cityBody) = await Api.SendAsync(Http, HttpMethod.Put, $"/api/v1/alert-rules/{cityRule}", district, Rule(cityRule, CityAdmin.UnitCode, 10, 1));
        Assert.Equal(HttpStatusCode.Forbidden, cityChange);
        Assert.Contains("copies", cityBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/alert-rules", district, Rule("adm-x-" + Guid.NewGuid().ToString("N")[..8], CityAdmin.UnitCode, 5, null))).Status);

        var copy = "adm-copy-" + Guid.NewGuid().ToString("N")[..10];
        var (copied, copyBody) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/alert-rules/{cityRule}/copies", district,
            new { opId = Guid.NewGuid().ToString(), id = copy, unitScope = DistrictOperator.UnitCode });
        Assert.True(copied == HttpStatusCode.Created, $"{(int)copied} {copyBody}");
        Assert.Equal(DistrictOperator.UnitCode, copyBody.GetProperty("target").GetProperty("unitScope").GetString());
        var (tuned, _) = await Api.SendAsync(Http, HttpMethod.Put, $"/api/v1/alert-rules/{copy}", district, Rule(copy, DistrictOperator.UnitCode, 10, 1));
        Assert.Equal(HttpStatusCode.OK, tuned);

        // The street below may not change the district's copy, and the city's rule is as the admin left it.
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Put, $"/api/v1/alert-rules/{copy}", await Api.TokenAsync(Http, StreetOperator.Username), Rule(copy, DistrictOperator.UnitCode, 15, 2))).Status);
        var (_, versions) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/alert-rules/{cityRule}", admin);
        Assert.Single(versions.GetProperty("items").EnumerateArray());

        // The rules' own versions are the audit trail of rule changes, read through the same log.
        var changes = await ChangesAsync(admin, "alert-rule", copy);
        Assert.Equal(["change", "create"], changes.Select(c => c.GetProperty("action").GetString()));
        Assert.Equal(DistrictOperator.Username, changes[0].GetProperty("actor").GetString());
        Assert.Equal(5, changes[0].GetProperty("old").GetProperty("parameters").GetProperty("value").GetInt32());
        Assert.Equal(10, changes[0].GetProperty("new").GetProperty("parameters").GetProperty("value").GetInt32());
    }

    private static object Rule(string id, string scope, int value, int? expectedVersion) => new
    {
        opId = Guid.NewGuid().ToString(), id, title = "管理测试", kind = "threshold", target = new { subjectKind = "device", unitScope = scope },
        severity = "info", parameters = new { metric = "batteryPct", op = "<", value }, pendingSeconds = 0, recoverySeconds = 60, enabled = false, expectedVersion,
    };

    private static Dictionary<string, Dictionary<string, string>> Deadlines(string reported) => new()
    {
        ["normal"] = new() { ["reported"] = reported, ["accepted"] = "PT4H", ["dispatched"] = "PT4H", ["resolve"] = "P2D", ["handled"] = "P1D" },
        ["urgent"] = new() { ["reported"] = "PT30M", ["accepted"] = "PT1H", ["dispatched"] = "PT1H", ["resolve"] = "PT8H", ["handled"] = "PT2H" },
    };

    private sealed record ReportedCase(string Id, DateTimeOffset Reported, DateTimeOffset Deadline);

    private async Task<ReportedCase> ReportAsync(string token, string category, string grid)
    {
        var before = DateTimeOffset.UtcNow;
        var (status, body) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = Guid.NewGuid().ToString(), category, urgency = "normal", description = "管理测试", gridCode = grid });
        Assert.True(status == HttpStatusCode.Created, $"{(int)status} {body}");
        return new ReportedCase(body.GetProperty("id").GetString()!, before, body.GetProperty("deadline").GetDateTimeOffset());
    }

    private async Task ActAsync(string token, string id, object action, HttpStatusCode expected)
    {
        var (status, body) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/incidents/{id}/actions", token, action);
        Assert.True(status == expected, $"{(int)status} {body}");
    }

    /// <summary>Within a minute of the expected time: the case is reported between the two clock reads, on a loaded machine.</summary>
    private static void AssertAbout(DateTimeOffset expected, DateTimeOffset actual) =>
        Assert.True((actual - expected).Duration() < TimeSpan.FromMinutes(1), $"expected about {expected:O}, got {actual:O}");

    private async Task<List<JsonElement>> ChangesAsync(string token, string kind, string key)
    {
        var (status, page) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/audit/changes?entityKind={kind}&entityKey={key}", token);
        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {page}");
        return [.. page.GetProperty("items").EnumerateArray()];
    }

    private static string Letters(int count) => new([.. Guid.NewGuid().ToString("N").Take(count).Select(c => (char)('A' + (c % 26)))]);
}

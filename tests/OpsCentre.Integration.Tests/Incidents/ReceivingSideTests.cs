using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using OpsCentre.Database.Operators;
using OpsCentre.Grains.Imports;
using OpsCentre.Grains.Rosters;
using OpsCentre.Integration.Tests.Screens;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Incidents;

/// <summary>
/// The receiving side sees what it receives, through the real gateway and silo: a case dispatched, transferred or given
/// to co-handlers (协办) appears in the receiving units' lists and counters, transfers cross districts with both logs
/// gap-free, and roll-ups follow a roster that moves a worker.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class ReceivingSideTests(SystemFixture system)
{
    private const string District = "jinjiang.operator";        // 510104
    private const string Street = "jinjiang.street.operator";   // FirstStreet
    private const string Admin = "city.admin";

    /// <summary>An operator of a street of 青羊区, the district a cross-district transfer goes to.</summary>
    private static readonly OperatorAccount QingyangStreet = new("receiving.qingyang.street", "青羊区街道中心", "operator", DemoUnits.QingyangFirstStreet, Disabled: false);


    private readonly Dictionary<string, string> _tokens = [];

    private async Task<string> TokenAsync(string username) =>
        _tokens.TryGetValue(username, out var token) ? token : (_tokens[username] = await Api.TokenAsync(system.Http, username));

    private async Task<string> OpenDispatchedAsync(string grid, string? to = null)
    {
        var (status, answer) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/incidents", await TokenAsync(District),
            new { opId = Guid.NewGuid().ToString("N"), category = "sanitation", urgency = "normal", description = "占道堆物", gridCode = grid });
        Assert.True(status == HttpStatusCode.Created, $"report: {status} {answer}");
        var id = answer.GetProperty("id").GetString()!;
        await ActAsync(District, id, "accept");
        await ActAsync(District, id, "dispatch", to is null ? null : new { unitCode = to });
        return id;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> TryAsync(string by, string id, string action, object? extra = null)
    {
        var body = new Dictionary<string, object?> { ["opId"] = $"{action}-{Guid.NewGuid():N}", ["action"] = action, ["note"] = "by the test" };
        foreach (var property in extra?.GetType().GetProperties() ?? [])
        {
            body[property.Name] = property.GetValue(extra);
        }

        return await Api.SendAsync(system.Http, HttpMethod.Post, $"/api/v1/incidents/{id}/actions", await TokenAsync(by), body);
    }

    private async Task<JsonElement> ActAsync(string by, string id, string action, object? extra = null)
    {
        var (status, answer) = await TryAsync(by, id, action, extra);
        Assert.True(status == HttpStatusCode.OK, $"{action} by {by}: {status} {answer}");
        return answer;
    }

    private async Task<List<JsonElement>> ListAsync(string by, string unit)
    {
        var (status, page) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/incidents?unit={unit}&limit=1000", await TokenAsync(by));
        Assert.True(status == HttpStatusCode.OK, $"list of {unit} by {by}: {status} {page}");
        return [.. page.GetProperty("items").EnumerateArray()];
    }

    private async Task<long> CounterAsync(string unit, string counter)
    {
        var (status, snapshot) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/units/{unit}", await TokenAsync(Admin));
        Assert.Equal(HttpStatusCode.OK, status);
        return snapshot.GetProperty("counters").GetProperty(counter).GetInt64();
    }

    [Fact]
    public async Task AStreetOperatorOfTheReceivingStreetListsACaseTransferredToItBeforeAccepting()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.SecondStreet);
        var id = await OpenDispatchedAsync(grid);
        Assert.DoesNotContain(await ListAsync(Street, DemoUnits.FirstStreet), i => i.GetProperty("id").GetString() == id);
        var incomingBefore = await CounterAsync(DemoUnits.FirstStreet, "incidentsIncoming");
        var districtBefore = await CounterAsync("510104", "incidentsIncoming");
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, await TokenAsync(Street));
        await screen.SubscribeAsync(DemoUnits.FirstStreet);

        await ActAsync(District, id, "transfer", new { unitCode = DemoUnits.FirstStreet });

        // The receiving street's wall hears of it while it is pending, though the case lies in another street.
        var heard = await screen.ReceiveMatchingAsync(e => e.Type == "incident.transfer-requested" && e.Data.GetProperty("id").GetString() == id, "the transfer on the receiving street's screen");
        Assert.Equal(grid, heard.UnitCode);

        // Before accepting: in the receiving street's list (pending), its detail, and its incoming counter.
        var listed = Assert.Single(await ListAsync(Street, DemoUnits.FirstStreet), i => i.GetProperty("id").GetString() == id);
        Assert.Equal(DemoUnits.FirstStreet, listed.GetProperty("pendingTransferTo").GetString());
        Assert.Equal(grid, listed.GetProperty("unitCode").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/incidents/{id}", await TokenAsync(Street))).Status);
        await Eventually.HoldsAsync(() => CounterAsync(DemoUnits.FirstStreet, "incidentsIncoming"), n => n == incomingBefore + 1, TimeSpan.FromSeconds(20),
            "the receiving street's incoming counter");
        // The district holds both streets: it counts the case once, in its area, and not as incoming.
        Assert.Equal(districtBefore, await CounterAsync("510104", "incidentsIncoming"));

        // Only the receiving street decides; accepted, the case is the street's, in its list and its open counter.
        var accepted = await ActAsync(Street, id, "accept-transfer");
        Assert.Equal(DemoUnits.FirstStreet, accepted.GetProperty("unitCode").GetString());
        var after = Assert.Single(await ListAsync(Street, DemoUnits.FirstStreet), i => i.GetProperty("id").GetString() == id);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("pendingTransferTo").ValueKind);
        await Eventually.HoldsAsync(() => CounterAsync(DemoUnits.FirstStreet, "incidentsIncoming"), n => n == incomingBefore, TimeSpan.FromSeconds(20),
            "the incoming entry retired once the case is the street's own");
        Assert.Equal(HttpStatusCode.OK, (await TryAsync(Street, id, "start")).Status);
    }

    [Fact]
    public async Task ADispatchToAnotherStreetReachesThatStreetsListAndItHandlesTheCase()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.SecondStreet);
        var id = await OpenDispatchedAsync(grid, to: DemoUnits.FirstStreet);
        var listed = Assert.Single(await ListAsync(Street, DemoUnits.FirstStreet), i => i.GetProperty("id").GetString() == id);
        Assert.Equal(DemoUnits.FirstStreet, listed.GetProperty("responsibleCode").GetString());

        // The lead's side handles it; verifying is the level above the street's.
        await ActAsync(Street, id, "start");
        await ActAsync(Street, id, "feedback");
        Assert.Equal(HttpStatusCode.Forbidden, (await TryAsync(Street, id, "verify-pass")).Status);
        await ActAsync(Admin, id, "verify-pass");
    }

    [Fact]
    public async Task AWorkerAssignedACaseOfAnotherGridOfTheCommunityHandlesItFromThePhone()
    {
        // The case lies in one grid; the worker dispatched to it is assigned to another grid of the same community.
        // A whole community of this test's own, so that it holds both grids whichever the other tests took before.
        var community = system.Fresh.Community(within: DemoUnits.SecondStreet);
        var worker = system.City.Workers.First(w => w.Grid.StartsWith(community, StringComparison.Ordinal));
        var caseGrid = system.City.Units.First(u => u.Code.Length == 15 && u.Code.StartsWith(community, StringComparison.Ordinal) && u.Code != worker.Grid).Code;
        var (status, answer) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/incidents", await TokenAsync(District),
            new { opId = Guid.NewGuid().ToString("N"), category = "sanitation", urgency = "normal", description = "井盖缺失", gridCode = caseGrid });
        Assert.True(status == HttpStatusCode.Created, $"report: {status} {answer}");
        var id = answer.GetProperty("id").GetString()!;
        await ActAsync(District, id, "accept");
        await ActAsync(District, id, "dispatch", new { workerId = worker.Id });

        var (_, key) = await Api.ProvisionDeviceAsync(system.Http, await TokenAsync(Admin), "worker-phone", worker.Id);
        var (started, body) = await Api.DeviceSendAsync(system.Http, HttpMethod.Post, $"/api/v1/device/incidents/{id}/actions", key, new { opId = "p-start", action = "start" });
        Assert.True(started == HttpStatusCode.OK, $"start from the assigned worker's phone: {started} {body}");
    }

    [Fact]
    public async Task CoHandlersSeeTheCaseAndAssistButOnlyTheLeadHandlesIt()
    {
        // Staff of a community of another street of 锦江区 (any: the test looks for its own case only).
        var community = system.City.Units.First(u => u.Code.Length == 12 && u.Code.StartsWith(DemoUnits.FirstStreet, StringComparison.Ordinal)).Code;
        var coHandlingStaff = new OperatorAccount("receiving.staff." + community, "社区工作站", "staff", community, Disabled: false);
        await new OperatorStore(system.Db).UpsertAsync(coHandlingStaff, SystemFixture.Password);
        var id = await OpenDispatchedAsync(system.Fresh.Grid(within: DemoUnits.SecondStreet), to: DemoUnits.SecondStreet);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/incidents/{id}", await TokenAsync(coHandlingStaff.Username))).Status);

        var added = await ActAsync(District, id, "add-co-handler", new { unitCode = coHandlingStaff.UnitCode });
        Assert.Equal([coHandlingStaff.UnitCode], added.GetProperty("coHandlers").EnumerateArray().Select(x => x.GetString()));
        Assert.Single(await ListAsync(coHandlingStaff.Username, coHandlingStaff.UnitCode), i => i.GetProperty("id").GetString() == id);
        await Eventually.HoldsAsync(() => CounterAsync(coHandlingStaff.UnitCode, "incidentsIncoming"), n => n >= 1, TimeSpan.FromSeconds(20), "the co-handler's incoming counter");

        // A co-handler assists; it does not handle the case for the lead.
        var (started, refusal) = await TryAsync(coHandlingStaff.Username, id, "start");
        Assert.True(started == HttpStatusCode.Forbidden, $"start by a co-handler: {started} {refusal}");
        await ActAsync(coHandlingStaff.Username, id, "assist");
        var (_, detail) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/incidents/{id}", await TokenAsync(Admin));
        Assert.Contains(detail.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("type").GetString() == "incident.assisted" && t.GetProperty("actor").GetString() == coHandlingStaff.Username);

        await ActAsync(District, id, "remove-co-handler", new { unitCode = coHandlingStaff.UnitCode });
        Assert.DoesNotContain(await ListAsync(coHandlingStaff.Username, coHandlingStaff.UnitCode), i => i.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task ACrossDistrictTransferLeavesBothLogsGapFreeAndMovesOwnershipOnAcceptance()
    {
        await new OperatorStore(system.Db).UpsertAsync(QingyangStreet, SystemFixture.Password);
        var id = await OpenDispatchedAsync(system.Fresh.Grid(within: DemoUnits.SecondStreet));
        var receiver = QingyangStreet.Username;
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/incidents/{id}", await TokenAsync(receiver))).Status);

        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, await TokenAsync(receiver));
        await screen.SubscribeAsync(DemoUnits.QingyangFirstStreet);
        await ActAsync(District, id, "transfer", new { unitCode = DemoUnits.QingyangFirstStreet });
        Assert.Single(await ListAsync(receiver, DemoUnits.QingyangFirstStreet), i => i.GetProperty("id").GetString() == id);
        var heard = await screen.ReceiveMatchingAsync(e => e.Type == "incident.transfer-requested" && e.Data.GetProperty("id").GetString() == id, "the transfer on 青羊区's street screen");
        Assert.Equal(("510105", DemoUnits.QingyangFirstStreet), (heard.DistrictCode, heard.UnitCode));
        await Eventually.HoldsAsync(() => CounterAsync(DemoUnits.QingyangFirstStreet, "incidentsIncoming"), n => n >= 1, TimeSpan.FromSeconds(20), "青羊区's street counts the case as incoming");

        var accepted = await ActAsync(receiver, id, "accept-transfer");
        Assert.Equal(DemoUnits.QingyangFirstStreet, accepted.GetProperty("unitCode").GetString());
        await ActAsync(receiver, id, "start");

        // Ownership moved: the old district no longer sees it; the new one handles it.
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/incidents/{id}", await TokenAsync(District))).Status);
        Assert.DoesNotContain(await ListAsync(District, "510104"), i => i.GetProperty("id").GetString() == id);

        // Both logs hold the case: 锦江区's up to the transfer, 青羊区's from the request on; each gap-free.
        var events = await system.Db.RowsAsync(
            "SELECT district_code, type FROM event_log WHERE payload ->> 'id' = @id ORDER BY district_code, seq", r => (District: r.GetString(0), Type: r.GetString(1)), ("id", id));
        Assert.Equal(["incident.reported", "incident.stage-changed", "incident.stage-changed", "incident.transfer-requested", "incident.transferred"],
            events.Where(e => e.District == "510104").Select(e => e.Type));
        Assert.Equal(["incident.transfer-requested", "incident.transferred", "incident.stage-changed"], events.Where(e => e.District == "510105").Select(e => e.Type));
        foreach (var district in new[] { "510104", "510105" })
        {
            var (count, max) = (await system.Db.RowsAsync("SELECT count(*), max(seq) FROM event_log WHERE district_code = @d", r => (r.GetInt64(0), r.GetInt64(1)), ("d", district))).Single();
            Assert.True(count == max, $"{district}'s log: {count} events up to seq {max}");
        }

        // The timeline shows each event once, with the district whose log it is from.
        var (_, detail) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/incidents/{id}", await TokenAsync(receiver));
        Assert.Equal(6, detail.GetProperty("timeline").GetArrayLength());
        Assert.Equal("510105", detail.GetProperty("timeline")[5].GetProperty("districtCode").GetString());
    }

    [Fact]
    public async Task AWorkerMovedToAnotherGridLeavesTheOldGridsCounter()
    {
        var worker = system.Fresh.Worker(within: "510104");
        var target = system.Fresh.Grid(within: "510104", where: g => g != worker.Grid);
        var (_, key) = await Api.ProvisionDeviceAsync(system.Http, await TokenAsync(Admin), "worker-phone", worker.Id);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(system.Http, key, Api.Status(1, worker.Lat, worker.Lon))).Status);
        await Eventually.HoldsAsync(() => CounterAsync(worker.Grid, "workersOnline"), n => n == 1, TimeSpan.FromSeconds(20), "the worker counted in their grid");

        // The target grid's roster is re-imported with the worker in it (beside its own workers); the live grains hear of it without a restart.
        var roster = system.Fresh.City.Workers.Where(w => w.Grid == target).Select(w => $"{w.Id},{w.Name},{w.Phone},{w.Grid},{w.Lat},{w.Lon}")
            .Append($"{worker.Id},{worker.Name},{worker.Phone},{target},{worker.Lat},{worker.Lon}");
        var import = await new ImportRunner(system.Db, new ImportJobStore(system.Db), TimeProvider.System, NullLogger<ImportRunner>.Instance).SubmitAndRunAsync(
            new ImportSubmission(ImportKinds.Workers, target, "5101", "workers.csv",
                Encoding.UTF8.GetBytes(string.Join('\n', roster.Prepend(RosterImporter.WorkersHeader))), "receiving-tests", Guid.NewGuid().ToString()));
        Assert.True(import.State == ImportStates.Succeeded, string.Join("; ", import.Errors));
        await Eventually.HoldsAsync(() => CounterAsync(worker.Grid, "workersOnline"), n => n == 0, TimeSpan.FromSeconds(30), "the old grid's counter without the worker");
        await Eventually.HoldsAsync(() => CounterAsync(target, "workersOnline"), n => n == 1, TimeSpan.FromSeconds(30), "the new grid's counter with the worker");
    }

    [Fact]
    public async Task KpiRankingsAndCsvExportsAreScopedAndAudited()
    {
        var (status, ranking) = await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/kpis/ranking?unit=510104&figure=closureRate", await TokenAsync(District));
        Assert.Equal(HttpStatusCode.OK, status);
        var items = ranking.GetProperty("items").EnumerateArray().ToList();
        Assert.NotEmpty(items);
        Assert.All(items, i => Assert.StartsWith("510104", i.GetProperty("code").GetString(), StringComparison.Ordinal));
        var ranked = items.Where(i => i.GetProperty("rank").ValueKind == JsonValueKind.Number).Select(i => i.GetProperty("value").GetDouble()).ToList();
        Assert.Equal(ranked.OrderDescending(), ranked);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/kpis/ranking?unit=510105", await TokenAsync(District))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/kpis/ranking?unit=510104&figure=nonsense", await TokenAsync(District))).Status);

        var id = await OpenDispatchedAsync(system.Fresh.Grid(within: DemoUnits.SecondStreet), to: DemoUnits.FirstStreet);
        var (csvStatus, csv) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/incidents/export?unit={DemoUnits.FirstStreet}", await TokenAsync(Street));
        Assert.Equal(HttpStatusCode.OK, csvStatus);
        var lines = csv.GetString()!.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("事件编号 (id),类别 (category)", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith(id + ",", StringComparison.Ordinal));

        var (kpiStatus, kpiCsv) = await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/kpis/export?unit=510104", await TokenAsync(District));
        Assert.Equal(HttpStatusCode.OK, kpiStatus);
        var kpiLines = kpiCsv.GetString()!.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("按期结案率 (onTimeClosureRate)", kpiLines[0], StringComparison.Ordinal);
        Assert.StartsWith("510104,", kpiLines[1], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/kpis/export?unit=510105", await TokenAsync(District))).Status);

        var exports = await system.Db.RowsAsync(
            "SELECT actor, action, unit_code FROM audit_log WHERE action IN ('incidents.export', 'kpis.export') AND actor IN (@a, @b)",
            r => (r.GetString(0), r.GetString(1), r.GetString(2)), ("a", Street), ("b", District));
        Assert.Contains((Street, "incidents.export", DemoUnits.FirstStreet), exports);
        Assert.Contains((District, "kpis.export", "510104"), exports);
    }
}

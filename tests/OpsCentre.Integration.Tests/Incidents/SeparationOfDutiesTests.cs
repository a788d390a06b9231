using OpsCentre.Testing;
using System.Net;
using System.Text.Json;

namespace OpsCentre.Integration.Tests.Incidents;

/// <summary>
/// Separation of duties in the closed loop through the real gateway and silo, acting as the demo users: a
/// refused action is 403 (or 422 for a dispatch to a worker who does not fit) and leaves the case as it was;
/// the same action by the right person then succeeds, so each refusal is the rule's and not something else's.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class SeparationOfDutiesTests(SystemFixture system)
{
    private const string District = "jinjiang.operator";        // 510104
    private const string Street = "jinjiang.street.operator";   // FirstStreet
    private const string Staff = "jinjiang.community.staff";    // FirstCommunity
    private const string GridWorker = "jinjiang.grid.worker";   // FirstGrid
    private const string Admin = "city.admin";
    private const string CgStaff = "jinjiang.cg.staff";         // 510104-CG

    private readonly Dictionary<string, string> _tokens = [];

    private async Task<string> TokenAsync(string username) =>
        _tokens.TryGetValue(username, out var token) ? token : (_tokens[username] = await Api.TokenAsync(system.Http, username));

    private async Task<string> ReportAsync(string by, string grid)
    {
        var (status, answer) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/incidents", await TokenAsync(by),
            new { opId = Guid.NewGuid().ToString("N"), category = "sanitation", urgency = "normal", description = "垃圾堆放", gridCode = grid });
        Assert.True(status == HttpStatusCode.Created, $"report: {status} {answer}");
        return answer.GetProperty("id").GetString()!;
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

    private async Task<JsonElement> DetailAsync(string id)
    {
        var (status, detail) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/incidents/{id}", await TokenAsync(Admin));
        Assert.Equal(HttpStatusCode.OK, status);
        return detail;
    }

    /// <summary>Each of <paramref name="users"/> tries the action: the expected status every time, and the case (its state and timeline) unchanged.</summary>
    private async Task RefusedAsync(HttpStatusCode expected, string id, string action, object? extra, params string[] users)
    {
        var before = (await DetailAsync(id)).GetRawText();
        foreach (var user in users)
        {
            var (status, answer) = await TryAsync(user, id, action, extra);
            Assert.True(status == expected, $"{action} by {user}: {status} {answer}, expected {expected}");
        }

        Assert.Equal(before, (await DetailAsync(id)).GetRawText());
    }

    [Fact]
    public async Task TheReporterOfACaseCannotVerifyIt()
    {
        var id = await ReportAsync(District, system.Fresh.Grid(within: DemoUnits.SecondStreet));
        foreach (var action in new[] { "accept", "dispatch", "start", "feedback" })
        {
            await ActAsync(District, id, action);
        }

        await RefusedAsync(HttpStatusCode.Forbidden, id, "verify-pass", null, District);
        await RefusedAsync(HttpStatusCode.Forbidden, id, "verify-fail", null, District);
        Assert.Equal("closed", (await ActAsync(Admin, id, "verify-pass")).GetProperty("stage").GetString());
    }

    [Fact]
    public async Task WhoeverRequestsAnExtensionCannotApproveIt()
    {
        var id = await ReportAsync(District, system.Fresh.Grid(within: DemoUnits.FirstStreet, where: g => !g.StartsWith(DemoUnits.FirstCommunity, StringComparison.Ordinal)));
        await ActAsync(District, id, "accept");
        await ActAsync(District, id, "dispatch");
        Assert.Equal(120, (await ActAsync(Street, id, "request-extension", new { extensionMinutes = 120 })).GetProperty("pendingExtensionMinutes").GetInt32());

        await RefusedAsync(HttpStatusCode.Forbidden, id, "approve-extension", null, Street);
        await RefusedAsync(HttpStatusCode.Forbidden, id, "reject-extension", null, Street);
        var approved = await ActAsync(District, id, "approve-extension");
        Assert.Equal(1, approved.GetProperty("extensionCount").GetInt32());
    }

    [Fact]
    public async Task OnlyTheReceivingUnitAcceptsATransfer()
    {
        // To a street: the district above it and the city's admin may see the case, but they are not the street.
        var toStreet = await ReportAsync(District, system.Fresh.Grid(within: DemoUnits.SecondStreet));
        await ActAsync(District, toStreet, "accept");
        await ActAsync(District, toStreet, "dispatch");
        await ActAsync(District, toStreet, "transfer", new { unitCode = DemoUnits.FirstStreet });
        await RefusedAsync(HttpStatusCode.Forbidden, toStreet, "accept-transfer", null, District, Admin);
        await RefusedAsync(HttpStatusCode.Forbidden, toStreet, "reject-transfer", null, District, Admin);
        Assert.Equal(DemoUnits.FirstStreet, (await ActAsync(Street, toStreet, "accept-transfer")).GetProperty("unitCode").GetString());

        // To a department: its own staff decide, not the district's centre.
        var toDepartment = await ReportAsync(District, system.Fresh.Grid(within: DemoUnits.SecondStreet));
        await ActAsync(District, toDepartment, "accept");
        await ActAsync(District, toDepartment, "dispatch");
        await ActAsync(District, toDepartment, "transfer", new { unitCode = "510104-CG" });
        await RefusedAsync(HttpStatusCode.Forbidden, toDepartment, "accept-transfer", null, District, Admin);
        Assert.Equal("510104-CG", (await ActAsync(CgStaff, toDepartment, "accept-transfer")).GetProperty("responsibleCode").GetString());
    }

    [Fact]
    public async Task AHandlerCannotCancelOrVerify()
    {
        // The demo's grid worker and community staff both have this grid in scope.
        var id = await ReportAsync(District, system.Fresh.Grid(within: DemoUnits.FirstGrid));
        await RefusedAsync(HttpStatusCode.Forbidden, id, "cancel", null, Staff, GridWorker);
        await RefusedAsync(HttpStatusCode.Forbidden, id, "accept", null, Staff, GridWorker);
        await ActAsync(District, id, "accept");
        await RefusedAsync(HttpStatusCode.Forbidden, id, "cancel", null, Staff, GridWorker);
        await RefusedAsync(HttpStatusCode.Forbidden, id, "dispatch", null, Staff, GridWorker);
        await ActAsync(District, id, "dispatch");
        await ActAsync(Staff, id, "start");
        await ActAsync(GridWorker, id, "feedback");
        await RefusedAsync(HttpStatusCode.Forbidden, id, "verify-pass", null, Staff, GridWorker);
        await RefusedAsync(HttpStatusCode.Forbidden, id, "verify-fail", null, Staff, GridWorker);
        Assert.Equal("closed", (await ActAsync(Street, id, "verify-pass")).GetProperty("stage").GetString());
    }

    [Fact]
    public async Task DispatchToANonexistentOrOutOfUnitWorkerIs422()
    {
        var worker = system.Fresh.Worker(within: DemoUnits.SecondStreet);
        var elsewhere = system.City.Workers.First(w => w.Grid.StartsWith("510104", StringComparison.Ordinal) && !w.Grid.StartsWith(worker.Grid[..12], StringComparison.Ordinal));
        var id = await ReportAsync(District, worker.Grid);
        await ActAsync(District, id, "accept");

        foreach (var dispatch in new object[]
                 {
                     new { workerId = "no-such-worker" },
                     new { workerId = elsewhere.Id },                            // the case goes to its community; this worker is in another
                     new { unitCode = worker.Grid, workerId = elsewhere.Id },
                     new { unitCode = "510104-CG", workerId = worker.Id },       // a department has no grid workers
                 })
        {
            var before = (await DetailAsync(id)).GetRawText();
            var (status, problem) = await TryAsync(District, id, "dispatch", dispatch);
            Assert.True(status == HttpStatusCode.UnprocessableEntity, $"dispatch {JsonSerializer.Serialize(dispatch)}: {status} {problem}");
            Assert.True(problem.GetProperty("errors").TryGetProperty("workerId", out _), problem.ToString());
            Assert.Equal(before, (await DetailAsync(id)).GetRawText());
        }

        var dispatched = await ActAsync(District, id, "dispatch", new { workerId = worker.Id });
        Assert.Equal((worker.Id, worker.Grid[..12]), (dispatched.GetProperty("assignedWorker").GetString(), dispatched.GetProperty("responsibleCode").GetString()));
    }

    [Fact]
    public async Task WithEachDutyInItsPlaceACaseGoesRoundTheWholeLoop()
    {
        // The community's staff report and handle, the street's centre files, dispatches, extends and verifies.
        var id = await ReportAsync(Staff, system.Fresh.Grid(within: DemoUnits.FirstCommunity, where: g => g != DemoUnits.FirstGrid));   // the first grid is AHandlerCannotCancelOrVerify's
        var steps = new (string By, string Action, object? Extra)[]
        {
            (Street, "accept", null), (Street, "dispatch", null), (Staff, "start", null), (Staff, "request-extension", new { extensionMinutes = 60 }),
            (Street, "approve-extension", null), (Staff, "feedback", null), (Street, "verify-fail", null), (Staff, "feedback", null), (Street, "verify-pass", null),
        };
        foreach (var (by, action, extra) in steps)
        {
            await ActAsync(by, id, action, extra);
        }

        var detail = await DetailAsync(id);
        var incident = detail.GetProperty("incident");
        Assert.Equal(("closed", 1, 1), (incident.GetProperty("stage").GetString(), incident.GetProperty("reworkCount").GetInt32(), incident.GetProperty("extensionCount").GetInt32()));
        Assert.Equal([Staff, .. steps.Select(s => s.By)], detail.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("actor").GetString()));
    }
}

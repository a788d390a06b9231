using OpsCentre.Testing;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using OpsCentre.Database.Operators;

namespace OpsCentre.Integration.Tests.Screens;

/// <summary>
/// What a connection receives is decided per event by the caller's role and the object, as the HTTP endpoints decide
/// it; free text never rides in a hub payload; replay depth, connections and subscriptions are bounded.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class ScreenProjectionTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Jinjiang = "510104";
    private const string OurDepartment = "510104-CG";
    private const string OtherDepartment = "510104-GA";

    /// <summary>Where these tests take their grids (from its far end, away from the demo operators' first community).</summary>
    private const string FirstStreet = DemoUnits.FirstStreet;

    private HttpClient Http => system.Http;

    private static string NewMarker() => "free-text-" + Guid.NewGuid().ToString("N")[..12];

    private async Task ActAsync(string token, string id, string action, string? unitCode = null, string? note = null)
    {
        var (status, body) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/incidents/{id}/actions", token,
            new { opId = Guid.NewGuid().ToString(), action, note, unitCode });
        Assert.True(status == HttpStatusCode.OK, $"{action} on {id}: {status} {body}");
    }

    /// <summary>A case reported, accepted and dispatched by the 锦江区 operator, its description and notes holding <paramref name="marker"/>.</summary>
    private async Task<string> DispatchedCaseAsync(string token, string grid, string? department, string marker)
    {
        var (status, created) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = Guid.NewGuid().ToString(), category = "sanitation", urgency = "normal", description = $"占道经营 {marker}", gridCode = grid });
        Assert.Equal(HttpStatusCode.Created, status);
        var id = created.GetProperty("id").GetString()!;
        await ActAsync(token, id, "accept", note: $"受理 {marker}");
        await ActAsync(token, id, "dispatch", department, note: $"派遣 {marker}");
        return id;
    }

    private static string? Text(JsonElement data, string property) =>
        data.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [Fact]
    public async Task DepartmentStaffReplayingFromZeroGetOnlyTheirDepartmentsCasesAndWatermarksForTheRest()
    {
        var operatorToken = await Api.TokenAsync(Http, "jinjiang.operator");
        var admin = await Api.TokenAsync(Http, "city.admin");
        var grid = system.Fresh.Grid(within: DemoUnits.SecondStreet);
        var marker = NewMarker();
        var ours = await DispatchedCaseAsync(operatorToken, grid, OurDepartment, marker);
        var theirs = await DispatchedCaseAsync(operatorToken, grid, OtherDepartment, marker);

        var staff = await Api.TokenAsync(Http, "jinjiang.cg.staff");
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{ours}", staff)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{theirs}", staff)).Status);

        // From the very start of the district's log: replay, then live.
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, staff);
        await screen.SubscribeAsync(Jinjiang, new() { [Jinjiang] = 0 });
        output.WriteLine($"the department screen replays {screen.Head[Jinjiang]} events of {Jinjiang}");
        var oursLive = await DispatchedCaseAsync(operatorToken, grid, OurDepartment, marker);
        var theirsLive = await DispatchedCaseAsync(operatorToken, grid, OtherDepartment, marker);
        await ActAsync(staff, ours, "start", note: $"处置 {marker}");
        var barrier = await Api.AppendAsync(Http, admin, Jinjiang, "probe.barrier", "barrier-" + Guid.NewGuid().ToString("N"));
        await screen.ReceiveMatchingAsync(e => e.Seq == barrier, "the barrier after every case event", timeoutSeconds: 90);

        var cases = screen.History.Where(e => e.Type.StartsWith("incident.", StringComparison.Ordinal)).ToList();
        // The department's cases: responsible for, offered by transfer, or helping with (协办 — other tests add it as a co-handler).
        Assert.All(cases, e => Assert.True(Text(e.Data, "responsibleCode") == OurDepartment || Text(e.Data, "pendingTransferTo") == OurDepartment
            || (e.Data.TryGetProperty("coHandlers", out var co) && co.ValueKind == JsonValueKind.Array && co.EnumerateArray().Any(c => c.GetString() == OurDepartment)),
            $"seq {e.Seq} {e.Type} of {Text(e.Data, "id")} is another department's case"));
        var seen = cases.Select(e => Text(e.Data, "id")).ToHashSet();
        Assert.Contains(ours, seen);
        Assert.Contains(oursLive, seen);
        Assert.DoesNotContain(theirs, seen);
        Assert.DoesNotContain(theirsLive, seen);
        Assert.Contains(cases, e => Text(e.Data, "id") == ours && Text(e.Data, "stage") == "in-progress");
        Assert.All(cases, e => Assert.False(e.Data.TryGetProperty("description", out _), $"seq {e.Seq} carries a description"));
        Assert.All(screen.History, e => Assert.DoesNotContain(marker, e.Data.GetRawText()));

        // Live state follows the same rule: its own new case's, never the other department's.
        await screen.LiveItemAsync(i => Text(i, "kind") == "incident" && Text(i, "id") == oursLive);
        Assert.DoesNotContain(screen.LiveHistory, i => Text(i, "kind") == "incident" && Text(i, "id") is { } id && (id == theirs || id == theirsLive));

        // The events it does not see still move its cursor: watermarks reach the head.
        await screen.WatermarkReachingAsync(Jinjiang, barrier);
    }

    [Fact]
    public async Task NoHubPayloadCarriesACaseDescriptionOrANoteWhileTheApiStillGivesThemToThoseWhoMaySee()
    {
        var operatorToken = await Api.TokenAsync(Http, "jinjiang.operator");
        var marker = NewMarker();
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, operatorToken);
        await screen.SubscribeAsync(Jinjiang);

        // One grid of our own, for the case and the worker's device: 锦江区's third street is small and other tests need it.
        var worker = system.Fresh.Worker(within: FirstStreet);
        var caseId = await DispatchedCaseAsync(operatorToken, worker.Grid, null, marker);
        var (_, key) = await Api.ProvisionDeviceAsync(Http, operatorToken, "worker-phone", worker.Id);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(Http, key, Api.Status(1, worker.Lat, worker.Lon, batteryPct: 5))).Status);
        var raised = await screen.ReceiveMatchingAsync(e => e.Type == "alert.raised" && e.UnitCode == worker.Grid, "the battery alert");
        var alertId = Text(raised.Data, "id")!;
        foreach (var action in new[] { "ack", "resolve" })
        {
            var (status, _) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/alerts/{alertId}/{action}", operatorToken, new { opId = Guid.NewGuid().ToString(), note = $"{action} {marker}" });
            Assert.Equal(HttpStatusCode.OK, status);
        }

        await screen.ReceiveMatchingAsync(e => e.Type == "alert.resolved" && Text(e.Data, "id") == alertId, "alert.resolved");
        var caseEvents = screen.History.Where(e => Text(e.Data, "id") == caseId).ToList();
        Assert.Equal(["incident.reported", "incident.stage-changed", "incident.stage-changed"], caseEvents.Select(e => e.Type));
        Assert.Equal("dispatched", Text(caseEvents[^1].Data, "stage"));
        Assert.All(caseEvents, e => Assert.False(e.Data.TryGetProperty("description", out _)));
        Assert.All(caseEvents, e => Assert.False(e.Data.GetProperty("lastStep").TryGetProperty("note", out _)));
        var alertEvents = screen.History.Where(e => Text(e.Data, "id") == alertId).ToList();
        Assert.Equal(["alert.raised", "alert.acknowledged", "alert.resolved"], alertEvents.Select(e => e.Type));
        Assert.Equal("jinjiang.operator", Text(alertEvents[1].Data, "acknowledgedBy"));
        Assert.All(alertEvents, e => Assert.False(e.Data.TryGetProperty("note", out _)));
        Assert.All(screen.History, e => Assert.DoesNotContain(marker, e.Data.GetRawText()));

        // The text is there, over HTTP, for those who may read it.
        var (_, detail) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{caseId}", operatorToken);
        Assert.Contains(marker, detail.GetProperty("incident").GetProperty("description").GetString());
        Assert.Equal(2, detail.GetProperty("timeline").EnumerateArray().Count(t => t.GetProperty("note").GetString()?.Contains(marker, StringComparison.Ordinal) == true));
        var (_, alert) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/alerts/{alertId}", operatorToken);
        Assert.Equal($"resolve {marker}", alert.GetProperty("note").GetString());
    }

    [Fact]
    public async Task KeyPersonEventsReachOnlyRolesClearedForThemAndEachSuchSubscriptionIsAudited()
    {
        var person = system.Fresh.KeyPerson(within: FirstStreet);
        var community = person.Grid[..12];
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var operators = new OperatorStore(system.Db);
        var workerName = $"projection.worker.{suffix}";
        var staffName = $"projection.staff.{suffix}";
        await operators.UpsertAsync(new OperatorAccount(workerName, "网格员", "worker", person.Grid, Disabled: false), SystemFixture.Password);
        await operators.UpsertAsync(new OperatorAccount(staffName, "社区工作人员", "staff", community, Disabled: false), SystemFixture.Password);
        const string Corrections = "jinjiang.corrections.officer";
        var watchesBefore = (await system.AuditAsync(Jinjiang, "key-person.watch")).Count(a => a.Actor == Corrections);

        await using var workerScreen = await ScreenClient.ConnectAsync(system.GatewayUrl, await Api.TokenAsync(Http, workerName));
        await workerScreen.SubscribeAsync(person.Grid);
        await using var staffScreen = await ScreenClient.ConnectAsync(system.GatewayUrl, await Api.TokenAsync(Http, staffName));
        await staffScreen.SubscribeAsync(community);
        await using var departmentScreen = await ScreenClient.ConnectAsync(system.GatewayUrl, await Api.TokenAsync(Http, "jinjiang.cg.staff"));
        await departmentScreen.SubscribeAsync(Jinjiang);
        await using var correctionsScreen = await ScreenClient.ConnectAsync(system.GatewayUrl, await Api.TokenAsync(Http, Corrections));
        await correctionsScreen.SubscribeAsync(Jinjiang);

        var (_, phone) = await Api.ProvisionDeviceAsync(Http, await Api.TokenAsync(Http, "jinjiang.operator"), "person-phone", person.Id);
        Assert.Equal(HttpStatusCode.OK, (await Api.DeviceSendAsync(Http, HttpMethod.Post, "/api/v1/device/check-ins", phone)).Status);
        await correctionsScreen.ReceiveMatchingAsync(e => e.Type == "keyperson.checked-in" && Text(e.Data, "id") == person.Id, "the check-in on the corrections screen");

        var barrier = await Api.AppendAsync(Http, await Api.TokenAsync(Http, "city.admin"), person.Grid, "probe.barrier", "barrier-" + suffix);
        foreach (var screen in new[] { workerScreen, staffScreen, departmentScreen })
        {
            await screen.ReceiveMatchingAsync(e => e.Seq == barrier, "the barrier after the check-in");
            Assert.DoesNotContain(screen.History, e => e.Type.StartsWith("keyperson.", StringComparison.Ordinal));
            Assert.DoesNotContain(screen.History, e => e.Type.StartsWith("alert.", StringComparison.Ordinal)
                && e.Data.GetProperty("subject").GetProperty("kind").GetString() == "key-person");
        }

        // One audit row per subscription that receives key persons' events, none for the others; the auditor reads it.
        Assert.Equal(watchesBefore + 1, (await system.AuditAsync(Jinjiang, "key-person.watch")).Count(a => a.Actor == Corrections));
        foreach (var (unit, name) in new[] { (person.Grid, workerName), (community, staffName), (Jinjiang, "jinjiang.cg.staff") })
        {
            Assert.DoesNotContain(await system.AuditAsync(unit, "key-person.watch"), a => a.Actor == name);
        }

        var (_, trail) = await Api.GetAsync(Http, "city.auditor", $"/api/v1/audit?unit={person.Grid}&limit=1000");
        Assert.Contains(trail.GetProperty("items").EnumerateArray(), e => e.GetProperty("action").GetString() == "key-person.watch"
            && e.GetProperty("actor").GetString() == Corrections && e.GetProperty("subject").GetString() == Jinjiang);
    }

    [Fact]
    public async Task ACursorOlderThanTheRolesReplayBoundIsRefusedWithAClearError()
    {
        var url = new Uri($"http://127.0.0.1:{Testing.FreePort.Next()}");
        var (gateway, _) = system.StartGateway("gateway-replay-bound", url,
            new() { ["Screens__MaxReplayEvents"] = "10", ["Screens__MaxReplayEventsByRole__department"] = "2" });
        using var http = new HttpClient { BaseAddress = url };
        await SystemFixture.WaitForActiveSilosAsync(http, 1);
        var admin = await Api.TokenAsync(Http, "city.admin");
        var operatorToken = await Api.TokenAsync(Http, "jinjiang.operator");

        await using var screen = await ScreenClient.ConnectAsync(url, operatorToken);
        var start = (await screen.SubscribeAsync(Jinjiang))[Jinjiang];
        var appended = new List<long>();
        for (var i = 0; i < 11; i++)
        {
            appended.Add(await Api.AppendAsync(Http, admin, Jinjiang, "probe.raised", $"bound-{i}"));
        }

        await using var late = await ScreenClient.ConnectAsync(url, operatorToken);
        var error = await Assert.ThrowsAsync<HubException>(() => late.SubscribeAsync(Jinjiang, new() { [Jinjiang] = start }));
        output.WriteLine(error.Message);
        Assert.Contains("cursor too old", error.Message);
        Assert.Contains("at most 10", error.Message);
        Assert.Empty(late.History);

        // Within the bound the same connection replays as before.
        await late.SubscribeAsync(Jinjiang, new() { [Jinjiang] = appended[^4] });
        foreach (var seq in appended[^3..])
        {
            await late.ReceiveMatchingAsync(e => e.Seq == seq, $"replayed seq {seq}");
        }

        // Department staff's bound is their role's.
        await using var department = await ScreenClient.ConnectAsync(url, await Api.TokenAsync(Http, "jinjiang.cg.staff"));
        var refused = await Assert.ThrowsAsync<HubException>(() => department.SubscribeAsync(Jinjiang, new() { [Jinjiang] = appended[^4] }));
        Assert.Contains("at most 2", refused.Message);
        await gateway.KillAsync();
    }

    [Fact]
    public async Task AUserBeyondTheConnectionLimitIsRefusedAndAConnectionBeyondItsSubscriptionLimitToo()
    {
        var url = new Uri($"http://127.0.0.1:{Testing.FreePort.Next()}");
        var (gateway, _) = system.StartGateway("gateway-limits", url,
            new() { ["Screens__MaxConnectionsPerUser"] = "2", ["Screens__MaxSubscriptionsPerConnection"] = "2" });
        using var http = new HttpClient { BaseAddress = url };
        await SystemFixture.WaitForActiveSilosAsync(http, 1);
        var operatorToken = await Api.TokenAsync(Http, "jinjiang.operator");

        var first = await ScreenClient.ConnectAsync(url, operatorToken);
        await using var second = await ScreenClient.ConnectAsync(url, operatorToken);
        Assert.Contains("too many connections", (await RefusedAsync(url, operatorToken)).Message);

        // Another user is not affected; once one of the two closes, the user may connect again.
        await using (var other = await ScreenClient.ConnectAsync(url, await Api.TokenAsync(Http, "jinjiang.street.operator")))
        {
            await other.SubscribeAsync(DemoUnits.FirstStreet);
        }

        await first.DisposeAsync();
        await using var third = await Testing.Eventually.HoldsAsync<ScreenClient?>(async () =>
        {
            var candidate = await ScreenClient.ConnectAsync(url, operatorToken);
            // A refused connection is closed by the server right after its handshake.
            if (await Task.WhenAny(candidate.Closed, Task.Delay(500)) == candidate.Closed)
            {
                await candidate.DisposeAsync();
                return null;
            }

            return candidate;
        }, c => c is not null, TimeSpan.FromSeconds(10), "a connection once the first one closed") ?? throw new InvalidOperationException("no connection");

        // Subscriptions: two units, the same one again, not a third, until one ends.
        await third.SubscribeAsync(Jinjiang);
        await third.SubscribeAsync(DemoUnits.FirstStreet);
        await third.SubscribeAsync(Jinjiang);
        var error = await Assert.ThrowsAsync<HubException>(() => third.SubscribeAsync(DemoUnits.SecondStreet));
        Assert.Contains("too many subscriptions", error.Message);
        await third.UnsubscribeAsync(DemoUnits.FirstStreet);
        await third.SubscribeAsync(DemoUnits.SecondStreet);
        await gateway.KillAsync();
    }

    /// <summary>The error of a connection the server refuses (as it closes it after the handshake, or while starting).</summary>
    private static async Task<Exception> RefusedAsync(Uri url, string token)
    {
        ScreenClient refused;
        try
        {
            refused = await ScreenClient.ConnectAsync(url, token);
        }
        catch (Exception ex)
        {
            return ex;
        }

        await using (refused)
        {
            await refused.Closed.WaitAsync(TimeSpan.FromSeconds(10));
            return refused.CloseError ?? new InvalidOperationException("closed without an error");
        }
    }
}

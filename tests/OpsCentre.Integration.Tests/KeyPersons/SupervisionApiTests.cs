using System.Net;
using System.Text.Json;
using OpsCentre.Integration.Tests.Auth;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.KeyPersons;

/// <summary>Issue 29's workflows through the real gateway, silo and PostgreSQL: release hand-over, officers, travel leave.</summary>
[Collection(nameof(SystemCollection))]
public sealed class SupervisionApiTests(SystemFixture system)
{
    private HttpClient Http => system.Http;

    private Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string token, object? body = null) =>
        Api.SendAsync(Http, method, path, token, body);

    [Fact]
    public async Task AReleaseNoticeFromThePrisonSystemConfirmedByTheCommunityPutsTheFirstVisitOnTheWorkersPhone()
    {
        var city = system.Fresh.City;
        var grid = system.Fresh.Grid(within: "510104", where: g => city.KeyPersons.Any(p => p.Grid == g) && city.Workers.Any(w => w.Grid == g));
        var person = city.KeyPersons.First(p => p.Grid == grid);
        var worker = city.Workers.Last(w => w.Grid == grid);
        var phone = (await Api.ProvisionDeviceAsync(Http, await Api.TokenAsync(Http, "jinjiang.operator"), "worker-phone", worker.Id)).Key;

        // The prison system's client names the person by ID number; a client without releases:write may not.
        var prison = await MachineClientTests.AccessTokenAsync(Http, await MachineClientTests.RegisterAsync(Http, "5101", "releases:write"));
        var reader = await MachineClientTests.AccessTokenAsync(Http, await MachineClientTests.RegisterAsync(Http, "5101", "cases:read"));
        var notice = new { opId = "release-" + Guid.NewGuid().ToString("N"), idNumber = person.IdNumber, communityCode = grid[..12], releasedAt = DateTimeOffset.UtcNow.AddHours(-2), note = "期满释放" };
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/api/v1/release-notices", reader, notice)).Status);
        var (wrongCommunity, problem) = await SendAsync(HttpMethod.Post, "/api/v1/release-notices", prison, notice with { opId = "release-" + Guid.NewGuid().ToString("N"), communityCode = "510105001001" });
        Assert.True(wrongCommunity == HttpStatusCode.UnprocessableEntity && problem.GetProperty("errors").TryGetProperty("idNumber", out _), $"{(int)wrongCommunity} {problem}");
        var (created, body) = await SendAsync(HttpMethod.Post, "/api/v1/release-notices", prison, notice);
        Assert.True(created == HttpStatusCode.Created, $"{(int)created} {body}");
        var id = body.GetProperty("id").GetString()!;
        Assert.Equal((person.Id, "notified"), (body.GetProperty("personId").GetString(), body.GetProperty("state").GetString()));
        var (replayed, again) = await SendAsync(HttpMethod.Post, "/api/v1/release-notices", prison, notice);
        Assert.Equal((HttpStatusCode.Created, id), (replayed, again.GetProperty("id").GetString()));

        // Not yet confirmed: nothing on the phone.
        Assert.DoesNotContain(await TasksAsync(phone), t => t.Kind == "first-visit" && t.Id == person.Id);

        // The receiving side confirms (once); 青羊区 does not see the notice.
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, $"/api/v1/release-notices/{id}/confirm", await Api.TokenAsync(Http, "qingyang.operator"))).Status);
        var corrections = await Api.TokenAsync(Http, "jinjiang.corrections.officer");
        var (confirmed, confirmedBody) = await SendAsync(HttpMethod.Post, $"/api/v1/release-notices/{id}/confirm", corrections);
        Assert.True(confirmed == HttpStatusCode.OK, $"{(int)confirmed} {confirmedBody}");
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"/api/v1/release-notices/{id}/confirm", corrections)).Status);

        var firstVisit = (await TasksAsync(phone)).Single(t => t.Kind == "first-visit" && t.Id == person.Id);
        Assert.Equal("刑满释放首次走访 " + person.Name[..1] + new string('*', person.Name.Length - 1), firstVisit.Title);
        Assert.Equal(confirmedBody.GetProperty("firstVisitBy").GetDateTimeOffset(), firstVisit.Due);
        Assert.NotEmpty(await system.AuditAsync(person.Id, "key-person.first-visit-tasks"));

        // The worker visits from the phone: the task is gone and the notice has its first visit.
        var (visited, visit) = await Api.DeviceSendAsync(Http, HttpMethod.Post, "/api/v1/device/visits", phone,
            new { opId = "first-visit-" + Guid.NewGuid().ToString("N"), keyPersonId = person.Id, outcome = "met", notes = "已落实住处" });
        Assert.True(visited == HttpStatusCode.Created, $"{(int)visited} {visit}");
        Assert.DoesNotContain(await TasksAsync(phone), t => t.Kind == "first-visit" && t.Id == person.Id);
        var (_, read) = await SendAsync(HttpMethod.Get, $"/api/v1/release-notices/{id}", corrections);
        Assert.NotEqual(JsonValueKind.Null, read.GetProperty("firstVisitAt").ValueKind);
    }

    [Fact]
    public async Task AnOfficerIsNamedWithinTheirScopeAndTheCaseloadsShowThemAgainstTheNorm()
    {
        var person = system.Fresh.KeyPerson(within: "510104");
        var operatorToken = await Api.TokenAsync(Http, "jinjiang.operator");
        var path = $"/api/v1/key-persons/{person.Id}/officer";
        var (none, empty) = await SendAsync(HttpMethod.Get, path, operatorToken);
        Assert.Equal((HttpStatusCode.OK, JsonValueKind.Null), (none, empty.GetProperty("officer").ValueKind));

        // Corrections staff may not name officers; an account that is no officer of the person's district is refused at the field.
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Put, path, await Api.TokenAsync(Http, "jinjiang.corrections.officer"), new { officer = "jinjiang.corrections.officer" })).Status);
        var (refused, problem) = await SendAsync(HttpMethod.Put, path, operatorToken, new { officer = "jinjiang.operator" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused);
        Assert.True(problem.GetProperty("errors").TryGetProperty("officer", out _));

        var (named, assignment) = await SendAsync(HttpMethod.Put, path, operatorToken, new { officer = "jinjiang.corrections.officer" });
        Assert.True(named == HttpStatusCode.OK, $"{(int)named} {assignment}");
        var (_, page) = await SendAsync(HttpMethod.Get, "/api/v1/corrections/officers?unit=510104", operatorToken);
        var officer = page.GetProperty("items").EnumerateArray().Single(o => o.GetProperty("username").GetString() == "jinjiang.corrections.officer");
        Assert.True(officer.GetProperty("caseload").GetInt32() >= 1);
        Assert.Equal(page.GetProperty("norm").GetInt32(), officer.GetProperty("norm").GetInt32());
        Assert.Equal(officer.GetProperty("caseload").GetInt32() > officer.GetProperty("norm").GetInt32(), officer.GetProperty("overNorm").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/api/v1/corrections/officers?unit=510105", operatorToken)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, $"/api/v1/corrections/officers?unit={DemoUnits.FirstCommunity}", await Api.TokenAsync(Http, "jinjiang.community.staff"))).Status);
    }

    private sealed record DeviceTask(string Kind, string Id, string Title, DateTimeOffset? Due);

    private async Task<List<DeviceTask>> TasksAsync(string key)
    {
        var (status, body) = await Api.DeviceSendAsync(Http, HttpMethod.Get, "/api/v1/device/tasks", key);
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. body.GetProperty("items").EnumerateArray().Select(t => new DeviceTask(t.GetProperty("kind").GetString()!, t.GetProperty("id").GetString()!,
            t.GetProperty("title").GetString()!, t.GetProperty("due").ValueKind == JsonValueKind.Null ? null : t.GetProperty("due").GetDateTimeOffset()))];
    }
}

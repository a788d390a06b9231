using System.Net;
using System.Text.Json;
using Npgsql;
using OpsCentre.Integration.Tests.Screens;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.KeyPersons;

/// <summary>
/// Least privilege per field, through the real gateway: which roles read key persons and workers' tracks at all, who sees a
/// person's category, and that personal data is in clear only for the cleared role naming a purpose from the fixed list,
/// the purpose kept in its own column of the audit row.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class LeastPrivilegeTests(SystemFixture system)
{
    private const string Department = "jinjiang.cg.staff";
    private const string Auditor = "city.auditor";
    private const string Corrections = "jinjiang.corrections.officer";
    private const string Operator = "jinjiang.operator";

    private static readonly string[] PurposeCodes = ["visit", "correction", "case-handling", "emergency", "audit-review", "monitoring"];

    private HttpClient Http => system.Http;

    private async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string token, string path) =>
        await Api.SendAsync(Http, HttpMethod.Get, path, token);

    private Task<long> AuditRowsAsync() => system.Db.ScalarAsync<long>("SELECT count(*) FROM audit_log");

    [Fact]
    public async Task DepartmentStaffAndAuditorsAreForbiddenEveryKeyPersonEndpointAndTheWorkersTrack()
    {
        var person = system.Fresh.KeyPerson(within: "510104");
        var worker = system.Fresh.Worker(within: "510104");
        var reads = new[]
        {
            "/api/v1/key-persons?unit=510104", $"/api/v1/key-persons/{person.Id}", $"/api/v1/key-persons/{person.Id}?purpose=case-handling",
            $"/api/v1/key-persons/{person.Id}/zones", $"/api/v1/key-persons/{person.Id}/check-ins", $"/api/v1/key-persons/{person.Id}/visits",
            $"/api/v1/workers/{worker.Id}/track?purpose=case-handling",
        };

        // The supervision centre reads them all but the zones (corrections staff only): the paths are right, the roles are what differs.
        var operatorToken = await Api.TokenAsync(Http, Operator);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Forbidden, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK],
            await Task.WhenAll(reads.Select(async path => (await GetAsync(operatorToken, path)).Status)));

        foreach (var role in new[] { Department, Auditor })
        {
            var token = await Api.TokenAsync(Http, role);
            foreach (var path in reads)
            {
                var (status, problem) = await GetAsync(token, path);
                Assert.True(status == HttpStatusCode.Forbidden, $"{role} GET {path}: {(int)status} {problem}");
                Assert.Equal(403, problem.GetProperty("status").GetInt32());
            }

            Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/key-persons/{person.Id}/visits", token,
                new { opId = "visit-" + role, outcome = "met" })).Status);
        }

        // Corrections staff supervise key persons, not grid workers: no tracks either.
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(await Api.TokenAsync(Http, Corrections), reads[^1])).Status);

        // The refusals are on record as denied reads, like probes out of scope.
        foreach (var (subject, action) in new[] { (person.Id, "key-person.read"), (person.Id, "key-person.visits"), (worker.Id, "worker.track") })
        {
            var denied = (await system.AuditAsync(subject, action)).Where(a => a.Actor is Department or Auditor).ToList();
            Assert.True(denied.Count >= 2, $"{action} of {subject}: {denied.Count} denied rows");
            Assert.All(denied, a => Assert.False(a.Unmasked));
            Assert.All(denied, a => Assert.Contains("denied", a.Detail, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ACategoryIsShownOnlyToTheRolesWhoseDutyNeedsIt()
    {
        var person = system.Fresh.KeyPerson(within: DemoUnits.FirstCommunity);
        foreach (var role in new[] { "city.admin", Operator, "jinjiang.street.operator", "jinjiang.community.staff", Corrections })
        {
            var token = await Api.TokenAsync(Http, role);
            var (_, list) = await GetAsync(token, $"/api/v1/key-persons?unit={person.Grid}");
            Assert.Equal(person.Category, list.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetString() == person.Id).GetProperty("category").GetString());
            var (_, one) = await GetAsync(token, $"/api/v1/key-persons/{person.Id}");
            Assert.Equal(person.Category, one.GetProperty("category").GetString());
        }

        // A grid worker visits the persons of their grid, and reads them masked, without the category; the field stays, null.
        var (status, own) = await GetAsync(await Api.TokenAsync(Http, "jinjiang.grid.worker"), $"/api/v1/key-persons?unit={DemoUnits.FirstGrid}");
        Assert.Equal(HttpStatusCode.OK, status);
        var items = own.GetProperty("items").EnumerateArray().ToList();
        Assert.NotEmpty(items);
        Assert.All(items, i => Assert.Equal(JsonValueKind.Null, i.GetProperty("category").ValueKind));
        Assert.All(items, i => Assert.Equal(["id", "name", "category", "gridCode", "state"], i.EnumerateObject().Select(p => p.Name)));
        var categories = system.City.KeyPersons.Select(p => p.Category).ToHashSet();
        Assert.All(categories, c => Assert.DoesNotContain(c, own.GetRawText(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task PersonalDataIsInClearOnlyForTheClearedRoleNamingAPurposeFromTheList()
    {
        var person = system.Fresh.KeyPerson(within: "510104");
        var corrections = await Api.TokenAsync(Http, Corrections);
        var maskedName = person.Name[..1] + new string('*', person.Name.Length - 1);

        // Cleared, but no purpose named: masked like anyone else, whereabouts absent.
        var (_, unnamed) = await GetAsync(corrections, $"/api/v1/key-persons/{person.Id}");
        Assert.Equal(maskedName, unnamed.GetProperty("name").GetString());
        Assert.Equal(person.IdNumber[..4] + new string('*', person.IdNumber.Length - 4), unnamed.GetProperty("idNumber").GetString());
        Assert.Equal(JsonValueKind.Null, unnamed.GetProperty("lat").ValueKind);
        var (_, list) = await GetAsync(corrections, $"/api/v1/key-persons?unit={person.Grid}");
        Assert.DoesNotContain(person.Name, list.GetRawText(), StringComparison.Ordinal);

        // A purpose from the list: in clear. The same purpose named by a role not cleared: still masked.
        var (_, clear) = await GetAsync(corrections, $"/api/v1/key-persons/{person.Id}?purpose=emergency");
        Assert.Equal((person.Name, person.IdNumber), (clear.GetProperty("name").GetString(), clear.GetProperty("idNumber").GetString()));
        var (_, clearList) = await GetAsync(corrections, $"/api/v1/key-persons?unit={person.Grid}&purpose=emergency");
        Assert.Contains(person.Name, clearList.GetRawText(), StringComparison.Ordinal);
        var (_, operatorRead) = await GetAsync(await Api.TokenAsync(Http, Operator), $"/api/v1/key-persons/{person.Id}?purpose=emergency");
        Assert.Equal(maskedName, operatorRead.GetProperty("name").GetString());

        // Anything else is 400 naming the field and listing the purposes with their labels; nothing is read or recorded.
        var rowsBefore = await AuditRowsAsync();
        foreach (var path in new[]
        {
            $"/api/v1/key-persons/{person.Id}?purpose=because", $"/api/v1/key-persons/{person.Id}?purpose=Emergency", $"/api/v1/key-persons/{person.Id}?purpose=",
            $"/api/v1/key-persons?unit={person.Grid}&purpose=curiosity", $"/api/v1/key-persons/{person.Id}/visits?purpose=because",
            $"/api/v1/key-persons/{person.Id}/check-ins?purpose=because", $"/api/v1/key-persons/{person.Id}/zones?purpose=because",
        })
        {
            var (status, problem) = await GetAsync(corrections, path);
            Assert.True(status == HttpStatusCode.BadRequest, $"GET {path}: {(int)status} {problem}");
            var message = Assert.Single(problem.GetProperty("errors").GetProperty("purpose").EnumerateArray()).GetString()!;
            Assert.All(PurposeCodes, code => Assert.Contains(code, message, StringComparison.Ordinal));
            Assert.Contains("社区矫正监管", message, StringComparison.Ordinal);
        }

        Assert.Equal(rowsBefore, await AuditRowsAsync());

        // The purpose is a column of the row; the auditor reads it, with its label, and may look for one purpose.
        var rows = await system.AuditAsync(person.Id, "key-person.read");
        Assert.Equal([(Corrections, false, null), (Corrections, true, "emergency"), (Operator, false, "emergency")], rows.Select(a => (a.Actor, a.Unmasked, a.Purpose)));
        var auditor = await Api.TokenAsync(Http, Auditor);
        var (_, trail) = await GetAsync(auditor, $"/api/v1/audit?unit={person.Grid}&purpose=emergency&limit=1000");
        var found = trail.GetProperty("items").EnumerateArray().ToList();
        Assert.All(found, e => Assert.Equal("emergency", e.GetProperty("purpose").GetString()));
        Assert.All(found, e => Assert.Equal("应急处置", e.GetProperty("purposeLabel").GetString()));
        Assert.Equal([("key-person.read", Operator), ("key-person.list", Corrections), ("key-person.read", Corrections)],
            found.Where(e => e.GetProperty("subject").GetString() == person.Id).Select(e => (e.GetProperty("action").GetString(), e.GetProperty("actor").GetString())));
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(auditor, $"/api/v1/audit?unit={person.Grid}&purpose=because")).Status);

        // The list the console offers, and the database refusing anything outside it.
        var (_, purposes) = await GetAsync(auditor, "/api/v1/audit/purposes");
        Assert.Equal(PurposeCodes, purposes.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("code").GetString()));
        Assert.Equal(["走访", "社区矫正监管", "事件处置", "应急处置", "审计核查", "值守监看"],
            purposes.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("label").GetString()));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => system.Db.ExecuteAsync(
            "INSERT INTO audit_log (actor, role, action, subject, unit_code, unmasked, purpose) VALUES ('x', 'operator', 'key-person.read', @s, @u, false, 'because')",
            ("s", person.Id), ("u", person.Grid)));
        Assert.Equal(PostgresErrorCodes.CheckViolation, refused.SqlState);
    }

    [Fact]
    public async Task AWorkersTrackIsReadOnlyWithAPurposeAndEveryReadIsAudited()
    {
        var worker = system.Fresh.Worker(within: "510104");
        var path = $"/api/v1/workers/{worker.Id}/track";
        var operatorToken = await Api.TokenAsync(Http, Operator);

        var (missing, problem) = await GetAsync(operatorToken, path);
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.Contains("required", Assert.Single(problem.GetProperty("errors").GetProperty("purpose").EnumerateArray()).GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(operatorToken, path + "?purpose=because")).Status);
        Assert.Empty(await system.AuditAsync(worker.Id, "worker.track"));

        var (status, track) = await GetAsync(operatorToken, path + "?purpose=case-handling");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(worker.Id, track.GetProperty("workerId").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(await Api.TokenAsync(Http, "qingyang.operator"), path + "?purpose=emergency")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(await Api.TokenAsync(Http, Department), path + "?purpose=case-handling")).Status);

        Assert.Equal([(Operator, true, "case-handling"), ("qingyang.operator", false, "emergency"), (Department, false, "case-handling")],
            (await system.AuditAsync(worker.Id, "worker.track")).Select(a => (a.Actor, a.Unmasked, a.Purpose)));
        var (_, trail) = await GetAsync(await Api.TokenAsync(Http, Auditor), $"/api/v1/audit?unit={worker.Grid}&limit=1000");
        Assert.Equal(3, trail.GetProperty("items").EnumerateArray().Count(e => e.GetProperty("subject").GetString() == worker.Id && e.GetProperty("action").GetString() == "worker.track"));

        // A probe of a worker that does not exist is on the prober's unit's trail too.
        var probe = "w-no-such-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(operatorToken, $"/api/v1/workers/{probe}/track?purpose=audit-review")).Status);
        Assert.Contains("denied", Assert.Single(await system.AuditAsync(probe, "worker.track")).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWallScreenWatchingKeyPersonsEventsIsAuditedWithTheMonitoringPurpose()
    {
        const string Jinjiang = "510104";
        var before = (await system.AuditAsync(Jinjiang, "key-person.watch")).Count(a => a.Actor == Corrections);
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, await Api.TokenAsync(Http, Corrections));
        await screen.SubscribeAsync(Jinjiang);

        var watches = (await system.AuditAsync(Jinjiang, "key-person.watch")).Where(a => a.Actor == Corrections).ToList();
        Assert.Equal(before + 1, watches.Count);
        Assert.Equal("monitoring", watches[^1].Purpose);
        Assert.Contains("wall screen", watches[^1].Detail, StringComparison.Ordinal);
    }
}

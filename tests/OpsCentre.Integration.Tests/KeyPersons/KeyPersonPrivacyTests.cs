using System.Net;
using System.Text.Json;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.KeyPersons;

/// <summary>Personal data of key persons through the real gateway: masking by role, an audit row for every read, and no clear data in logs or events.</summary>
[Collection(nameof(SystemCollection))]
public sealed class KeyPersonPrivacyTests(SystemFixture system)
{
    private HttpClient Http => system.Http;

    private Task<(HttpStatusCode Status, JsonElement Body)> ReadAsync(string username, string id, string purpose = "correction") =>
        Api.GetAsync(Http, username, $"/api/v1/key-persons/{id}?purpose={purpose}");

    [Fact]
    public async Task MaskedForTheGridClearForCorrectionsDeniedElsewhereAndEveryReadAudited()
    {
        var person = system.Fresh.KeyPerson(within: DemoUnits.FirstCommunity);
        var reader = person.Grid == DemoUnits.FirstGrid ? "jinjiang.grid.worker" : "jinjiang.community.staff";

        // A purpose named by a role that is not cleared changes nothing: still masked.
        var (status, masked) = await ReadAsync(reader, person.Id, "visit");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(person.Name[..1] + new string('*', person.Name.Length - 1), masked.GetProperty("name").GetString());
        // The region only: never the birth date (digits 7–14) or the gender digit (the 17th).
        Assert.Equal(person.IdNumber[..4] + new string('*', person.IdNumber.Length - 4), masked.GetProperty("idNumber").GetString());
        Assert.Equal(JsonValueKind.Null, masked.GetProperty("lat").ValueKind);

        var (_, clear) = await ReadAsync("jinjiang.corrections.officer", person.Id, "correction");
        Assert.Equal((person.Name, person.IdNumber), (clear.GetProperty("name").GetString(), clear.GetProperty("idNumber").GetString()));

        Assert.Equal(HttpStatusCode.NotFound, (await ReadAsync(SystemFixture.SecondStreetOperator, person.Id, "case-handling")).Status);

        var audit = await system.AuditAsync(person.Id, "key-person.read");
        Assert.Equal([(reader, false, "visit"), ("jinjiang.corrections.officer", true, "correction"), (SystemFixture.SecondStreetOperator, false, "case-handling")],
            audit.Select(a => (a.Actor, a.Unmasked, a.Purpose)));
        Assert.Contains("denied", audit[2].Detail);
        // The purpose is a column of its own now, not text in the detail.
        Assert.All(audit, a => Assert.DoesNotContain("purpose", a.Detail, StringComparison.Ordinal));

        // The auditor reads the trail through the API, with the purpose and its label; an operator may not.
        var (_, trail) = await Api.GetAsync(Http, "city.auditor", $"/api/v1/audit?unit={person.Grid}&limit=1000");
        var entries = trail.GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("subject").GetString() == person.Id && e.GetProperty("action").GetString() == "key-person.read").ToList();
        Assert.Equal([("case-handling", "事件处置"), ("correction", "社区矫正监管"), ("visit", "走访")],
            entries.Select(e => (e.GetProperty("purpose").GetString(), e.GetProperty("purposeLabel").GetString())));
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.GetAsync(Http, "jinjiang.operator", $"/api/v1/audit?unit={person.Grid}")).Status);
    }

    [Fact]
    public async Task AProbeOfAnIdThatDoesNotExistIsOnTheAuditorsTrailOfTheProbersUnit()
    {
        var probe = "kp-no-such-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.NotFound, (await ReadAsync("jinjiang.street.operator", probe, "audit-review")).Status);

        var (status, trail) = await Api.GetAsync(Http, "city.auditor", "/api/v1/audit?unit=510104&limit=1000");
        Assert.Equal(HttpStatusCode.OK, status);
        var entry = Assert.Single(trail.GetProperty("items").EnumerateArray(), e => e.GetProperty("subject").GetString() == probe);
        Assert.Equal("jinjiang.street.operator", entry.GetProperty("actor").GetString());
        Assert.Contains("denied", entry.GetProperty("detail").GetString());
        // Outside the prober's unit the probe is not part of that unit's trail.
        var (_, other) = await Api.GetAsync(Http, "city.auditor", "/api/v1/audit?unit=510105&limit=1000");
        Assert.DoesNotContain(other.GetProperty("items").EnumerateArray(), e => e.GetProperty("subject").GetString() == probe);
    }

    [Fact]
    public async Task TheApplicationRoleCannotDeleteOrChangeAnAuditRow()
    {
        await ReadAsync("jinjiang.corrections.officer", system.Fresh.KeyPerson().Id);
        foreach (var sql in new[] { "DELETE FROM audit_log", "UPDATE audit_log SET actor = 'nobody'" })
        {
            await system.Db.AssertRefusedAsync(sql);
        }
    }

    [Fact]
    public async Task ACanaryIdNumberNeverReachesTheLogsOrTheEventLog()
    {
        // The person's real ID number is the canary: read in clear through the API, then looked for everywhere else.
        var person = system.Fresh.KeyPerson(within: "510104");
        var (_, clear) = await ReadAsync("jinjiang.corrections.officer", person.Id);
        Assert.Equal(person.IdNumber, clear.GetProperty("idNumber").GetString());
        var (_, list) = await Api.GetAsync(Http, "jinjiang.corrections.officer", $"/api/v1/key-persons?unit={person.Grid}&purpose=correction");
        Assert.Contains(person.Name, list.GetRawText());

        // The logs are read once the gateway has logged the clear read itself: the files are there, current,
        // and hold the request that carried the canary, so a clean result cannot come from reading nothing.
        var logs = await ProcessLogs.WhenAnyLineAsync(line => line.Contains($"/api/v1/key-persons/{person.Id}", StringComparison.Ordinal), "the clear read in the logs");
        Assert.NotEmpty(logs);
        foreach (var log in logs)
        {
            Assert.DoesNotContain(person.IdNumber, log.Text);
        }

        Assert.Equal(0L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM event_log WHERE payload::text LIKE @canary OR payload::text LIKE @name",
            ("canary", "%" + person.IdNumber + "%"), ("name", "%" + person.Name + "%")));
    }

    [Fact]
    public async Task APersonsPhoneChecksInAndOnlyTheClearedRoleSeesWhen()
    {
        var person = system.Fresh.KeyPerson(within: "510104");
        var (_, key) = await Api.ProvisionDeviceAsync(Http, await Api.TokenAsync(Http, "jinjiang.operator"), "person-phone", person.Id);
        Assert.Equal(HttpStatusCode.OK, (await Api.DeviceSendAsync(Http, HttpMethod.Post, "/api/v1/device/check-ins", key)).Status);

        var (_, clear) = await ReadAsync("jinjiang.corrections.officer", person.Id);
        Assert.Equal(JsonValueKind.String, clear.GetProperty("lastCheckIn").ValueKind);
        Assert.Equal(1L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM event_log WHERE type = 'keyperson.checked-in' AND payload ->> 'id' = @id", ("id", person.Id)));

        var (_, masked) = await ReadAsync("jinjiang.operator", person.Id);
        Assert.Equal(JsonValueKind.Null, masked.GetProperty("lastCheckIn").ValueKind);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace OpsCentre.Integration.Tests.KeyPersons;

/// <summary>Personal data of key persons through the real gateway: masking by role, an audit row for every read, and no clear data in logs or events.</summary>
[Collection(nameof(SystemCollection))]
public sealed class KeyPersonPrivacyTests(SystemFixture system)
{
    private HttpClient Http => system.Http;

    private async Task<(HttpStatusCode Status, JsonElement Body)> ReadAsync(string username, string id, string purpose = "test")
    {
        var token = (await Api.SignInAsync(Http, username)).AccessToken;
        using var response = await Http.SendAsync(Api.Authorized(HttpMethod.Get, $"/api/v1/key-persons/{id}?purpose={purpose}", token));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    private async Task<List<(string Actor, bool Unmasked, string Detail)>> AuditAsync(string subject)
    {
        await using var db = NpgsqlDataSource.Create(system.Database.AppConnectionString);
        await using var command = db.CreateCommand("SELECT actor, unmasked, detail FROM audit_log WHERE subject = @s AND action = 'key-person.read' ORDER BY id");
        command.Parameters.AddWithValue("s", subject);
        var rows = new List<(string, bool, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetBoolean(1), reader.GetString(2)));
        }

        return rows;
    }

    [Fact]
    public async Task MaskedForTheGridClearForCorrectionsDeniedElsewhereAndEveryReadAudited()
    {
        var person = system.City.KeyPersons.First(p => p.Grid.StartsWith("510104001001", StringComparison.Ordinal));
        var reader = person.Grid == "510104001001001" ? "jinjiang.grid.worker" : "jinjiang.community.staff";

        var purpose = "masking-" + Guid.NewGuid().ToString("N")[..8];
        var (status, masked) = await ReadAsync(reader, person.Id, purpose);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(person.Name[..1] + new string('*', person.Name.Length - 1), masked.GetProperty("name").GetString());
        Assert.Equal(person.IdNumber[..4] + new string('*', person.IdNumber.Length - 8) + person.IdNumber[^4..], masked.GetProperty("idNumber").GetString());
        Assert.Equal(JsonValueKind.Null, masked.GetProperty("lat").ValueKind);

        var (_, clear) = await ReadAsync("jinjiang.corrections.officer", person.Id, purpose);
        Assert.Equal((person.Name, person.IdNumber), (clear.GetProperty("name").GetString(), clear.GetProperty("idNumber").GetString()));

        Assert.Equal(HttpStatusCode.NotFound, (await ReadAsync(SystemFixture.SecondStreetOperator, person.Id, purpose)).Status);

        var audit = (await AuditAsync(person.Id)).Where(a => a.Detail.Contains(purpose, StringComparison.Ordinal)).ToList();
        Assert.Equal([(reader, false), ("jinjiang.corrections.officer", true), (SystemFixture.SecondStreetOperator, false)], audit.Select(a => (a.Actor, a.Unmasked)));
        Assert.Contains("denied", audit[2].Detail);

        // The auditor reads the trail through the API; an operator may not.
        var auditor = (await Api.SignInAsync(Http, "city.auditor")).AccessToken;
        using var trail = await Http.SendAsync(Api.Authorized(HttpMethod.Get, $"/api/v1/audit?unit={person.Grid}&limit=1000", auditor));
        var entries = (await trail.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("detail").GetString()?.Contains(purpose, StringComparison.Ordinal) == true).ToList();
        Assert.Equal(3, entries.Count);
        using var refused = await Http.SendAsync(Api.Authorized(HttpMethod.Get, $"/api/v1/audit?unit={person.Grid}", (await Api.SignInAsync(Http, "jinjiang.operator")).AccessToken));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.All(audit, a => Assert.Contains("purpose=" + purpose, a.Detail));
    }

    [Fact]
    public async Task TheApplicationRoleCannotDeleteOrChangeAnAuditRow()
    {
        await ReadAsync("jinjiang.corrections.officer", system.City.KeyPersons[0].Id);
        await using var db = NpgsqlDataSource.Create(system.Database.AppConnectionString);
        foreach (var sql in new[] { "DELETE FROM audit_log", "UPDATE audit_log SET actor = 'nobody'" })
        {
            await using var command = db.CreateCommand(sql);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }
    }

    [Fact]
    public async Task ACanaryIdNumberNeverReachesTheLogsOrTheEventLog()
    {
        // The person's real ID number is the canary: read in clear through the API, then looked for everywhere else.
        var person = system.City.KeyPersons.First(p => p.Grid.StartsWith("510104", StringComparison.Ordinal));
        var (_, clear) = await ReadAsync("jinjiang.corrections.officer", person.Id);
        Assert.Equal(person.IdNumber, clear.GetProperty("idNumber").GetString());
        using var list = await Http.SendAsync(Api.Authorized(HttpMethod.Get, $"/api/v1/key-persons?unit={person.Grid}",
            (await Api.SignInAsync(Http, "jinjiang.corrections.officer")).AccessToken));
        Assert.Contains(person.Name, await list.Content.ReadAsStringAsync());

        foreach (var file in Directory.EnumerateFiles(SystemFixture.LogDirectory))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var text = await new StreamReader(stream).ReadToEndAsync();
            Assert.DoesNotContain(person.IdNumber, text);
        }

        await using var db = NpgsqlDataSource.Create(system.Database.AppConnectionString);
        await using var command = db.CreateCommand("SELECT count(*) FROM event_log WHERE payload::text LIKE @canary OR payload::text LIKE @name");
        command.Parameters.AddWithValue("canary", "%" + person.IdNumber + "%");
        command.Parameters.AddWithValue("name", "%" + person.Name + "%");
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task APersonsPhoneChecksInAndOnlyTheClearedRoleSeesWhen()
    {
        var person = system.City.KeyPersons.Last(p => p.Grid.StartsWith("510104", StringComparison.Ordinal));
        var token = (await Api.SignInAsync(Http, "jinjiang.operator")).AccessToken;
        using var provisioned = await Http.SendAsync(Api.Authorized(HttpMethod.Post, "/api/v1/devices", token, new { kind = "person-phone", boundTo = person.Id }));
        var key = (await provisioned.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        using var checkIn = new HttpRequestMessage(HttpMethod.Post, "/api/v1/device/check-ins");
        checkIn.Headers.Add("X-Device-Key", key);
        using var answer = await Http.SendAsync(checkIn);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);

        var (_, clear) = await ReadAsync("jinjiang.corrections.officer", person.Id);
        Assert.Equal(JsonValueKind.String, clear.GetProperty("lastCheckIn").ValueKind);
        await using (var db = NpgsqlDataSource.Create(system.Database.AppConnectionString))
        {
            await using var logged = db.CreateCommand("SELECT count(*) FROM event_log WHERE type = 'keyperson.checked-in' AND payload ->> 'id' = @id");
            logged.Parameters.AddWithValue("id", person.Id);
            Assert.Equal(1L, (long)(await logged.ExecuteScalarAsync())!);
        }

        var (_, masked) = await ReadAsync("jinjiang.operator", person.Id);
        Assert.Equal(JsonValueKind.Null, masked.GetProperty("lastCheckIn").ValueKind);
    }
}

using System.Net;
using System.Text.Json;
using OpsCentre.Integration.Tests.Screens;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.KeyPersons;

/// <summary>
/// What a device queued while it had no signal, uploaded later through the real gateway to the real silo: every queued position
/// judged at its own time, and a queued check-in counted once at its own time.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class OfflineReplayTests(SystemFixture system)
{
    private const string ForbiddenPlaceRule = "key-person-in-forbidden-place";

    private HttpClient Http => system.Http;

    private Task<string> TokenAsync(string username) => Api.TokenAsync(Http, username);

    private async Task<string> ProvisionAsync(string kind, string boundTo) =>
        (await Api.ProvisionDeviceAsync(Http, await TokenAsync("jinjiang.operator"), kind, boundTo)).Key;

    /// <summary>To the millisecond, as a client's clock writes it and JSON carries it both ways.</summary>
    private static DateTimeOffset Ms(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);

    [Fact]
    public async Task AWristbandOfflineForAnHourReplaysAForbiddenPlaceVisitAsOneAlertWithTheBreachTimeDetectedOnReplay()
    {
        var person = system.Fresh.KeyPerson(within: "510104");
        var corrections = await TokenAsync("jinjiang.corrections.officer");
        var (lat, lon) = (person.Lat + 0.01, person.Lon);   // about 1.1 km north of home
        var (placed, _) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/key-persons/{person.Id}/zones", corrections,
            new { opId = "replay-bar-" + person.Id, name = "酒吧", lat, lon, radiusM = 200 });
        Assert.Equal(HttpStatusCode.Created, placed);
        var band = await ProvisionAsync("wristband", person.Id);

        var operatorToken = await TokenAsync("jinjiang.operator");
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, operatorToken);
        await screen.SubscribeAsync("510104");

        // The band's queue: a position every 5 minutes for the hour it had no signal; the 6th to the 9th (25 – 40 minutes in) in the bar.
        var start = Ms(DateTimeOffset.UtcNow.AddHours(-1));
        var inBar = new[] { 5, 6, 7, 8 };
        var items = Enumerable.Range(0, 13).Select(i => new Dictionary<string, object>
        {
            ["opId"] = $"q-{person.Id}-{i}", ["seq"] = i + 1, ["at"] = start.AddMinutes(5 * i),
            ["lat"] = inBar.Contains(i) ? lat : person.Lat, ["lon"] = inBar.Contains(i) ? lon : person.Lon,
            ["accuracyM"] = 8, ["batteryPct"] = 70, ["strapIntact"] = true,
        }).ToList();
        var (status, body) = await Api.DeviceSendAsync(Http, HttpMethod.Post, "/api/v1/device/status/batch", band, new { items });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.All(body.GetProperty("results").EnumerateArray(), r => Assert.Equal("applied", r.GetProperty("status").GetString()));

        bool OfThisBreach(ScreenClient.Envelope e) =>
            e.Data.GetProperty("ruleId").GetString() == ForbiddenPlaceRule && e.Data.GetProperty("subject").GetProperty("id").GetString() == person.Id;
        var raised = await screen.ReceiveMatchingAsync(e => e.Type == "alert.raised" && OfThisBreach(e), "alert.raised of the forbidden place");
        Assert.True(raised.Data.GetProperty("detectedOnReplay").GetBoolean());
        Assert.Equal(start.AddMinutes(25), raised.Data.GetProperty("breachedAt").GetDateTimeOffset());
        // Out of the bar 45 minutes in, and the rule's 2-minute recovery passed by the next position: it ended within the replay too.
        var id = raised.Data.GetProperty("id").GetString()!;
        await screen.ReceiveMatchingAsync(e => e.Type == "alert.resolved" && e.Data.GetProperty("id").GetString() == id, "alert.resolved of the breach");

        // One alert of the rule for the person, its detail saying when the breach happened and that it was found on replay.
        var (_, list) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/alerts?unit={person.Grid}", operatorToken);
        var listed = list.GetProperty("items").EnumerateArray()
            .Where(a => a.GetProperty("ruleId").GetString() == ForbiddenPlaceRule && a.GetProperty("subject").GetProperty("id").GetString() == person.Id).ToList();
        Assert.Equal(id, Assert.Single(listed).GetProperty("id").GetString());
        var (_, detail) = await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/alerts/" + id, operatorToken);
        Assert.True(detail.GetProperty("detectedOnReplay").GetBoolean());
        Assert.Equal(start.AddMinutes(25), detail.GetProperty("breachedAt").GetDateTimeOffset());
        Assert.True(detail.GetProperty("raisedAt").GetDateTimeOffset() > start.AddMinutes(59), "raised when the queue arrived, not back-dated");
        Assert.Equal(["alert.pending", "alert.raised", "alert.resolved"],
            detail.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("type").GetString()));
        Assert.Contains("detected on replay", detail.GetProperty("note").GetString());

        // The same queue again changes nothing: every item a duplicate, no second alert.
        var (_, again) = await Api.DeviceSendAsync(Http, HttpMethod.Post, "/api/v1/device/status/batch", band, new { items });
        Assert.All(again.GetProperty("results").EnumerateArray(), r => Assert.Equal("duplicate", r.GetProperty("status").GetString()));
        Assert.Equal(1L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM alert WHERE rule_id = @r AND subject_id = @s", ("r", ForbiddenPlaceRule), ("s", person.Id)));
    }

    [Fact]
    public async Task AQueuedCheckInSentTwiceCountsOnceAtItsOwnTime()
    {
        var person = system.Fresh.KeyPerson(within: "510104");
        await system.Db.ExecuteAsync("UPDATE key_person SET supervision_level = 'strict', supervised_since = now() - interval '2 days' WHERE id = @id", ("id", person.Id));
        var phone = await ProvisionAsync("person-phone", person.Id);
        var madeAt = Ms(DateTimeOffset.UtcNow.AddHours(-3));   // checked in on the phone three hours ago, without signal
        var checkIn = new { opId = "check-in-" + person.Id, at = madeAt };

        foreach (var attempt in new[] { 1, 2 })
        {
            var (status, body) = await Api.DeviceSendAsync(Http, HttpMethod.Post, "/api/v1/device/check-ins", phone, checkIn);
            Assert.True(status == HttpStatusCode.OK, $"attempt {attempt}: {status} {body}");
            Assert.Equal(madeAt, body.GetProperty("at").GetDateTimeOffset());
        }

        // The same opId for another time is 422; a time beyond the accepted window, or no opId, 400; none of them counts.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Api.DeviceSendAsync(Http, HttpMethod.Post, "/api/v1/device/check-ins", phone, checkIn with { at = madeAt.AddHours(1) })).Status);
        var (old, problem) = await Api.DeviceSendAsync(Http, HttpMethod.Post, "/api/v1/device/check-ins", phone, new { opId = "too-old", at = DateTimeOffset.UtcNow.AddDays(-31) });
        Assert.Equal(HttpStatusCode.BadRequest, old);
        Assert.True(problem.GetProperty("errors").TryGetProperty("at", out _));
        var (noOpId, noOpIdProblem) = await Api.DeviceSendAsync(Http, HttpMethod.Post, "/api/v1/device/check-ins", phone, new { at = madeAt });
        Assert.Equal(HttpStatusCode.BadRequest, noOpId);
        Assert.True(noOpIdProblem.GetProperty("errors").TryGetProperty("opId", out _));

        var (_, checkIns) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/key-persons/{person.Id}/check-ins", await TokenAsync("jinjiang.operator"));
        var only = Assert.Single(checkIns.GetProperty("items").EnumerateArray());
        Assert.Equal(madeAt, only.GetProperty("at").GetDateTimeOffset());
        // Due a day (strict) after the time it was made, not after it arrived.
        Assert.Equal(madeAt.AddDays(1), checkIns.GetProperty("checkInDue").GetDateTimeOffset());
        Assert.Equal(1L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM event_log WHERE payload ->> 'id' = @id AND type = 'keyperson.checked-in'", ("id", person.Id)));
        Assert.Equal(madeAt.UtcDateTime, await system.Db.ScalarAsync<DateTime>("SELECT occurred_at FROM event_log WHERE payload ->> 'id' = @id AND type = 'keyperson.checked-in'", ("id", person.Id)));
        await Eventually.HoldsAsync(async () => (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/key-persons/{person.Id}", await TokenAsync("jinjiang.operator"))).Body,
            p => p.GetProperty("state").GetString() == "normal", TimeSpan.FromSeconds(10), "normal: the check-in three hours ago was in time");
    }
}

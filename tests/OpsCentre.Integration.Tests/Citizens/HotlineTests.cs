using System.Net;
using System.Text.Json;
using OpsCentre.Database.Operators;
using OpsCentre.Integration.Tests.Screens;

namespace OpsCentre.Integration.Tests.Citizens;

/// <summary>
/// The 12345 hotline intake through the real gateway and silo: a hotline operator enters a call; the case gets the urgency
/// class's feedback deadline as a cap on its stage deadlines and the operator as its first receiver; the caller's number is
/// read in clear by the hotline only (audited), masked for other roles, and in no case view, event payload or log line.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class HotlineTests(SystemFixture system)
{
    private const string CallerPhone = "13698765432";
    private static readonly OperatorAccount Hotline = new("jinjiang.hotline.operator", "锦江区12345热线", "hotline", "510104", Disabled: false);

    private HttpClient Http => system.Http;

    [Fact]
    public async Task AHotlineCallBecomesACaseWithItsFeedbackDeadlineAndTheCallersNumberStaysWithTheHotline()
    {
        await new OperatorStore(system.Db).UpsertAsync(Hotline, SystemFixture.Password);
        var hotline = await Api.TokenAsync(Http, Hotline.Username);
        var operatorToken = await Api.TokenAsync(Http, "jinjiang.operator");
        var worker = system.Fresh.Worker(within: "510104");
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, operatorToken);
        await screen.SubscribeAsync(worker.Grid[..12]);

        // 人民调解 (normal): reported PT4H, accepted P1D. A utilities call promises feedback within 24 hours.
        var call = new
        {
            opId = Guid.NewGuid().ToString(), callerPhone = CallerPhone, callerName = "李女士", urgencyClass = "utilities", category = "dispute-mediation",
            description = "邻居装修噪音扰民，来电反映", lat = worker.Lat, lon = worker.Lon,
        };
        var (status, taken) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/hotline/calls", hotline, call);
        Assert.True(status == HttpStatusCode.Created, $"{status} {taken}");
        Assert.DoesNotContain(CallerPhone, taken.GetRawText(), StringComparison.Ordinal);
        var id = taken.GetProperty("id").GetString()!;
        var takenAt = taken.GetProperty("takenAt").GetDateTimeOffset();
        var feedbackDue = taken.GetProperty("feedbackDue").GetDateTimeOffset();
        Assert.Equal(Hotline.Username, taken.GetProperty("takenBy").GetString());
        Assert.InRange(feedbackDue - takenAt, TimeSpan.FromHours(24) - TimeSpan.FromMilliseconds(1), TimeSpan.FromHours(24) + TimeSpan.FromMilliseconds(1));

        // The same opId again is the same call.
        var (again, retried) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/hotline/calls", hotline, call);
        Assert.Equal((HttpStatusCode.Created, id), (again, retried.GetProperty("id").GetString()));

        // The case: reported by the hotline operator (first receiver), from a citizen, its first deadline the category's (4 h,
        // before the promise); once accepted, the category's P1D would run past the promise, so the promise is the deadline.
        var (_, detail) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{id}", operatorToken);
        var incident = detail.GetProperty("incident");
        Assert.Equal(("reported", "citizen", Hotline.Username), (incident.GetProperty("stage").GetString(), incident.GetProperty("source").GetString(), incident.GetProperty("reportedBy").GetString()));
        Assert.InRange(incident.GetProperty("stageDeadline").GetDateTimeOffset() - takenAt, TimeSpan.FromHours(4) - TimeSpan.FromSeconds(5), TimeSpan.FromHours(4) + TimeSpan.FromSeconds(5));
        Close(feedbackDue, incident.GetProperty("feedbackDue").GetDateTimeOffset());
        Assert.DoesNotContain(CallerPhone, detail.GetRawText(), StringComparison.Ordinal);
        var (accepted, afterAccept) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/incidents/{id}/actions", operatorToken, new { opId = Guid.NewGuid().ToString(), action = "accept" });
        Assert.True(accepted == HttpStatusCode.OK, $"{accepted} {afterAccept}");
        Close(feedbackDue, afterAccept.GetProperty("stageDeadline").GetDateTimeOffset());

        // The first receiver follows the call; other roles may not take or list calls.
        var (_, mine) = await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/hotline/calls?open=true", hotline);
        var listed = mine.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("caseId").GetString() == id);
        Assert.Equal(("utilities", "accepted"), (listed.GetProperty("urgencyClass").GetString(), listed.GetProperty("stage").GetString()));
        Assert.DoesNotContain(CallerPhone, mine.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/hotline/calls", operatorToken, call with { })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/hotline/calls", operatorToken)).Status);

        // The number: in clear for the hotline, masked for the centre's operator; both reads audited, the clear one as such.
        var (_, clear) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{id}/resident-contact", hotline);
        Assert.Equal((CallerPhone, "李女士"), (clear.GetProperty("phone").GetString(), clear.GetProperty("name").GetString()));
        var (_, masked) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{id}/resident-contact", operatorToken);
        Assert.Equal("136****5432", masked.GetProperty("phone").GetString());
        var audit = await system.AuditAsync(id, "citizen.contact");
        Assert.Contains(audit, a => a.Actor == Hotline.Username && a.Unmasked);
        Assert.Contains(audit, a => a.Actor == "jinjiang.operator" && !a.Unmasked);

        // Never in the case list, an event payload (screen or log table), or any process's log.
        var (_, page) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents?unit={worker.Grid}", operatorToken);
        Assert.Contains(page.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetString() == id);
        Assert.DoesNotContain(CallerPhone, page.GetRawText(), StringComparison.Ordinal);
        var events = await screen.ReceiveAsync(2);
        Assert.Equal(["incident.reported", "incident.stage-changed"], events.Where(e => e.Data.GetProperty("id").GetString() == id).Select(e => e.Type));
        Assert.All(events, e => Assert.DoesNotContain(CallerPhone, e.Data.GetRawText(), StringComparison.Ordinal));
        await using (var payloads = system.Db.CreateCommand("SELECT payload::text FROM event_log WHERE payload->>'id' = @id"))
        {
            payloads.Parameters.AddWithValue("id", id);
            await using var reader = await payloads.ExecuteReaderAsync();
            var count = 0;
            while (await reader.ReadAsync())
            {
                count++;
                Assert.DoesNotContain(CallerPhone, reader.GetString(0), StringComparison.Ordinal);
            }

            Assert.True(count >= 2, $"{count} events of the case in the log");
        }

        var logs = await ProcessLogs.WhenAnyLineAsync(line => line.Contains(id, StringComparison.Ordinal), "a log line about the call's case");
        Assert.All(logs, log => Assert.DoesNotContain(CallerPhone, log.Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AHotlineCallIsRefusedOutsideTheOperatorsUnitAndWithoutAValidNumberOrClass()
    {
        await new OperatorStore(system.Db).UpsertAsync(Hotline, SystemFixture.Password);
        var hotline = await Api.TokenAsync(Http, Hotline.Username);
        var qingyang = system.Fresh.Worker(within: "510105");
        var outside = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/hotline/calls", hotline, new
        {
            opId = Guid.NewGuid().ToString(), callerPhone = CallerPhone, urgencyClass = "general", category = "sanitation", description = "青羊区的问题", lat = qingyang.Lat, lon = qingyang.Lon,
        });
        Assert.Equal(HttpStatusCode.NotFound, outside.Status);

        var jinjiang = system.Fresh.Worker(within: "510104");
        var (status, problem) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/hotline/calls", hotline, new
        {
            opId = Guid.NewGuid().ToString(), callerPhone = "call me", urgencyClass = "whenever", category = "sanitation", description = "x", lat = jinjiang.Lat, lon = jinjiang.Lon,
        });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("callerPhone", out _) && errors.TryGetProperty("urgencyClass", out _), problem.ToString());
    }

    private static void Close(DateTimeOffset expected, DateTimeOffset actual) =>
        Assert.InRange(actual, expected.AddMilliseconds(-1), expected.AddMilliseconds(1));
}

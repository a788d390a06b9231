using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using OpsCentre.Grains.Incidents;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Notifications;

/// <summary>
/// Notifications beyond the screen through the real gateway, silo and PostgreSQL, to real HTTP receivers started here: a
/// 督办 reaches a subscribed receiver signed correctly (in each format); a receiver that fails twice gets the task on the third
/// try, once; one that always fails sees it dead-lettered after the limit (Notifications:MaxAttempts 4 in this suite) and sent
/// again by hand; a notification waiting in the outbox survives a restart of the silo.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class NotificationTests(SystemFixture system)
{
    private const string Admin = "city.admin";
    private const string Secret = "test-webhook-secret-1";

    private HttpClient Http => system.Http;

    [Fact]
    public async Task AnEscalationReachesTheSubscribedReceiversSignedCorrectlyInEachFormat()
    {
        await new IncidentCatalog(system.Db).SaveCategoryAsync(new IncidentCategory("t-notify-overdue", "测试：通知超期",
            new Dictionary<string, IReadOnlyDictionary<string, string>> { ["normal"] = new Dictionary<string, string> { ["reported"] = "PT3S" } }));
        var grid = system.Fresh.Grid(within: DemoUnits.FirstStreet);
        var admin = await Api.TokenAsync(Http, Admin);
        var operatorToken = await Api.TokenAsync(Http, "jinjiang.operator");
        await using var json = new WebhookReceiver();
        await using var wecom = new WebhookReceiver { OkBody = """{"errcode":0,"errmsg":"ok"}""" };
        await using var dingtalk = new WebhookReceiver { OkBody = """{"errcode":0,"errmsg":"ok"}""" };
        var jsonSub = await SubscribeAsync(admin, grid, ["escalation"], json.Url + "hooks/ops", "json", Secret);
        await SubscribeAsync(admin, grid[..12], ["escalation"], wecom.Url + "cgi-bin/webhook/send?key=robot-key", "wecom", null);
        await SubscribeAsync(admin, grid, ["escalation"], dingtalk.Url + "robot/send?access_token=robot-token", "dingtalk", "SECdingtalk-secret");

        var rule = new
        {
            opId = "t-notify-urge", id = "t-notify-urge", title = "事件超期督办（通知测试）", kind = "stage-overdue",
            target = new { subjectKind = "incident", unitScope = grid }, severity = "warning", parameters = new { deadline = "stage" },
            escalation = new { timeoutSeconds = 10, replyWithinSeconds = 600 },
        };
        Assert.Equal(HttpStatusCode.Created, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/alert-rules", operatorToken, rule)).Status);
        await SystemFixture.RuleRefreshAsync();
        var (created, report) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/incidents", operatorToken,
            new { opId = "notify-urge-case", category = "t-notify-overdue", urgency = "normal", description = "测试通知", gridCode = grid });
        Assert.Equal(HttpStatusCode.Created, created);

        // Overdue after 3 s, escalated to the community 10 s later: the 督办 goes out.
        await Eventually.HoldsAsync(() => json.Requests.Count >= 1 && wecom.Requests.Count >= 1 && dingtalk.Requests.Count >= 1,
            TimeSpan.FromSeconds(60), "the 督办 at each receiver");
        var received = json.Requests[0];
        var timestamp = received.Header("X-OpsCentre-Timestamp");
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(timestamp + "." + received.Body)));
        Assert.Equal(expected, received.Header("X-OpsCentre-Signature"));
        Assert.InRange(long.Parse(timestamp), DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.Equal("/hooks/ops", received.PathAndQuery);
        Assert.StartsWith("application/json", received.Header("Content-Type"));
        using var body = JsonDocument.Parse(received.Body);
        var root = body.RootElement;
        Assert.Equal(("escalation", "alert.escalated", grid), (root.GetProperty("kind").GetString(), root.GetProperty("event").GetProperty("type").GetString(),
            root.GetProperty("event").GetProperty("unitCode").GetString()));
        var alertId = root.GetProperty("subject").GetProperty("id").GetString()!;
        var supervision = root.GetProperty("alert").GetProperty("supervision");
        Assert.Equal((1, grid[..12]), (supervision.GetProperty("number").GetInt32(), supervision.GetProperty("unitCode").GetString()));
        Assert.Equal(root.GetProperty("id").GetString(), received.Header("X-OpsCentre-Delivery"));
        Assert.DoesNotContain("测试通知", received.Body); // the case's description is not sent
        // A body altered in transit no longer matches the signature.
        Assert.NotEqual(expected, "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(timestamp + "." + received.Body + " "))));

        // 企业微信: markdown content; unsigned (no secret), the robot's key in the URL as given.
        var wecomBody = JsonDocument.Parse(wecom.Requests[0].Body).RootElement;
        Assert.Equal("markdown", wecomBody.GetProperty("msgtype").GetString());
        Assert.Contains("督办", wecomBody.GetProperty("markdown").GetProperty("content").GetString());
        Assert.Equal("/cgi-bin/webhook/send?key=robot-key", wecom.Requests[0].PathAndQuery);
        Assert.Equal("", wecom.Requests[0].Header("X-OpsCentre-Signature"));

        // 钉钉: markdown title and text; signed with its own timestamp + sign query.
        var ding = dingtalk.Requests[0];
        var dingBody = JsonDocument.Parse(ding.Body).RootElement;
        Assert.Equal("markdown", dingBody.GetProperty("msgtype").GetString());
        Assert.Contains("督办", dingBody.GetProperty("markdown").GetProperty("title").GetString());
        Assert.Contains(grid[..12], dingBody.GetProperty("markdown").GetProperty("text").GetString());
        var query = System.Web.HttpUtility.ParseQueryString(new Uri(dingtalk.Url, ding.PathAndQuery).Query);
        Assert.Equal("robot-token", query["access_token"]);
        var dingSign = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes("SECdingtalk-secret"), Encoding.UTF8.GetBytes(query["timestamp"] + "\n" + "SECdingtalk-secret")));
        Assert.Equal(dingSign, query["sign"]);

        // The alert shows its notifications and their state; the street operator sees them, the second street's does not.
        var deliveries = await Eventually.HoldsAsync(
            async () => (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/alerts/{alertId}/notifications", operatorToken)).Body,
            b => b.GetProperty("items").EnumerateArray().Count(d => d.GetProperty("state").GetString() == "delivered") >= 3, TimeSpan.FromSeconds(15), "three delivered");
        var mine = deliveries.GetProperty("items").EnumerateArray().First(d => d.GetProperty("subscriptionId").GetString() == jsonSub);
        Assert.Equal(("escalation", 1, 200), (mine.GetProperty("kind").GetString(), mine.GetProperty("attempts").GetInt32(), mine.GetProperty("lastStatus").GetInt32()));
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/alerts/{alertId}/notifications", await Api.TokenAsync(Http, "jinjiang.street.operator"))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/alerts/{alertId}/notifications", await Api.TokenAsync(Http, SystemFixture.SecondStreetOperator))).Status);

        // The subscriptions' list masks the robot's key; the secret is never shown.
        var (_, listed) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/notification-subscriptions?unit={grid[..12]}", admin);
        var urls = listed.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("url").GetString()!).ToList();
        Assert.Contains(urls, u => u.EndsWith("send?key=***", StringComparison.Ordinal));
        Assert.DoesNotContain(Secret, listed.GetRawText());
        Assert.DoesNotContain("robot-key", listed.GetRawText());
    }

    [Fact]
    public async Task AReceiverThatFailsTwiceGetsTheTaskOnTheThirdTryOnce()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.FirstStreet);
        var admin = await Api.TokenAsync(Http, Admin);
        await using var receiver = new WebhookReceiver { Answer = n => (n <= 2 ? 500 : 200, null) };
        await SubscribeAsync(admin, grid, ["task-assignment"], receiver.Url.ToString(), "json", Secret);

        var caseId = await DispatchedCaseAsync(grid);

        await Eventually.HoldsAsync(() => receiver.Requests.Count >= 3, TimeSpan.FromSeconds(20), "three attempts");
        await Consistently.HoldsAsync(() => receiver.Requests.Count == 3, TimeSpan.FromSeconds(3), "no attempt after the delivery");
        var requests = receiver.Requests;
        Assert.Single(requests.Select(r => r.Header("X-OpsCentre-Delivery")).Distinct());
        Assert.Equal(["1", "2", "3"], requests.Select(r => r.Header("X-OpsCentre-Attempt")));
        // Backed off: 200 ms, then 400 ms (Notifications:RetryBaseDelay in this suite).
        Assert.True(requests[2].At - requests[1].At >= TimeSpan.FromMilliseconds(300), $"second retry after {(requests[2].At - requests[1].At).TotalMilliseconds} ms");
        var task = JsonDocument.Parse(requests[2].Body).RootElement;
        Assert.Equal(("task-assignment", caseId, "dispatched"), (task.GetProperty("kind").GetString(), task.GetProperty("incident").GetProperty("id").GetString(),
            task.GetProperty("incident").GetProperty("stage").GetString()));

        var (status, deliveries) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{caseId}/notifications", await Api.TokenAsync(Http, "jinjiang.operator"));
        Assert.Equal(HttpStatusCode.OK, status);
        var delivery = Assert.Single(deliveries.GetProperty("items").EnumerateArray());
        Assert.Equal(("delivered", 3, 200), (delivery.GetProperty("state").GetString(), delivery.GetProperty("attempts").GetInt32(), delivery.GetProperty("lastStatus").GetInt32()));
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{caseId}/notifications", await Api.TokenAsync(Http, SystemFixture.SecondStreetOperator))).Status);
    }

    [Fact]
    public async Task ANotificationIsDeadLetteredAfterTheLimitAndCanBeSentAgain()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.FirstStreet);
        var admin = await Api.TokenAsync(Http, Admin);
        var failing = true;
        await using var receiver = new WebhookReceiver { Answer = _ => (failing ? 502 : 200, null) };
        var subscription = await SubscribeAsync(admin, grid, ["task-assignment"], receiver.Url.ToString(), "json", null);

        var caseId = await DispatchedCaseAsync(grid);

        var dead = await Eventually.HoldsAsync(
            async () => (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/notifications?unit={grid}&subscription={subscription}&state=dead", admin)).Body,
            b => b.GetProperty("items").GetArrayLength() == 1, TimeSpan.FromSeconds(20), "the notification dead-lettered");
        var item = dead.GetProperty("items")[0];
        Assert.Equal((4, 502, "HTTP 502", caseId), (item.GetProperty("attempts").GetInt32(), item.GetProperty("lastStatus").GetInt32(),
            item.GetProperty("lastError").GetString(), item.GetProperty("subjectId").GetString()));
        await Consistently.HoldsAsync(() => receiver.Requests.Count == 4, TimeSpan.FromSeconds(3), "no fifth attempt");

        // Only administrators; a delivered or waiting one is not sent again.
        var id = item.GetProperty("id").GetInt64();
        var retry = $"/api/v1/notifications/{id}/retry";
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.SendAsync(Http, HttpMethod.Post, retry, await Api.TokenAsync(Http, "jinjiang.operator"), new { opId = "retry-op" })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Api.SendAsync(Http, HttpMethod.Post, retry, admin, new { })).Status);
        failing = false;
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Post, retry, admin, new { opId = "retry-" + id })).Status);
        await Eventually.HoldsAsync(async () => (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{caseId}/notifications", admin)).Body
            .GetProperty("items")[0].GetProperty("state").GetString() == "delivered", TimeSpan.FromSeconds(10), "delivered after the retry");
        Assert.Equal(5, receiver.Requests.Count);
        Assert.Equal(HttpStatusCode.Conflict, (await Api.SendAsync(Http, HttpMethod.Post, retry, admin, new { opId = "retry-again-" + id })).Status);
        var changes = await system.Db.RowsAsync("SELECT action FROM admin_change WHERE entity_kind = 'notification-subscription' AND entity_key = @k ORDER BY id",
            r => r.GetString(0), ("k", subscription));
        Assert.Equal(["create", "retry-notification"], changes);
    }

    [Fact]
    public async Task ANotificationWaitingInTheOutboxSurvivesARestartOfTheSilo()
    {
        var grid = system.Fresh.Grid(within: DemoUnits.FirstStreet);
        var admin = await Api.TokenAsync(Http, Admin);
        // The receiver is down for maintenance at first: 503, try again in 20 s (longer than the restart takes).
        var down = true;
        await using var receiver = new WebhookReceiver { Answer = _ => down ? (503, 20) : (200, null) };
        var subscription = await SubscribeAsync(admin, grid, ["task-assignment"], receiver.Url.ToString(), "json", Secret);
        var caseId = await DispatchedCaseAsync(grid);
        await Eventually.HoldsAsync(() => receiver.Requests.Count == 1, TimeSpan.FromSeconds(10), "the first attempt");

        await system.RestartFirstSiloAsync("silo-notify", async () =>
        {
            // No silo runs: the notification waits in PostgreSQL.
            var waiting = await system.Db.RowsAsync("SELECT state, attempts FROM notification WHERE subscription_id = @s",
                r => (r.GetString(0), r.GetInt32(1)), ("s", subscription));
            Assert.Equal([("pending", 1)], waiting);
            down = false;
        });

        await Eventually.HoldsAsync(() => receiver.Requests.Count >= 2, TimeSpan.FromSeconds(60), "the attempt after the restart");
        await Consistently.HoldsAsync(() => receiver.Requests.Count == 2, TimeSpan.FromSeconds(2), "delivered once");
        var second = receiver.Requests[1];
        Assert.Equal(receiver.Requests[0].Header("X-OpsCentre-Delivery"), second.Header("X-OpsCentre-Delivery"));
        Assert.True(second.At - receiver.Requests[0].At >= TimeSpan.FromSeconds(19), "the receiver's Retry-After was honoured");
        Assert.Equal(caseId, JsonDocument.Parse(second.Body).RootElement.GetProperty("subject").GetProperty("id").GetString());
        await Eventually.HoldsAsync(async () => (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{caseId}/notifications", admin)).Body
            .GetProperty("items")[0].GetProperty("state").GetString() == "delivered", TimeSpan.FromSeconds(10), "delivered");
    }

    [Fact]
    public async Task SubscriptionsAreAdministeredWithinTheAdministratorsUnitAndBadInputIsAProblem()
    {
        var admin = await Api.TokenAsync(Http, Admin);
        var post = (string token, object body) => Api.SendAsync(Http, HttpMethod.Post, "/api/v1/notification-subscriptions", token, body);
        var good = new { opId = "sub-admin-1", name = "锦江区值班群", unitCode = "510104", kinds = new[] { "critical-alert" }, url = "https://example.cn/hook", format = "json", secret = (string?)null };

        Assert.Equal(HttpStatusCode.Forbidden, (await post(await Api.TokenAsync(Http, "jinjiang.operator"), good)).Status);
        var (bad, problem) = await post(admin, new { opId = "sub-bad", name = "", unitCode = "x", kinds = new[] { "everything" }, url = "ftp://nowhere", format = "sms", secret = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        var errors = problem.GetProperty("errors");
        Assert.All(new[] { "name", "unitCode", "kinds", "url", "format", "secret" }, f => Assert.True(errors.TryGetProperty(f, out _), f));

        var (created, subscription) = await post(admin, good);
        Assert.Equal(HttpStatusCode.Created, created);
        var id = subscription.GetProperty("id").GetString()!;
        Assert.Equal(id, (await post(admin, good)).Body.GetProperty("id").GetString()); // the same opId: the same subscription
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await post(admin, good with { name = "另一个" })).Status);

        var (disabled, off) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/notification-subscriptions/{id}/disable", admin, new { opId = "sub-admin-1-off" });
        Assert.Equal(HttpStatusCode.OK, disabled);
        Assert.True(off.GetProperty("disabled").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/notification-subscriptions/{id}/enable", admin, new { opId = "sub-admin-1-on" })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/notification-subscriptions/ns-nothing", admin)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Api.SendAsync(Http, HttpMethod.Get, "/api/v1/notifications?state=lost", admin)).Status);
    }

    [Fact]
    public async Task ACriticalAlertReachesTheSubscribedReceiverSigned()
    {
        await new IncidentCatalog(system.Db).SaveCategoryAsync(new IncidentCategory("t-notify-critical", "测试：紧急超期",
            new Dictionary<string, IReadOnlyDictionary<string, string>> { ["normal"] = new Dictionary<string, string> { ["reported"] = "PT2S" } }));
        var grid = system.Fresh.Grid(within: DemoUnits.FirstStreet);
        var admin = await Api.TokenAsync(Http, Admin);
        var operatorToken = await Api.TokenAsync(Http, "jinjiang.operator");
        await using var receiver = new WebhookReceiver();
        await using var escalations = new WebhookReceiver();
        var subscription = await SubscribeAsync(admin, grid, ["critical-alert"], receiver.Url + "hooks/critical", "json", Secret);
        await SubscribeAsync(admin, grid, ["escalation"], escalations.Url.ToString(), "json", null);

        // A critical rule on the grid's cases: a case left in its stage past its 2 s deadline raises a critical alert (no escalation within the test).
        var rule = new
        {
            opId = "t-notify-critical", id = "t-notify-critical", title = "事件超期（紧急通知测试）", kind = "stage-overdue",
            target = new { subjectKind = "incident", unitScope = grid }, severity = "critical", parameters = new { deadline = "stage" },
            escalation = new { timeoutSeconds = 3600, replyWithinSeconds = 600 },
        };
        var (ruled, ruleAnswer) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/alert-rules", operatorToken, rule);
        Assert.True(ruled == HttpStatusCode.Created, $"rule: {ruled} {ruleAnswer}");
        await SystemFixture.RuleRefreshAsync();
        var (created, report) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/incidents", operatorToken,
            new { opId = "notify-critical-case", category = "t-notify-critical", urgency = "normal", description = "测试紧急通知", gridCode = grid });
        Assert.True(created == HttpStatusCode.Created, $"report: {created} {report}");
        var caseId = report.GetProperty("id").GetString()!;

        await Eventually.HoldsAsync(() => receiver.Requests.Count >= 1, TimeSpan.FromSeconds(60), "the critical alert at the receiver");
        await Consistently.HoldsAsync(() => receiver.Requests.Count == 1, TimeSpan.FromSeconds(2), "sent once");
        var received = receiver.Requests[0];
        Assert.Equal("/hooks/critical", received.PathAndQuery);
        var timestamp = received.Header("X-OpsCentre-Timestamp");
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(timestamp + "." + received.Body))),
            received.Header("X-OpsCentre-Signature"));
        Assert.Equal("critical-alert", received.Header("X-OpsCentre-Kind"));
        var root = JsonDocument.Parse(received.Body).RootElement;
        Assert.Equal(("critical-alert", "alert.raised", grid, subscription), (root.GetProperty("kind").GetString(), root.GetProperty("event").GetProperty("type").GetString(),
            root.GetProperty("event").GetProperty("unitCode").GetString(), root.GetProperty("subscriptionId").GetString()));
        var alert = root.GetProperty("alert");
        Assert.Equal(("critical", "t-notify-critical"), (alert.GetProperty("severity").GetString(), alert.GetProperty("ruleId").GetString()));
        Assert.Equal(caseId, alert.GetProperty("subject").GetProperty("id").GetString());
        Assert.DoesNotContain("测试紧急通知", received.Body);   // the case's description is not sent
        Assert.Empty(escalations.Requests);                      // a subscription gets only its kinds

        var alertId = root.GetProperty("subject").GetProperty("id").GetString()!;
        var deliveries = await Eventually.HoldsAsync(
            async () => (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/alerts/{alertId}/notifications", operatorToken)).Body,
            b => b.GetProperty("items").EnumerateArray().Any(d => d.GetProperty("subscriptionId").GetString() == subscription && d.GetProperty("state").GetString() == "delivered"),
            TimeSpan.FromSeconds(15), "delivered on the alert");
        var mine = deliveries.GetProperty("items").EnumerateArray().Single(d => d.GetProperty("subscriptionId").GetString() == subscription);
        Assert.Equal(("critical-alert", 1, 200), (mine.GetProperty("kind").GetString(), mine.GetProperty("attempts").GetInt32(), mine.GetProperty("lastStatus").GetInt32()));
    }

    [Fact]
    public async Task WebhooksGoOnlyToPublicAddressesUnlessTheHostIsAllowed()
    {
        var admin = await Api.TokenAsync(Http, Admin);
        var grid = system.Fresh.Grid(within: DemoUnits.FirstStreet);

        // When subscribing: an address that is loopback, link-local (metadata), private, shared or unique-local, or a local name, is
        // a 400 on url; 127.0.0.1 is in this suite's Notifications:AllowedHosts, 127.0.0.2 and localhost are not.
        foreach (var url in new[] { "http://127.0.0.2:8080/hook", "http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/hook", "https://192.168.1.10/hook",
                     "http://172.20.0.5/hook", "http://100.100.100.200/", "http://[::1]:8080/hook", "http://[fd00:ec2::254]/", "http://[::ffff:10.0.0.1]/",
                     "http://0.0.0.0:8080/", "http://localhost:8080/hook", "http://metadata.google.internal/", "http://printer.local/", "file:///etc/passwd" })
        {
            var (status, problem) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/notification-subscriptions", admin,
                new { opId = Guid.NewGuid().ToString("N"), name = "内网地址", unitCode = grid, kinds = new[] { "task-assignment" }, url, format = "json" });
            Assert.True(status == HttpStatusCode.BadRequest, $"{url}: {status} {problem}");
            Assert.True(problem.GetProperty("errors").TryGetProperty("url", out _), $"{url}: {problem}");
        }

        Assert.Equal(0L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM notification_subscription WHERE unit_code = @u", ("u", grid)));

        // When sending: the name is resolved and the address checked again. A subscription whose host later resolves inside (here
        // its URL turned to localhost beneath the API, as a name that DNS points elsewhere after it was subscribed) is refused
        // without a connection and dead at once; pointed back at an allowed host and sent again by hand, it is delivered.
        await using var receiver = new WebhookReceiver();
        var subscription = await SubscribeAsync(admin, grid, ["task-assignment"], receiver.Url.ToString(), "json", null);
        Assert.Equal(1, await system.Db.ExecuteAsync("UPDATE notification_subscription SET url = @url WHERE id = @id",
            ("url", $"http://localhost:{receiver.Url.Port}/"), ("id", subscription)));
        var caseId = await DispatchedCaseAsync(grid);
        var dead = await Eventually.HoldsAsync(
            async () => (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/notifications?unit={grid}&subscription={subscription}&state=dead", admin)).Body,
            b => b.GetProperty("items").GetArrayLength() == 1, TimeSpan.FromSeconds(20), "the refused notification dead-lettered");
        var item = dead.GetProperty("items")[0];
        Assert.Equal((1, caseId), (item.GetProperty("attempts").GetInt32(), item.GetProperty("subjectId").GetString()));
        Assert.True(!item.TryGetProperty("lastStatus", out var lastStatus) || lastStatus.ValueKind == JsonValueKind.Null, $"no answer was had: {item}");
        var error = item.GetProperty("lastError").GetString()!;
        Assert.StartsWith("refused: localhost resolves to ", error);
        Assert.Contains("Notifications:AllowedHosts", error);
        Assert.Empty(receiver.Requests);

        Assert.Equal(1, await system.Db.ExecuteAsync("UPDATE notification_subscription SET url = @url WHERE id = @id", ("url", receiver.Url.ToString()), ("id", subscription)));
        var id = item.GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/notifications/{id}/retry", admin, new { opId = "retry-refused-" + id })).Status);
        await Eventually.HoldsAsync(() => receiver.Requests.Count == 1, TimeSpan.FromSeconds(10), "delivered to the allowed host");
    }

    /// <summary>Subscribes <paramref name="unit"/> through the API (asserting 201); returns the subscription's id.</summary>
    private async Task<string> SubscribeAsync(string admin, string unit, string[] kinds, string url, string format, string? secret)
    {
        var (status, body) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/notification-subscriptions", admin,
            new { opId = Guid.NewGuid().ToString("N"), name = "测试订阅 " + unit, unitCode = unit, kinds, url, format, secret });
        Assert.True(status == HttpStatusCode.Created, $"subscribe: {status} {body}");
        return body.GetProperty("id").GetString()!;
    }

    /// <summary>A case reported on <paramref name="grid"/>, accepted and dispatched to its community by 锦江区's operator; returns its id.</summary>
    private async Task<string> DispatchedCaseAsync(string grid)
    {
        var token = await Api.TokenAsync(Http, "jinjiang.operator");
        var (created, report) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = Guid.NewGuid().ToString("N"), category = "sanitation", urgency = "normal", description = "垃圾堆放（通知测试）", gridCode = grid });
        Assert.True(created == HttpStatusCode.Created, $"report: {created} {report}");
        var id = report.GetProperty("id").GetString()!;
        foreach (var action in new[] { "accept", "dispatch" })
        {
            var (status, answer) = await Api.SendAsync(Http, HttpMethod.Post, $"/api/v1/incidents/{id}/actions", token, new { opId = Guid.NewGuid().ToString("N"), action });
            Assert.True(status == HttpStatusCode.OK, $"{action}: {status} {answer}");
        }

        return id;
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using OpsCentre.Database.Operators;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Operations;

/// <summary>
/// Metrics, traces and logs of the real silo and gateway processes: <c>GET /metrics</c> for the city's administrators
/// only, a device status traced from the gateway into the silo's grain calls, a problem's <c>traceId</c> found in the
/// gateway's JSON log (docs/operations.md).
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class TelemetryTests(SystemFixture system)
{
    private static string CityAdmin => DemoOperators.All.First(a => a.Role == "admin" && a.UnitCode.Length == 4).Username;

    private static string DistrictOperator => DemoOperators.All.First(a => a.Role == "operator" && a.UnitCode.Length == 6).Username;

    /// <summary>A client without cookies: the shared one may carry the Orleans Dashboard's.</summary>
    private HttpClient Cookieless() => new(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = system.GatewayUrl, Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task AfterSomeTrafficMetricsShowRequestOrleansNpgsqlAndOpsCentreSeriesToTheCitysAdministratorOnly()
    {
        var operatorToken = await Api.TokenAsync(system.Http, DistrictOperator);
        var worker = system.Fresh.Worker(within: "510104");
        var (_, key) = await Api.ProvisionDeviceAsync(system.Http, operatorToken, "worker-phone", worker.Id);
        var (status, _) = await Api.PostStatusAsync(system.Http, key, Api.Status(1, worker.Lat, worker.Lon));
        Assert.Equal(HttpStatusCode.OK, status);
        var (rejected, _) = await Api.PostStatusAsync(system.Http, key, Api.Status(2, 91, worker.Lon));
        Assert.Equal(HttpStatusCode.BadRequest, rejected);

        using var anonymous = Cookieless();
        using (var refused = await anonymous.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var refused = await anonymous.SendAsync(Api.Authorized(HttpMethod.Get, "/metrics", operatorToken)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.DoesNotContain("opscentre_", await refused.Content.ReadAsStringAsync());
        }

        var adminToken = await Api.TokenAsync(system.Http, CityAdmin);
        // An event appended to 锦江区's log: the silo's event-log grain commits it (one batch of one).
        await Api.AppendAsync(system.Http, adminToken, "510104", "probe.metrics", "metrics-" + Guid.NewGuid().ToString("N"));
        var text = await Eventually.HoldsAsync(
            async () =>
            {
                using var response = await anonymous.SendAsync(Api.Authorized(HttpMethod.Get, "/metrics", adminToken));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return await response.Content.ReadAsStringAsync();
            },
            t => t.Contains("opscentre_device_statuses_total{", StringComparison.Ordinal) && t.Contains("http_server_request_duration_seconds", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "the gateway's metrics with its requests and the statuses it answered", describe: t => t.Length + " characters");

        Assert.Contains("http_server_request_duration_seconds_count{", text);
        Assert.Matches("opscentre_device_statuses_total\\{[^}]*outcome=\"applied\"[^}]*\\} [1-9]", text);
        Assert.Matches("opscentre_device_statuses_total\\{[^}]*outcome=\"rejected\"[^}]*\\} [1-9]", text);
        Assert.Contains("\norleans_", text);
        Assert.Contains("\ndb_client_", text);
        Assert.Contains("\ndotnet_gc_", text);
        Assert.Contains("\nkestrel_", text);

        // The silo answers a scraper on its own machine: Orleans' grain calls and the event log's group commits.
        using var scraper = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var silo = await Eventually.HoldsAsync(
            () => scraper.GetStringAsync(new Uri(system.SiloMetricsUrl(system.FirstSilo), "metrics")),
            t => t.Contains("opscentre_eventlog_append_batch_size", StringComparison.Ordinal) && t.Contains("\norleans_", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "the silo's metrics with Orleans' and the event log's series", describe: t => t.Length + " characters");
        Assert.Contains("opscentre_eventlog_append_duration_seconds_bucket{", silo);
        Assert.Contains("\ndb_client_", silo);
    }

    [Fact]
    public async Task ATraceOfOneDeviceStatusSpansTheGatewayAndTheGrainCallsInTheSilo()
    {
        var operatorToken = await Api.TokenAsync(system.Http, DistrictOperator);
        var worker = system.Fresh.Worker(within: "510104");

        // A caller that sends its own trace context (W3C traceparent, sampled): the system's spans join that trace.
        var provisioning = ActivityTraceId.CreateRandom().ToHexString();
        using (var request = Api.Authorized(HttpMethod.Post, "/api/v1/devices", operatorToken, new { kind = "worker-phone", boundTo = worker.Id }))
        {
            request.Headers.Add("traceparent", $"00-{provisioning}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            using var response = await system.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var key = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(response.Content)).GetProperty("key").GetString()!;

            var traceId = ActivityTraceId.CreateRandom().ToHexString();
            using var status = new HttpRequestMessage(HttpMethod.Post, "/api/v1/device/status") { Content = System.Net.Http.Json.JsonContent.Create(Api.Status(1, worker.Lat, worker.Lon)) };
            status.Headers.Add("X-Device-Key", key);
            status.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            using (var answered = await system.Http.SendAsync(status))
            {
                Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            }

            var spans = await Eventually.HoldsAsync(
                () => Task.FromResult(system.Traces.Spans.Where(s => s.TraceId == traceId).ToList()),
                s => s.Any(x => x.Service == "opscentre-gateway" && x.Scope == "Microsoft.AspNetCore")
                    && s.Any(x => x.Service == "opscentre-gateway" && x.Name.Contains("IDeviceGrain", StringComparison.Ordinal))
                    && s.Any(x => x.Service == "opscentre-silo" && x.Name.Contains("IDeviceGrain", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(20), "the status's spans from the gateway (request, grain call) and the silo (the grain's side)",
                describe: s => string.Join("; ", s.Select(x => $"{x.Service}/{x.Scope}/{x.Name}")));

            // One tree: the request's span is the child of the caller's, the grain call's client span a descendant of the request's,
            // and the silo's side of the call the child of the gateway's client span.
            var server = spans.Single(s => s.Service == "opscentre-gateway" && s.Scope == "Microsoft.AspNetCore");
            Assert.Contains("/api/v1/device/status", server.Name);
            var client = spans.First(s => s.Service == "opscentre-gateway" && s.Name.Contains("IDeviceGrain", StringComparison.Ordinal));
            var grainSide = spans.First(s => s.Service == "opscentre-silo" && s.Name.Contains("IDeviceGrain", StringComparison.Ordinal));
            Assert.True(IsDescendant(spans, client, server), string.Join("; ", spans));
            Assert.Equal(client.SpanId, grainSide.ParentSpanId);
        }

        // The provisioning wrote the device's key to PostgreSQL from the gateway: Npgsql's span is in that trace.
        var written = await Eventually.HoldsAsync(
            () => Task.FromResult(system.Traces.Spans.Where(s => s.TraceId == provisioning).ToList()),
            s => s.Any(x => x.Scope == "Npgsql"),
            TimeSpan.FromSeconds(20), "the provisioning's Npgsql span", describe: s => string.Join("; ", s.Select(x => $"{x.Service}/{x.Scope}/{x.Name}")));
        Assert.Contains(written, s => s.Service == "opscentre-gateway" && s.Scope == "Microsoft.AspNetCore");
    }

    [Fact]
    public async Task AFailedRequestsProblemTraceIdAppearsInALogLineOfTheGateway()
    {
        var token = await Api.TokenAsync(system.Http, DistrictOperator);
        var answer = await Api.AnswerOfAsync(system.Http, Api.Authorized(HttpMethod.Get, "/api/v1/alerts/no-such-alert-" + Guid.NewGuid().ToString("N"), token));
        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        var traceId = answer.Body.GetProperty("traceId").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", traceId);

        var files = await ProcessLogs.WhenAnyLineAsync(line => line.Contains($"\"@tr\":\"{traceId}\"", StringComparison.Ordinal), "the failed request's log line");
        var line = files.Where(f => Path.GetFileName(f.Path).StartsWith("gateway-", StringComparison.Ordinal))
            .SelectMany(f => f.Text.Split('\n')).Single(l => l.Contains(traceId, StringComparison.Ordinal));
        using var json = System.Text.Json.JsonDocument.Parse(line);
        Assert.Equal("gateway", json.RootElement.GetProperty("Process").GetString());
        Assert.Equal(404, json.RootElement.GetProperty("StatusCode").GetInt32());
        Assert.True(json.RootElement.TryGetProperty("@sp", out _), line);
    }

    private static bool IsDescendant(List<OtlpReceiver.Span> spans, OtlpReceiver.Span span, OtlpReceiver.Span ancestor)
    {
        for (var current = span; current is not null; current = spans.FirstOrDefault(s => s.SpanId == current.ParentSpanId))
        {
            if (current.ParentSpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpsCentre.Testing;
using Xunit.Abstractions;

namespace OpsCentre.Integration.Tests.Outages;

/// <summary>Tests that stop PostgreSQL: alone, on a server of their own, never beside the other tests.</summary>
[CollectionDefinition(nameof(OutageCollection), DisableParallelization = true)]
public sealed class OutageCollection;

[Collection(nameof(OutageCollection))]
public sealed partial class DatabaseOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Unreachable = "PostgreSQL is unreachable";
    private const string Reachable = "PostgreSQL is reachable again";

    private readonly SystemFixture _system = new() { OwnServer = true };

    public Task InitializeAsync() => _system.InitializeAsync();

    public Task DisposeAsync() => _system.DisposeAsync();

    [Fact]
    public async Task WhilePostgresIsDownWritesAndSignInAre503WithRetryAfterTheOutageIsLoggedOnceAndServiceResumesByItself()
    {
        var http = _system.Http;
        var admin = (await Api.SignInAsync(http, "city.admin")).AccessToken;
        var worker = _system.Fresh.Worker();
        var (deviceId, key) = await Api.ProvisionDeviceAsync(http, admin, "worker-phone", worker.Id);
        var grid = _system.Fresh.Grid(within: "510104");
        var beforeOpId = "before-" + Guid.NewGuid().ToString("N")[..8];
        await Api.AppendAsync(http, admin, "510104", "probe.outage", "before", opId: beforeOpId);
        var (reported, before) = await Api.SendAsync(http, HttpMethod.Post, "/api/v1/incidents", admin, Report("outage-before", grid));
        Assert.Equal(HttpStatusCode.Created, reported);

        // A phone reporting throughout, as the load on the gateway: every answer kept.
        using var stopLoad = new CancellationTokenSource();
        var statuses = new ConcurrentQueue<(long Seq, HttpStatusCode Status, string? Outcome)>();
        var load = Task.Run(async () =>
        {
            for (long seq = 1; !stopLoad.IsCancellationRequested; seq++)
            {
                var (status, body) = await Api.PostStatusAsync(http, key, Api.Status(seq, worker.Lat, worker.Lon));
                statuses.Enqueue((seq, status, status == HttpStatusCode.OK ? body.GetProperty("status").GetString() : null));
                // Pacing, not a wait for a check: 20 ms after each answer keeps the phone under its key's requests per second
                // (a timer that catches up after a slow answer sends bursts the limit answers 429).
                await Task.Delay(20);
            }
        });

        // And the city simulator as a separate process: 30 workers' phones, cases walked through the closed loop.
        var simulatorData = Path.Combine(Path.GetTempPath(), "opscentre-sim-" + Guid.NewGuid().ToString("N")[..8]);
        await using var simulator = ChildProcess.Start("simulator", RepositoryPaths.Output("tools/Simulator", "OpsCentre.Simulator"), new Dictionary<string, string>(),
            "--gateway", _system.GatewayUrl.ToString(), "--user", "city.admin", "--password", SystemFixture.Password, "--data", simulatorData,
            "--workers", "30", "--rate", "60", "--cases", "30", "--duration", "45");
        await Eventually.HoldsAsync(async () => (await LinesAsync(simulator.LogPath)).Any(l => l.Contains("sent ", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), "the simulator reporting statuses");

        // A wall screen connected before: its subscription (which writes an audit row) is told to come back later.
        await using var screen = await Screens.ScreenClient.ConnectAsync(_system.GatewayUrl, admin);

        await _system.Postgres.StopServerAsync();

        // Sign-in, a write through the gateway's own store, a write through a grain, a read: 503, a problem, Retry-After.
        var answers = new List<(string What, Api.Answer Answer)>();
        answers.Add(("sign-in", await Eventually.HoldsAsync(() => SignInAsync(http), a => a.Status != HttpStatusCode.OK, TimeSpan.FromSeconds(30),
            "sign-in failing once PostgreSQL is down", describe: a => a.ToString())));
        for (var i = 0; i < 25; i++)
        {
            answers.Add(("sign-in", await SignInAsync(http)));
            answers.Add(("report", await SendAsync(http, HttpMethod.Post, "/api/v1/incidents", admin, Report("outage-during", grid))));
            answers.Add(("append", await SendAsync(http, HttpMethod.Post, "/api/v1/admin/events", admin,
                new { opId = "during-" + i, unitCode = "510104", type = "probe.outage", data = new { id = "during" } })));
            answers.Add(("read", await SendAsync(http, HttpMethod.Get, "/api/v1/incidents?unit=510104", admin)));
        }

        foreach (var (what, answer) in answers)
        {
            Assert.True(answer.Status == HttpStatusCode.ServiceUnavailable, $"{what}: {answer}");
            Api.AssertRetryLater(answer, HttpStatusCode.ServiceUnavailable, 5, 5);
        }

        var refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => screen.SubscribeAsync("510104"));
        Assert.Contains("unavailable: try again in 5 s", refused.Message, StringComparison.Ordinal);

        using (var ready = await http.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var missing = (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("missing");
            Assert.Contains(missing.EnumerateArray(), m => m.GetString()!.StartsWith("database: ", StringComparison.Ordinal));
        }

        // The silo says so too, on its own health port: not ready, and why.
        using var siloHealth = new HttpClient { BaseAddress = _system.SiloHealthUrl(_system.FirstSilo), Timeout = TimeSpan.FromSeconds(30) };
        using (var siloReady = await siloHealth.GetAsync("/health/ready"))
        {
            var body = await siloReady.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(siloReady.StatusCode == HttpStatusCode.ServiceUnavailable, body.ToString());
            Assert.Contains(body.GetProperty("missing").EnumerateArray(), m => m.GetString()!.StartsWith("database: ", StringComparison.Ordinal));
        }

        await _system.Postgres.StartServerAsync();
        _system.Db.Clear(); // the test's own pooled connections died with the server

        // Back without a restart: sign-in, the write that failed (its opId was never taken), a write through a grain.
        var tokens = await Eventually.HoldsAsync(() => SignInAsync(http), a => a.Status == HttpStatusCode.OK, TimeSpan.FromSeconds(60),
            "sign-in after PostgreSQL is back", describe: a => a.ToString());
        Assert.Equal("admin", tokens.Body.GetProperty("role").GetString());
        var retried = await Eventually.HoldsAsync(() => SendAsync(http, HttpMethod.Post, "/api/v1/incidents", admin, Report("outage-during", grid)),
            a => a.Status != HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30), "the report retried", describe: a => a.ToString());
        Assert.True(retried.Status == HttpStatusCode.Created, retried.ToString());
        await Eventually.HoldsAsync(async () => (await SendAsync(http, HttpMethod.Post, "/api/v1/admin/events", admin,
            new { opId = "after", unitCode = "510104", type = "probe.outage", data = new { id = "after" } })).Status == HttpStatusCode.Created,
            TimeSpan.FromSeconds(30), "an append after PostgreSQL is back");

        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                await screen.SubscribeAsync("510104");
                return true;
            }
            catch (Microsoft.AspNetCore.SignalR.HubException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "the screen's subscription once PostgreSQL is back");
        await stopLoad.CancelAsync();
        await load;

        // The simulator ends by itself, its phones' queues sent: what it was told was taken is all in the tracks.
        var done = await Eventually.HoldsAsync(async () => (await LinesAsync(simulator.LogPath)).FirstOrDefault(l => l.Contains("] done: ", StringComparison.Ordinal)),
            line => line is not null, TimeSpan.FromSeconds(120), "the simulator finishing its run");
        output.WriteLine(done);
        var simulated = Counts().Match(done!);
        Assert.True(simulated.Success, done);
        // Each status is answered applied or stale once, or first not taken (503, no answer) and then applied, or found
        // applied already ("duplicate": a 503 or a lost answer after the grain had taken it): each is one track row.
        var (applied, duplicate, stale, unsent) = (Number("applied"), Number("duplicate"), Number("stale"), Number("unsent"));
        Assert.Equal(0, unsent);
        Assert.True(applied > 0, done);
        var simulatorDevices = File.ReadAllLines(Path.Combine(simulatorData, "devices.tsv")).Select(l => l.Split('\t')[1]).ToArray();
        await Eventually.HoldsAsync(
            async () => await _system.Db.ScalarAsync<long>("SELECT count(*) FROM device_track WHERE device_id = ANY(@d)", ("d", simulatorDevices)),
            tracked => tracked == applied + duplicate + stale, TimeSpan.FromSeconds(30), $"the simulator's {applied} applied, {duplicate} duplicate and {stale} stale statuses in device_track",
            describe: tracked => $"{tracked} tracked");
        long Number(string name) => long.Parse(simulated.Groups[name].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);

        // Nothing acknowledged was lost: what was written before, and every status answered while it was down.
        Assert.Equal(1, await _system.Db.ScalarAsync<int>("SELECT count(*)::int FROM event_log WHERE op_id = @o", ("o", beforeOpId)));
        var (found, _) = await Api.SendAsync(http, HttpMethod.Get, $"/api/v1/incidents/{before.GetProperty("id").GetString()}", admin);
        Assert.Equal(HttpStatusCode.OK, found);
        Assert.All(statuses, s => Assert.True(s.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"status {s.Seq}: {(int)s.Status}"));
        var acknowledged = statuses.Where(s => s.Outcome is "applied" or "stale").Select(s => s.Seq).ToHashSet();
        output.WriteLine($"statuses: {statuses.Count} sent, {acknowledged.Count} acknowledged, {statuses.Count(s => s.Status == HttpStatusCode.ServiceUnavailable)} answered 503");
        await Eventually.HoldsAsync(
            async () => (await _system.Db.RowsAsync("SELECT seq FROM device_track WHERE device_id = @d", r => r.GetInt64(0), ("d", deviceId))).ToHashSet(),
            tracked => acknowledged.IsSubsetOf(tracked), TimeSpan.FromSeconds(30), "every acknowledged status in device_track",
            describe: tracked => $"{acknowledged.Except(tracked).Count()} of {acknowledged.Count} missing");

        // Each process logged the outage once as it began and once as it ended, not once per request.
        foreach (var process in new[] { _system.Gateway, _system.FirstSilo })
        {
            var lines = await Eventually.HoldsAsync(() => LinesAsync(process.LogPath), l => l.Any(line => line.Contains(Reachable, StringComparison.Ordinal)),
                TimeSpan.FromSeconds(15), $"{process.Name} logging the end of the outage");
            Assert.Equal(1, lines.Count(l => l.Contains(Unreachable, StringComparison.Ordinal)));
            Assert.Equal(1, lines.Count(l => l.Contains(Reachable, StringComparison.Ordinal)));
            var warnings = lines.Where(IsWarningOrWorse).ToList();
            output.WriteLine($"{process.Name}: {warnings.Count} warning or error entries, {lines.Count} lines in all");
            foreach (var warning in warnings)
            {
                output.WriteLine("  " + warning);
            }
        }

        var gatewayWarnings = (await LinesAsync(_system.Gateway.LogPath)).Count(IsWarningOrWorse);
        Assert.True(gatewayWarnings <= 20, $"{gatewayWarnings} warnings and errors in the gateway's log for {answers.Count} requests answered 503");
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"applied (?<applied>[\d,]+), duplicate (?<duplicate>[\d,]+), stale (?<stale>[\d,]+), .*unsent (?<unsent>[\d,]+)")]
    private static partial System.Text.RegularExpressions.Regex Counts();

    private static object Report(string opId, string grid) =>
        new { opId, category = "sanitation", urgency = "normal", description = "停电期间的报告", gridCode = grid };

    private static async Task<Api.Answer> SignInAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/auth/token", new { username = "city.admin", password = SystemFixture.Password });
        return await Api.Answer.ReadAsync(response);
    }

    private static Task<Api.Answer> SendAsync(HttpClient http, HttpMethod method, string path, string token, object? body = null) =>
        Api.AnswerOfAsync(http, Api.Authorized(method, path, token, body));

    /// <summary>A log entry's first line at Warning or above, as the console template writes it: <c>[HH:mm:ss WRN] …</c>.</summary>
    private static bool IsWarningOrWorse(string line) =>
        line.StartsWith('[') && (line.Contains(" WRN] ", StringComparison.Ordinal) || line.Contains(" ERR] ", StringComparison.Ordinal) || line.Contains(" FTL] ", StringComparison.Ordinal));

    private static async Task<List<string>> LinesAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return [.. (await reader.ReadToEndAsync()).Split('\n')];
    }
}

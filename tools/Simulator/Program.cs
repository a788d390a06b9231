using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using OpsCentre.Simulator;

// The city simulator: drives the demo city's grid-worker devices through the real HTTP API.
// It signs in as an operator only to read the roster and provision devices (once; the keys are kept
// in the data folder), then every request is a device's own, with its own key.
if (args.Contains("--help"))
{
    Console.WriteLine(SimulatorOptions.Usage);
    return 0;
}

var options = SimulatorOptions.Parse(args);
using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(8, options.Concurrency) }) { BaseAddress = options.Gateway, Timeout = TimeSpan.FromSeconds(30) };
var clock = Stopwatch.StartNew();
void Say(string message) => Console.WriteLine($"[simulator {clock.Elapsed:hh\\:mm\\:ss}] {message}");

var token = await SignInAsync();
var gridOf = new Dictionary<string, string>(StringComparer.Ordinal);
var outages = new MastOutages(options.DataDirectory);
var roster = await RosterAsync();
var devices = await DevicesAsync(roster);
var random = new Random(42);
var firstSeq = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
var workers = devices.Select(d => new SimulatedWorker(d.WorkerId, d.DeviceId, d.Key, d.Lat, d.Lon, new Random(random.Next()), firstSeq)).ToList();

// The supervision workflows (issue 29), as the demo accounts act in them: at a gentle pace, or once each (--once).
var supervision = options.SupervisionPace > TimeSpan.Zero || options.Once ? SupervisionFlowsOf() : null;
if (options.Once)
{
    var failed = await supervision!.PassAsync(CancellationToken.None);
    Say(failed.Count == 0 ? "supervision workflows: each once, all through" : $"supervision workflows: not through: {string.Join(", ", failed)}");
    return failed.Count == 0 ? 0 : 1;
}
Say($"driving {workers.Count} worker devices at {(options.Rate > 0 ? $"{options.Rate} statuses/s" : "full speed")}, {options.BatchSize} per request");

using var stopCases = new CancellationTokenSource();
var caseFlow = options.CasesPerMinute > 0
    ? new CaseFlow(new LoopClient(http, SignInAsync), devices, options.CasesPerMinute, Say).RunAsync(stopCases.Token).ContinueWith(_ => { }, TaskScheduler.Default)
    : Task.CompletedTask;
var personFlow = options.Persons > 0 && options.CityDirectory is { } city
    ? new PersonFlow(http, SignInAsync, city, options.DataDirectory, options.Persons, Math.Max(1, options.Rate / 10), Say).RunAsync(stopCases.Token).ContinueWith(_ => { }, TaskScheduler.Default)
    : Task.CompletedTask;
var residentFlow = options.ResidentsPerMinute > 0
    ? new ResidentFlow(http, new LoopClient(http, SignInAsync), devices, options.ResidentsPerMinute, Say).RunAsync(stopCases.Token).ContinueWith(_ => { }, TaskScheduler.Default)
    : Task.CompletedTask;
if (options.ResidentsPerMinute > 0)
{
    Say($"and about {options.ResidentsPerMinute} residents' reports per minute by day through Open311, rated after closure");
}

// Workers keep up with their visits to key persons whenever the flow of work (cases) is on.
var visitFlow = options.CasesPerMinute > 0
    ? new VisitFlow(http, devices, Say).RunAsync(stopCases.Token).ContinueWith(_ => { }, TaskScheduler.Default)
    : Task.CompletedTask;
if (options.CasesPerMinute > 0)
{
    Say($"and a flow of about {options.CasesPerMinute} cases per minute by day through the closed loop, and visits (回访) as they fall due");
}

// Release notices (刑满释放人员衔接) with the flow of work: their first visits are the workers' tasks too.
var releaseFlow = options.CasesPerMinute > 0
    ? new ReleaseFlow(new LoopClient(http, SignInAsync), Say).RunAsync(stopCases.Token).ContinueWith(_ => { }, TaskScheduler.Default)
    : Task.CompletedTask;

var supervisionFlows = supervision is not null
    ? supervision.RunAsync(stopCases.Token).ContinueWith(_ => { }, TaskScheduler.Default)
    : Task.CompletedTask;
if (supervision is not null)
{
    Say($"and the supervision workflows (hand-overs, travel leave, officers, mediation, drills, paper, the responsibility list, 帮教, property companies, campaigns) in {options.HomePlace}, an action of each about every {options.SupervisionPace.TotalSeconds:N0} s");
}

var counts = new Dictionary<string, long> { ["applied"] = 0, ["duplicate"] = 0, ["stale"] = 0, ["rejected"] = 0, ["requeued"] = 0, ["unanswered"] = 0, ["error"] = 0 };
using var gate = new SemaphoreSlim(options.Concurrency);
var sent = 0L;
var started = Stopwatch.StartNew();
var report = Stopwatch.StartNew();
var inFlight = new List<Task>();
for (var turn = 0L; options.Duration is null || started.Elapsed < options.Duration; turn++)
{
    if (options.Rate > 0)
    {
        var due = TimeSpan.FromSeconds(sent / options.Rate);
        if (due > started.Elapsed)
        {
            await Task.Delay(due - started.Elapsed);
        }
    }

    var worker = workers[(int)(turn % workers.Count)];
    if (outages.IsDark(gridOf.GetValueOrDefault(worker.WorkerId)))
    {
        continue; // a mast down over the worker's unit: the phone has no signal
    }

    var statuses = new List<object>();
    while (statuses.Count < options.BatchSize)
    {
        statuses.AddRange(worker.Next(DateTimeOffset.UtcNow));
        if (options.BatchSize == 1)
        {
            break;
        }
    }

    if (statuses.Count == 0)
    {
        continue;
    }

    sent += statuses.Count;
    await gate.WaitAsync();
    inFlight.Add(SendAsync(worker, statuses).ContinueWith(_ => gate.Release(), TaskScheduler.Default));
    inFlight.RemoveAll(t => t.IsCompleted);
    if (report.Elapsed >= TimeSpan.FromSeconds(5))
    {
        report.Restart();
        Say($"sent {sent:N0} statuses ({sent / started.Elapsed.TotalSeconds:N0}/s): {string.Join(", ", counts.Select(c => $"{c.Key} {c.Value:N0}"))}");
    }
}

await Task.WhenAll(inFlight);

// What the phones still hold (lost signal at the end, or statuses the gateway did not take) is sent before
// the run ends, patiently: a minute of retries at most, then what is left is said, not dropped silently.
for (var flush = 0; flush < 30 && workers.Any(w => w.Queued > 0); flush++)
{
    await Task.WhenAll(workers.Where(w => w.Queued > 0).Select(w => SendAsync(w, w.TakeQueued())));
    if (workers.Any(w => w.Queued > 0))
    {
        await Task.Delay(2000);
    }
}

var unsent = workers.Sum(w => w.Queued);
await stopCases.CancelAsync();
await caseFlow;
await residentFlow;
await visitFlow;
await releaseFlow;
await supervisionFlows;
await personFlow;
Say($"done: {sent:N0} statuses in {started.Elapsed.TotalSeconds:F1} s ({sent / started.Elapsed.TotalSeconds:N0}/s): {string.Join(", ", counts.Select(c => $"{c.Key} {c.Value:N0}"))}; unsent {unsent:N0}");
return 0;

async Task SendAsync(SimulatedWorker worker, List<object> statuses)
{
    try
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, statuses.Count == 1 ? "/api/v1/device/status" : "/api/v1/device/status/batch")
        {
            Content = statuses.Count == 1 ? JsonContent.Create(statuses[0]) : JsonContent.Create(new { items = statuses }),
        };
        request.Headers.Add("X-Device-Key", worker.Key);
        using var response = await http.SendAsync(request);
        if (response.StatusCode is System.Net.HttpStatusCode.ServiceUnavailable or System.Net.HttpStatusCode.TooManyRequests)
        {
            // Not taken: kept, and sent again later with the same opIds.
            worker.Requeue(statuses);
            Count("requeued", statuses.Count);
            return;
        }

        if (!response.IsSuccessStatusCode)
        {
            Count("error", statuses.Count);
            return;
        }

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (statuses.Count == 1)
        {
            Count(body.GetProperty("status").GetString()!, 1);
        }
        else
        {
            foreach (var result in body.GetProperty("results").EnumerateArray())
            {
                Count(result.GetProperty("status").GetString()!, 1);
            }
        }
    }
    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
    {
        // No answer: perhaps applied, perhaps not; sent again, a status already applied answers "duplicate".
        worker.Requeue(statuses);
        Count("unanswered", statuses.Count);
    }
}

void Count(string outcome, int n)
{
    lock (counts)
    {
        counts[outcome] = counts.GetValueOrDefault(outcome) + n;
    }
}

SupervisionFlows SupervisionFlowsOf()
{
    var accounts = new DemoAccounts(http, options.Password);
    var context = new SupervisionContext(accounts, new SupervisionPlaces(accounts, options.HomePlace, options.OtherPlace), options.SupervisionPace, Say);
    var phones = devices.Where(d => gridOf.GetValueOrDefault(d.WorkerId, "").StartsWith(options.HomePlace, StringComparison.Ordinal))
        .Select(d => (d.WorkerId, d.Key, Grid: gridOf[d.WorkerId], d.Lat, d.Lon)).ToList();
    return new SupervisionFlows(
        [new HandOverFlow(context), new TravelLeaveFlow(context), new OfficerFlow(context), new MediationFlow(context), new DrillFlow(context), new PaperFlow(context),
         new ResponsibilityFlow(context, phones), new AftercareFlow(context), new PropertyFlow(context, phones),
         new CampaignFlow(context, phones)],
        options.SupervisionPace, Say);
}

async Task<string> SignInAsync()
{
    for (var attempt = 1; ; attempt++)
    {
        try
        {
            using var response = await http.PostAsJsonAsync("/api/v1/auth/token", new { username = options.Username, password = options.Password });
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        }
        catch (HttpRequestException ex) when (attempt < 30)
        {
            Say($"gateway not ready ({ex.Message}); retrying");
            await Task.Delay(2000);
        }
    }
}

// A system that has just started may be busy for a minute (every silent device's reminder fires at once
// after a long stop); the simulator waits for it rather than giving up.
async Task<T> PatientlyAsync<T>(Func<Task<T>> call)
{
    for (var attempt = 1; ; attempt++)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && attempt < 20)
        {
            Say($"the gateway is busy ({ex.Message}); retrying");
            await Task.Delay(3000);
        }
    }
}

async Task<List<(string Id, double Lat, double Lon)>> RosterAsync()
{
    var workers = new List<(string, double, double)>();
    string? after = null;
    do
    {
        var page = await PatientlyAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/workers?unit={options.Unit}&limit=1000{(after is null ? "" : "&after=" + after)}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        });
        foreach (var item in page.GetProperty("items").EnumerateArray())
        {
            workers.Add((item.GetProperty("id").GetString()!, item.GetProperty("lat").GetDouble(), item.GetProperty("lon").GetDouble()));
            gridOf[item.GetProperty("id").GetString()!] = item.GetProperty("gridCode").GetString()!;
        }

        after = page.GetProperty("next").GetString();
    }
    while (after is not null && (options.Workers == 0 || workers.Count < options.Workers));

    return options.Workers > 0 ? workers.Take(options.Workers).ToList() : workers;
}

async Task<List<(string WorkerId, string DeviceId, string Key, double Lat, double Lon)>> DevicesAsync(List<(string Id, double Lat, double Lon)> roster)
{
    Directory.CreateDirectory(options.DataDirectory);
    var file = Path.Combine(options.DataDirectory, "devices.tsv");
    var known = File.Exists(file)
        ? File.ReadAllLines(file).Select(l => l.Split('\t')).Where(f => f.Length == 3).ToDictionary(f => f[0], f => (f[1], f[2]))
        : [];
    var missing = roster.Where(w => !known.ContainsKey(w.Id)).ToList();
    if (missing.Count > 0)
    {
        Say($"provisioning {missing.Count} worker phones (once; keys kept in {file})");
        await using var writer = new StreamWriter(file, append: true);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        foreach (var chunk in missing.Chunk(16))
        {
            var provisioned = await Task.WhenAll(chunk.Select(w => PatientlyAsync(async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/devices") { Content = JsonContent.Create(new { kind = "worker-phone", boundTo = w.Id }) };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await http.SendAsync(request);
                response.EnsureSuccessStatusCode();
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                return (w.Id, DeviceId: body.GetProperty("deviceId").GetString()!, Key: body.GetProperty("key").GetString()!);
            })));
            foreach (var (workerId, deviceId, key) in provisioned)
            {
                known[workerId] = (deviceId, key);
                await writer.WriteLineAsync($"{workerId}\t{deviceId}\t{key}");
            }
        }
    }

    return [.. roster.Select(w => (w.Id, known[w.Id].Item1, known[w.Id].Item2, w.Lat, w.Lon))];
}

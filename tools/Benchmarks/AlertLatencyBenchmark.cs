using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HdrHistogram;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace OpsCentre.Benchmarks;

/// <summary>
/// End-to-end alert latency: a device POSTs a status with its battery at 5 %; the time until the wall
/// screen (the official .NET SignalR client, subscribed to 锦江区) receives the matching
/// <c>alert.raised</c> — which the system sends only after the alert's event is committed to
/// PostgreSQL. Probes go out at a constant arrival rate, each from its own (warmed) device, and each
/// latency is measured from the moment the schedule said to send it, so a stalled sender cannot hide
/// a stall (coordinated omission). A warm-up of the same shape (10 s, other devices) goes first and is
/// not recorded. Percentiles from an HdrHistogram. Background load (the simulator)
/// is started by <c>scripts/bench-latency.sh</c>.
/// </summary>
public static class AlertLatencyBenchmark
{
    private const string District = "510104";

    /// <summary>Alerts sent at the same rate before the measurement and not recorded: JIT tiering and first-use costs settle.</summary>
    private const int WarmUpSeconds = 10;

    public static async Task<int> RunAsync(Uri gateway, double rate, int seconds, string password)
    {
        using var http = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
        var token = await SignInAsync(http, "jinjiang.operator", password);
        var probes = (int)Math.Ceiling(rate * seconds);
        var warmUps = (int)Math.Ceiling(rate * WarmUpSeconds);

        Console.WriteLine($"provisioning {warmUps + probes:N0} probe devices for workers of {District} …");
        var workers = await WorkersAsync(http, token, Math.Min(probes, 500));
        var devices = new List<(string Id, string Key, double Lat, double Lon)>();
        foreach (var chunk in Enumerable.Range(0, warmUps + probes).Chunk(16))
        {
            devices.AddRange(await Task.WhenAll(chunk.Select(async i =>
            {
                var worker = workers[i % workers.Count];
                using var request = Authorized(HttpMethod.Post, "/api/v1/devices", token, new { kind = "worker-phone", boundTo = worker.Id });
                using var response = await http.SendAsync(request);
                response.EnsureSuccessStatusCode();
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                return (body.GetProperty("deviceId").GetString()!, body.GetProperty("key").GetString()!, worker.Lat, worker.Lon);
            })));
        }

        // Every probe device reports once at a healthy battery, so the measured status finds its grains active.
        Console.WriteLine("warming the probe devices …");
        foreach (var chunk in devices.Chunk(16))
        {
            await Task.WhenAll(chunk.Select(d => PostStatusAsync(http, d.Key, 1, d.Lat, d.Lon, 90)));
        }

        await Task.Delay(TimeSpan.FromSeconds(3));

        var due = new ConcurrentDictionary<string, long>();
        var histogram = new LongHistogram(TimeStamp.Seconds(60), 3);
        // Where the time goes: how long until the POST itself was answered (the alert is committed by then).
        var answered = new LongHistogram(TimeStamp.Seconds(60), 3);
        var received = 0;
        var recording = false;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(gateway, "/hubs/ops?access_token=" + Uri.EscapeDataString(token)), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
            })
            .Build();
        connection.On<JsonElement>("Event", e =>
        {
            var arrived = Stopwatch.GetTimestamp();
            if (e.GetProperty("type").GetString() == "alert.raised"
                && e.GetProperty("data").GetProperty("subject").GetProperty("id").GetString() is { } subject
                && due.TryRemove(subject, out var dueAt))
            {
                if (!Volatile.Read(ref recording))
                {
                    return;
                }

                lock (histogram)
                {
                    histogram.RecordValue(Math.Max(0, (arrived - dueAt) * 1_000_000 / Stopwatch.Frequency));
                }

                Interlocked.Increment(ref received);
            }
        });
        await connection.StartAsync();
        await connection.InvokeAsync<JsonElement>("Subscribe", District, (Dictionary<string, long>?)null);

        Console.WriteLine($"warming up: {rate} alerts per second for {WarmUpSeconds} s, not recorded …");
        await SendAtRateAsync(devices[..warmUps], null);
        await Task.Delay(TimeSpan.FromSeconds(2));
        due.Clear();
        Volatile.Write(ref recording, true);

        Console.WriteLine($"measuring: {rate} alerts per second for {seconds} s ({probes:N0} probes) …");
        var failed = await SendAtRateAsync(devices[warmUps..], answered);
        var deadline = Stopwatch.StartNew();
        while (Volatile.Read(ref received) + failed < probes && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        await connection.DisposeAsync();
        double Ms(double percentile) => histogram.GetValueAtPercentile(percentile) / 1000.0;
        Console.WriteLine($"alerts received: {received:N0} of {probes:N0} (failed requests {failed}, never arrived {probes - received - failed})");
        Console.WriteLine($"device POST → alert.raised on the screen, from the scheduled send time (ms): p50 {Ms(50):F2}  p90 {Ms(90):F2}  p99 {Ms(99):F2}  p99.9 {Ms(99.9):F2}  max {histogram.GetMaxValue() / 1000.0:F2}");
        Console.WriteLine($"device POST answered (the alert committed), from the scheduled send time (ms): p50 {answered.GetValueAtPercentile(50) / 1000.0:F2}  p99 {answered.GetValueAtPercentile(99) / 1000.0:F2}");
        Console.WriteLine($"target: p50 ≤ 5 ms, p99 ≤ 20 ms → {(Ms(50) <= 5 && Ms(99) <= 20 ? "met" : "NOT met")}");
        return received == probes ? 0 : 1;

        // Posts battery 5 % from each device in turn at the constant rate; returns how many requests failed.
        async Task<int> SendAtRateAsync(List<(string Id, string Key, double Lat, double Lon)> senders, LongHistogram? answeredAt)
        {
            var interval = Stopwatch.Frequency / rate;
            var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 10;
            var sends = new List<Task>();
            var failures = 0;
            for (var i = 0; i < senders.Count; i++)
            {
                var dueAt = start + (long)(i * interval);
                while (Stopwatch.GetTimestamp() < dueAt)
                {
                    var wait = TimeSpan.FromTicks((dueAt - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
                    if (wait > TimeSpan.FromMilliseconds(2))
                    {
                        await Task.Delay(wait - TimeSpan.FromMilliseconds(1));
                    }
                    else
                    {
                        Thread.SpinWait(50);
                    }
                }

                var device = senders[i];
                due[device.Id] = dueAt;
                sends.Add(Task.Run(async () =>
                {
                    try
                    {
                        await PostStatusAsync(http, device.Key, 2, device.Lat, device.Lon, 5);
                        var took = Math.Max(0, (Stopwatch.GetTimestamp() - dueAt) * 1_000_000 / Stopwatch.Frequency);
                        if (answeredAt is not null)
                        {
                            lock (answeredAt)
                            {
                                answeredAt.RecordValue(took);
                            }
                        }
                    }
                    catch (HttpRequestException)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }));
            }

            await Task.WhenAll(sends);
            return failures;
        }
    }

    private static async Task PostStatusAsync(HttpClient http, string key, long seq, double lat, double lon, double battery)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/device/status")
        {
            Content = JsonContent.Create(new { opId = Guid.NewGuid().ToString("N"), seq, at = DateTimeOffset.UtcNow, lat, lon, accuracyM = 5, batteryPct = battery, onDuty = true }),
        };
        request.Headers.Add("X-Device-Key", key);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<List<(string Id, double Lat, double Lon)>> WorkersAsync(HttpClient http, string token, int count)
    {
        var workers = new List<(string, double, double)>();
        string? after = null;
        while (workers.Count < count)
        {
            using var request = Authorized(HttpMethod.Get, $"/api/v1/workers?unit={District}&limit=200" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after)), token);
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            foreach (var w in page.GetProperty("items").EnumerateArray())
            {
                workers.Add((w.GetProperty("id").GetString()!, w.GetProperty("lat").GetDouble(), w.GetProperty("lon").GetDouble()));
            }

            after = page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            if (after is null)
            {
                break;
            }
        }

        return workers;
    }

    private static async Task<string> SignInAsync(HttpClient http, string username, string password)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/auth/token", new { username, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private static HttpRequestMessage Authorized(HttpMethod method, string path, string token, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }
}

using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OpsCentre.Simulator;

/// <summary>
/// A flow of residents (社会化服务平台) through the public Open311 endpoint, as a resident's phone would send them: a
/// form-encoded report where a worker of the city is (more by day than by night, Asia/Shanghai); about one in five is a
/// second resident reporting the same thing a few metres from a recent open report, which the gateway answers as that
/// case with a supporter. The signed-in supervisor accepts and dispatches the residents' cases to the worker, who
/// starts and feeds back from the phone, and the supervisor verifies; about one in ten is left lying. After closure the
/// resident answers with the follow-up token the report got: 满意 (about 60 %), 基本满意 (25 %) or 不满意 (15 %), and
/// about half of those not satisfied ask to reopen, which the supervisor verifies again, and the resident rates anew.
/// </summary>
public sealed class ResidentFlow(HttpClient http, LoopClient loop, IReadOnlyList<(string WorkerId, string DeviceId, string Key, double Lat, double Lon)> devices, double reportsPerMinute, Action<string> say)
{
    private static readonly string[] Preferred = ["sanitation", "facilities", "property-complaint", "public-safety"];

    private static readonly string[] Descriptions = ["小区门口垃圾没人清运", "路灯坏了，晚上很黑", "人行道井盖松动", "楼道里堆满杂物", "楼上装修噪音太大", "电梯又停了", "店铺占道经营", "下水道返味"];

    private static readonly string[] Comments = ["处理很及时，谢谢", "基本解决了", "还是老样子", "态度很好"];

    private readonly Random _random = new(11);
    private readonly List<(string Service, double Lat, double Lon, DateTimeOffset At)> _recent = [];
    private List<string> _services = [];
    private long _reported, _supported, _limited, _rated, _reopened, _failed;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await loop.SignInAsync();
        try
        {
            var offered = (await http.GetFromJsonAsync<JsonElement>("/open311/v2/services.json", cancellationToken)).EnumerateArray()
                .Select(s => s.GetProperty("service_code").GetString()!).ToList();
            _services = offered.Intersect(Preferred).ToList() is { Count: > 0 } preferred ? preferred : offered;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException)
        {
            say($"residents: no Open311 services to report to ({ex.Message}); no residents' reports");
            return;
        }

        var lives = new List<Task>();
        var turns = 0L;
        while (!cancellationToken.IsCancellationRequested && _services.Count > 0 && devices.Count > 0)
        {
            var hour = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).Hour;
            var rhythm = hour is >= 8 and < 22 ? 1.0 : 0.2;
            await Task.Delay(TimeSpan.FromMinutes(1 / (reportsPerMinute * rhythm) * (0.5 + _random.NextDouble())), cancellationToken);
            lives.RemoveAll(t => t.IsCompleted);
            lives.Add(LiveOneResidentAsync(_random.Next(), cancellationToken));
            if (++turns % 10 == 0)
            {
                say($"residents: {_reported} reported, {_supported} as supporters, {_rated} ratings, {_reopened} reopened, {_limited} limited (429), {_failed} failed requests, {lives.Count} in flight");
            }
        }
    }

    private async Task LiveOneResidentAsync(int seed, CancellationToken ct)
    {
        var random = new Random(seed);
        try
        {
            var worker = devices[random.Next(devices.Count)];
            var (service, lat, lon) = (_services[random.Next(_services.Count)], worker.Lat, worker.Lon);
            lock (_recent)
            {
                _recent.RemoveAll(r => DateTimeOffset.UtcNow - r.At > TimeSpan.FromHours(1));
                if (_recent.Count > 0 && random.NextDouble() < 0.2)
                {
                    // A neighbour reports what someone reported here a little earlier, some ten metres off.
                    var earlier = _recent[random.Next(_recent.Count)];
                    (service, lat, lon) = (earlier.Service, earlier.Lat + (random.NextDouble() - 0.5) * 0.0002, earlier.Lon + (random.NextDouble() - 0.5) * 0.0002);
                }
            }

            var form = new Dictionary<string, string>
            {
                ["service_code"] = service, ["lat"] = lat.ToString("R", CultureInfo.InvariantCulture), ["long"] = lon.ToString("R", CultureInfo.InvariantCulture),
                ["description"] = Descriptions[random.Next(Descriptions.Length)], ["op_id"] = Guid.NewGuid().ToString("N"),
            };
            using var content = new FormUrlEncodedContent(form);
            using var response = await http.PostAsync("/open311/v2/requests.json", content, ct);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Interlocked.Increment(ref _limited);
                return;
            }

            response.EnsureSuccessStatusCode();
            var answer = (await response.Content.ReadFromJsonAsync<JsonElement>(ct))[0];
            var id = answer.GetProperty("service_request_id").GetString()!;
            if (answer.GetProperty("follow_up_token").GetString() is not { } token)
            {
                Interlocked.Increment(ref _supported);
                return;
            }

            Interlocked.Increment(ref _reported);
            lock (_recent)
            {
                _recent.Add((service, lat, lon, DateTimeOffset.UtcNow));
            }

            if (random.NextDouble() < 0.1)
            {
                return; // left lying: it goes overdue in reported
            }

            await HandleAsync(id, worker, random, ct);
            await PauseAsync(random, ct);
            var rating = random.NextDouble() switch { < 0.6 => "satisfied", < 0.85 => "basically-satisfied", _ => "unsatisfied" };
            await FollowUpAsync(id, "rating", token, new { rating, comment = Comments[random.Next(Comments.Length)] }, ct);
            if (rating == "unsatisfied" && random.NextDouble() < 0.5)
            {
                await PauseAsync(random, ct);
                await FollowUpAsync(id, "reopen", token, new { reason = "问题没有解决" }, ct);
                Interlocked.Increment(ref _reopened);
                await PauseAsync(random, ct);
                await loop.ActAsync(id, new { action = "verify-pass" }, ct);
                await PauseAsync(random, ct);
                await FollowUpAsync(id, "rating", token, new { rating = random.NextDouble() < 0.5 ? "basically-satisfied" : "unsatisfied" }, ct);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or InvalidOperationException or KeyNotFoundException)
        {
            Interlocked.Increment(ref _failed);
        }
    }

    /// <summary>The loop as for any case: accepted, dispatched to the worker where it lies, started and fed back from the phone, verified.</summary>
    private async Task HandleAsync(string id, (string WorkerId, string DeviceId, string Key, double Lat, double Lon) worker, Random random, CancellationToken ct)
    {
        await PauseAsync(random, ct);
        await loop.ActAsync(id, new { action = "accept" }, ct);
        var unitCode = (await loop.OperatorAsync(HttpMethod.Get, $"/api/v1/incidents/{id}", null, ct)).GetProperty("incident").GetProperty("unitCode").GetString()!;
        await PauseAsync(random, ct);
        await loop.ActAsync(id, new { action = "dispatch", unitCode, workerId = worker.WorkerId }, ct);
        await PauseAsync(random, ct);
        await loop.DeviceActAsync(worker.Key, id, "start", ct);
        await PauseAsync(random, ct);
        await loop.DeviceActAsync(worker.Key, id, "feedback", ct);
        await PauseAsync(random, ct);
        await loop.ActAsync(id, new { action = "verify-pass" }, ct);
    }

    private async Task FollowUpAsync(string id, string what, string token, object body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/public/cases/{id}/{what}") { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Follow-Up-Token", token);
        using var response = await http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        if (what == "rating")
        {
            Interlocked.Increment(ref _rated);
        }
    }

    private static Task PauseAsync(Random random, CancellationToken ct) => Task.Delay(TimeSpan.FromSeconds(5 + random.Next(60)), ct);
}

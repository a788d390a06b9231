using System.Text.Json;

namespace OpsCentre.Simulator;

/// <summary>
/// A flow of cases through the closed loop, so the demo's lists, counters and KPIs mean something:
/// a worker reports a case from the phone where they are (more by day than by night, Asia/Shanghai),
/// the signed-in supervisor (city.admin by default) accepts and dispatches it back to the worker, the
/// worker starts and feeds back from the phone, the supervisor verifies — about one in seven fails
/// verification once (rework), about one in ten is left lying at some stage and goes overdue. Steps
/// come seconds to minutes apart. The duties are split as the duty table asks: the reporter (the
/// worker) does not verify, and accepting, dispatching and verifying are the supervisor's.
/// </summary>
public sealed class CaseFlow(LoopClient loop, IReadOnlyList<(string WorkerId, string DeviceId, string Key, double Lat, double Lon)> devices, double casesPerMinute, Action<string> say)
{
    private static readonly (string Code, int Weight)[] Categories =
        [("sanitation", 35), ("facilities", 25), ("property-complaint", 15), ("dispute-mediation", 10), ("public-safety", 8), ("migrant-registration", 7)];

    private static readonly string[] Descriptions = ["垃圾堆放", "路灯不亮", "井盖缺失", "楼道堆物", "邻里噪音纠纷", "电梯停运", "占道经营", "流动人口未登记"];

    private readonly Random _random = new(7);
    private long _reported, _closed, _failed;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await loop.SignInAsync();
        var lives = new List<Task>();
        while (!cancellationToken.IsCancellationRequested)
        {
            var hour = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).Hour;
            var rhythm = hour is >= 8 and < 20 ? 1.0 : 0.3;
            await Task.Delay(TimeSpan.FromMinutes(1 / (casesPerMinute * rhythm) * (0.5 + _random.NextDouble())), cancellationToken);
            lives.RemoveAll(t => t.IsCompleted);
            lives.Add(LiveOneCaseAsync(devices[_random.Next(devices.Count)], _random.Next(), cancellationToken));
            if (_reported % 20 == 0)
            {
                say($"cases: {_reported} reported, {_closed} closed, {_failed} failed requests, {lives.Count} in flight");
            }
        }
    }

    private async Task LiveOneCaseAsync((string WorkerId, string DeviceId, string Key, double Lat, double Lon) worker, int seed, CancellationToken ct)
    {
        var random = new Random(seed);
        try
        {
            var total = Categories.Sum(c => c.Weight);
            var pick = random.Next(total);
            var category = Categories.First(c => (pick -= c.Weight) < 0).Code;
            var report = await loop.DeviceAsync(worker.Key, "/api/v1/device/incidents", new
            {
                opId = Guid.NewGuid().ToString("N"), category, urgency = random.NextDouble() < 0.15 ? "urgent" : "normal",
                description = Descriptions[random.Next(Descriptions.Length)], lat = worker.Lat, lon = worker.Lon,
            }, ct);
            Interlocked.Increment(ref _reported);
            var id = report.GetProperty("id").GetString()!;
            var unitCode = report.GetProperty("unitCode").GetString()!;
            var abandonAt = random.NextDouble() < 0.1 ? random.Next(1, 5) : int.MaxValue;
            async Task<bool> StepAsync(int step, Func<Task> act)
            {
                if (step >= abandonAt)
                {
                    return false;
                }

                await Task.Delay(TimeSpan.FromSeconds(5 + random.Next(60)), ct);
                await act();
                return true;
            }

            _ = await StepAsync(1, () => loop.ActAsync(id, new { action = "accept" }, ct))
                && await StepAsync(2, () => loop.ActAsync(id, new { action = "dispatch", unitCode, workerId = worker.WorkerId }, ct))
                && await StepAsync(3, () => loop.DeviceActAsync(worker.Key, id, "start", ct))
                && await StepAsync(4, () => loop.DeviceActAsync(worker.Key, id, "feedback", ct))
                && (random.NextDouble() >= 0.15 || (await StepAsync(5, () => loop.ActAsync(id, new { action = "verify-fail" }, ct))
                                                    && await StepAsync(6, () => loop.DeviceActAsync(worker.Key, id, "feedback", ct))))
                && await StepAsync(7, () => loop.ActAsync(id, new { action = "verify-pass" }, ct));
            if (abandonAt == int.MaxValue)
            {
                Interlocked.Increment(ref _closed);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            Interlocked.Increment(ref _failed);
        }
    }
}

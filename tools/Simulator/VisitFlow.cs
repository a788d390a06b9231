using System.Net.Http.Json;
using System.Text.Json;

namespace OpsCentre.Simulator;

/// <summary>
/// Grid workers keeping up with their visits (回访) and first visits (刑满释放人员衔接): now and then a worker's phone looks at its tasks
/// and records the visits due within a day — mostly the person is met, sometimes with a concern,
/// sometimes nobody is home (which does not count, so the visit stays due).
/// </summary>
public sealed class VisitFlow(HttpClient http, IReadOnlyList<(string WorkerId, string DeviceId, string Key, double Lat, double Lon)> devices, Action<string> say)
{
    private readonly Random _random = new(11);
    private long _visits, _failed;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        for (var round = 1L; !cancellationToken.IsCancellationRequested; round++)
        {
            await Task.Delay(TimeSpan.FromSeconds(10 + _random.Next(20)), cancellationToken);
            var (_, _, key, _, _) = devices[_random.Next(devices.Count)];
            try
            {
                await VisitDueAsync(key, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException)
            {
                _failed++;
            }

            if (round % 100 == 0)
            {
                say($"visits: {_visits} recorded, {_failed} failed requests");
            }
        }
    }

    private async Task VisitDueAsync(string key, CancellationToken ct)
    {
        using var tasksRequest = new HttpRequestMessage(HttpMethod.Get, "/api/v1/device/tasks");
        tasksRequest.Headers.Add("X-Device-Key", key);
        using var tasksResponse = await http.SendAsync(tasksRequest, ct);
        tasksResponse.EnsureSuccessStatusCode();
        var tasks = await tasksResponse.Content.ReadFromJsonAsync<JsonElement>(ct);
        foreach (var task in tasks.GetProperty("items").EnumerateArray())
        {
            // A first visit (刑满释放人员衔接) is recorded as any visit: the first that finds the person ends it.
            if (task.GetProperty("kind").GetString() is not ("visit" or "first-visit") || task.GetProperty("due").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(1))
            {
                continue;
            }

            var roll = _random.NextDouble();
            var (outcome, notes) = roll < 0.85 ? ("met", "在家，情况稳定") : roll < 0.95 ? ("concern", "情绪低落，需社区关注") : ("absent", "未见本人");
            using var visit = new HttpRequestMessage(HttpMethod.Post, "/api/v1/device/visits")
            {
                Content = JsonContent.Create(new { opId = Guid.NewGuid().ToString("N"), keyPersonId = task.GetProperty("id").GetString(), outcome, notes }),
            };
            visit.Headers.Add("X-Device-Key", key);
            using var response = await http.SendAsync(visit, ct);
            response.EnsureSuccessStatusCode();
            _visits++;
        }
    }
}

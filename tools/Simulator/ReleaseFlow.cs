using System.Text.Json;

namespace OpsCentre.Simulator;

/// <summary>
/// Release hand-over (刑满释放人员衔接) on the demo city: now and then a release notice arrives for one of the city's
/// released persons (as the prison system would send it), and the receiving side confirms receipt a few minutes later —
/// about one notice in five is left unconfirmed, so its receipt deadline passes and its alert escalates. A confirmed
/// notice's first visit is a task on the grid workers' phones, which <see cref="VisitFlow"/> records.
/// </summary>
public sealed class ReleaseFlow(LoopClient loop, Action<string> say)
{
    private readonly Random _random = new(29);
    private long _notified, _confirmed, _failed;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await loop.SignInAsync();
        var persons = new List<(string Id, string Grid)>();
        var page = await loop.OperatorAsync(HttpMethod.Get, "/api/v1/key-persons?unit=5101&category=released-prisoner&limit=200", null, cancellationToken);
        foreach (var person in page.GetProperty("items").EnumerateArray())
        {
            persons.Add((person.GetProperty("id").GetString()!, person.GetProperty("gridCode").GetString()!));
        }

        if (persons.Count == 0)
        {
            return;
        }

        say($"and release notices (刑满释放人员衔接) for {persons.Count} released persons now and then");
        var lives = new List<Task>();
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMinutes(5 + _random.Next(10)), cancellationToken);
            lives.RemoveAll(t => t.IsCompleted);
            lives.Add(NotifyAsync(persons[_random.Next(persons.Count)], _random.NextDouble() < 0.8, TimeSpan.FromMinutes(1 + _random.Next(5)), cancellationToken));
            say($"releases: {_notified} notices, {_confirmed} confirmed, {_failed} failed requests");
        }
    }

    private async Task NotifyAsync((string Id, string Grid) person, bool confirm, TimeSpan after, CancellationToken ct)
    {
        try
        {
            var notice = await loop.OperatorAsync(HttpMethod.Post, "/api/v1/release-notices", new
            {
                opId = Guid.NewGuid().ToString("N"), personId = person.Id, communityCode = person.Grid[..12], releasedAt = DateTimeOffset.UtcNow.AddHours(-2), note = "模拟：期满释放",
            }, ct);
            _notified++;
            if (!confirm)
            {
                return;
            }

            await Task.Delay(after, ct);
            await loop.OperatorAsync(HttpMethod.Post, $"/api/v1/release-notices/{notice.GetProperty("id").GetString()}/confirm", new { }, ct);
            _confirmed++;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException)
        {
            _failed++;
        }
    }
}

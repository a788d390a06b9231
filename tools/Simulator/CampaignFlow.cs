using System.Globalization;
using System.Text.Json;

namespace OpsCentre.Simulator;

/// <summary>
/// Floating-population campaigns (流动人口专项整治日) on the demo city: the district's centre starts a campaign in a community of
/// the home place — the demo accounts' community (or the home place itself when it is smaller) — a visit to every floating resident whose residence registration
/// expires within two months, due in ninety paces (about an hour) — and a few of the community's grid workers' phones a life
/// find the visits among their tasks and complete one or two. About one grid in four of each campaign leaves its visits alone,
/// so at the deadline they are overdue and 四级联控 escalates the grid (<c>campaign-grid-overdue</c>); the grid completes them late
/// afterwards, which ends the alert. While a campaign of the community is before its deadline its phones go on with it; after,
/// the next life starts a new one. The centre reads each grid's progress after the phones' visits.
/// </summary>
public sealed class CampaignFlow(SupervisionContext context, IReadOnlyList<(string WorkerId, string Key, string Grid, double Lat, double Lon)> phones) : ISupervisionFlow
{
    private static readonly string[] Notes = ["已督促办理居住登记续办", "本人已到派出所续办居住登记", "已搬离，告知房东更新登记"];

    private readonly Random _random = new(2910);

    public string Name => "campaign";

    public async Task<bool> LiveAsync(bool pass, CancellationToken ct)
    {
        if (phones.Count == 0)
        {
            return false;
        }

        var home = context.Places.Home;
        // One community at a time, so the demo's alerts stay few: the demo accounts' own when it lies in the home place and has phones.
        var unit = home.Length >= 12 ? home
            : DemoAccounts.FirstCommunity.StartsWith(home, StringComparison.Ordinal) && phones.Any(p => p.Grid.StartsWith(DemoAccounts.FirstCommunity, StringComparison.Ordinal))
                ? DemoAccounts.FirstCommunity
                : phones[0].Grid[..12];
        var campaign = pass ? null : await CurrentAsync(unit, ct);
        if (campaign is null)
        {
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).Date);
            var dueAt = DateTimeOffset.UtcNow + (pass ? TimeSpan.FromDays(1) : context.Pace * 90);
            var started = await context.ActAsync(Name, DemoAccounts.Operator, $"starts a floating-population campaign in {unit}, due {dueAt:yyyy-MM-dd HH:mm}Z", HttpMethod.Post, "/api/v1/campaigns", new
            {
                opId = SupervisionContext.OpId(), unitCode = unit, kind = "floating-registration", title = "模拟：流动人口专项整治日",
                registrationDueBefore = today.AddDays(60).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), dueAt,
            }, ct);
            if (!started.IsSuccess)
            {
                // None due in the community (422): no need to ask again at every pace.
                await context.PauseAsync(pass, 10, ct);
                return false;
            }

            campaign = started.Body;
        }

        var id = campaign.Value.GetProperty("id").GetString()!;
        // A few of the unit's phones a life (all in a pass): the visits of this campaign, and late ones of a campaign past its deadline.
        var unitPhones = phones.Where(p => p.Grid.StartsWith(unit, StringComparison.Ordinal)).GroupBy(p => p.Grid).Select(g => g.First()).OrderBy(_ => _random.Next()).ToList();
        var completed = 0;
        foreach (var phone in pass ? unitPhones : unitPhones.Take(3))
        {
            var leftAlone = !pass && LeftAlone(id, phone.Grid);
            var tasks = await context.Accounts.As(DemoAccounts.Operator).DeviceSendAsync(phone.Key, HttpMethod.Get, "/api/v1/device/tasks", null, ct);
            if (!tasks.IsSuccess)
            {
                context.Say($"{Name}: {phone.WorkerId} lists its tasks → {tasks.Problem}");
                return false;
            }

            var visits = tasks.Body.GetProperty("items").EnumerateArray()
                .Where(t => t.GetProperty("kind").GetString() == "campaign-visit")
                .Where(t => t.GetProperty("id").GetString()!.StartsWith(id + "-", StringComparison.Ordinal) ? !leftAlone : t.GetProperty("due").GetDateTimeOffset() < DateTimeOffset.UtcNow)
                .Select(t => t.GetProperty("id").GetString()!).ToList();
            // One or two visits a life: the rest in the next ones, before the deadline.
            foreach (var task in pass ? visits : visits.Take(1 + _random.Next(2)))
            {
                await context.PauseAsync(pass, _random, ct);
                var late = task.StartsWith(id + "-", StringComparison.Ordinal) ? "" : " (late)";
                var done = await context.DeviceActAsync(Name, phone.WorkerId, phone.Key, $"completes {task}{late}", HttpMethod.Post, $"/api/v1/device/campaign-tasks/{task}/complete",
                    new { opId = SupervisionContext.OpId(), note = "模拟：" + Notes[_random.Next(Notes.Length)] }, ct);
                if (!done.IsSuccess)
                {
                    return false;
                }

                completed++;
            }
        }

        if (completed == 0)
        {
            // Calm: one line, then ten paces before the next look.
            context.Say($"{Name}: no visit to make on the phones of {unit} now ({id} due {campaign.Value.GetProperty("dueAt").GetDateTimeOffset():yyyy-MM-dd HH:mm}Z); looking again in ten paces");
            await context.PauseAsync(pass, 10, ct);
            return false;
        }

        await context.PauseAsync(pass, _random, ct);
        var read = await context.ActAsync(Name, DemoAccounts.Operator, $"reads the progress of {id}", HttpMethod.Get, $"/api/v1/campaigns/{id}", null, ct);
        if (!read.IsSuccess)
        {
            return false;
        }

        var progress = read.Body.GetProperty("grids").EnumerateArray().ToList();
        var finished = progress.Count(g => g.GetProperty("done").GetInt32() >= g.GetProperty("total").GetInt32());
        context.Say($"{Name}: {id}: {finished} of {progress.Count} grids finished, {read.Body.GetProperty("done").GetInt32()} of {read.Body.GetProperty("total").GetInt32()} visits done");
        return read.Body.GetProperty("done").GetInt32() > 0;
    }

    /// <summary>The newest open campaign of the unit still before its deadline, or null.</summary>
    private async Task<JsonElement?> CurrentAsync(string unit, CancellationToken ct)
    {
        var open = await context.Accounts.As(DemoAccounts.Operator).OperatorAsync(HttpMethod.Get, $"/api/v1/campaigns?unit={unit}&state=open&limit=20", null, ct);
        return open.GetProperty("items").EnumerateArray()
            .Where(c => c.GetProperty("unitCode").GetString() == unit && c.GetProperty("dueAt").GetDateTimeOffset() > DateTimeOffset.UtcNow)
            .Select(c => (JsonElement?)c).FirstOrDefault();
    }

    /// <summary>Whether a grid leaves a campaign's visits alone: about one in four, the same all through the campaign.</summary>
    private static bool LeftAlone(string campaignId, string grid) => (campaignId + grid).Sum(c => c) % 4 == 0;
}

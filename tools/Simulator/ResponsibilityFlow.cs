namespace OpsCentre.Simulator;

/// <summary>
/// The responsibility list (权责清单) on the demo city: a worker reports a case from the phone, and the district's centre
/// accepts and dispatches it in one step by the list (受理 by <c>dispatch-by-list</c>); the department it names starts and
/// feeds back — the demo department's staff for their own, the centre on the others' behalf — and the centre verifies.
/// When the district has no list yet, the centre publishes a small one (district-wide, by hand) first; a list that exists
/// is left as it is.
/// </summary>
public sealed class ResponsibilityFlow(SupervisionContext context, IReadOnlyList<(string WorkerId, string Key, string Grid, double Lat, double Lon)> phones) : ISupervisionFlow
{
    private static readonly (string Category, string Kind, string Description)[] DemoList =
        [("sanitation", "CG", "垃圾堆放"), ("facilities", "CG", "路灯不亮"), ("property-complaint", "ZJ", "电梯停运"), ("public-safety", "GA", "占道经营")];

    private readonly Random _random = new(2907);

    public string Name => "responsibility";

    /// <summary>The categories the list's version names by hand (not auto) for a place that holds the grid (the applying entry is the longest such place).</summary>
    private static List<string> HandEntriesFor(Reply list, string grid)
    {
        if (!list.IsSuccess)
        {
            return [];
        }

        var applying = list.Body.GetProperty("entries").EnumerateArray()
            .Where(e => grid.StartsWith(e.GetProperty("placeCode").GetString()!, StringComparison.Ordinal))
            .GroupBy(e => e.GetProperty("category").GetString()!)
            .Select(g => g.MaxBy(e => e.GetProperty("placeCode").GetString()!.Length));
        return [.. applying.Where(e => !e.GetProperty("auto").GetBoolean()).Select(e => e.GetProperty("category").GetString()!)];
    }

    public async Task<bool> LiveAsync(bool pass, CancellationToken ct)
    {
        if (phones.Count == 0)
        {
            return false;
        }

        var phone = phones[_random.Next(phones.Count)];
        var district = phone.Grid[..6];
        var list = await context.Accounts.As(DemoAccounts.Operator).SendAsync(HttpMethod.Get, $"/api/v1/responsibility-list/{district}", null, ct);
        if (list.Status != System.Net.HttpStatusCode.NotFound && !list.IsSuccess)
        {
            return false;
        }

        var entries = HandEntriesFor(list, phone.Grid);
        if (entries.Count == 0)
        {
            // No list yet, or none that names a category by hand here: the centre publishes the next version with the demo's
            // district-wide entries beside those it has (a narrower entry still wins: the longest place code applies).
            var current = list.IsSuccess ? list.Body.GetProperty("entries").EnumerateArray()
                .Select(e => new { category = e.GetProperty("category").GetString()!, placeCode = e.GetProperty("placeCode").GetString()!,
                    responsibleCode = e.GetProperty("responsibleCode").GetString()!, auto = e.GetProperty("auto").GetBoolean() }).ToList() : [];
            var added = DemoList.Where(d => !current.Any(e => e.category == d.Category && e.placeCode == district))
                .Select(d => new { category = d.Category, placeCode = district, responsibleCode = $"{district}-{d.Kind}", auto = false });
            list = await context.ActAsync(Name, DemoAccounts.Operator, $"publishes the responsibility list of {district} with district-wide entries", HttpMethod.Put,
                $"/api/v1/responsibility-list/{district}", new { opId = SupervisionContext.OpId(), note = "模拟：补充全区默认责任单位", entries = current.Concat(added) }, ct);
            entries = list.IsSuccess ? HandEntriesFor(list, phone.Grid) : [];
        }

        if (entries.Count == 0)
        {
            return false;
        }

        var category = entries[_random.Next(entries.Count)];
        var description = DemoList.Where(e => e.Category == category).Select(e => e.Description).FirstOrDefault() ?? "模拟上报";
        var report = await context.Accounts.As(DemoAccounts.Operator).DeviceAsync(phone.Key, "/api/v1/device/incidents",
            new { opId = SupervisionContext.OpId(), category, urgency = "normal", description, lat = phone.Lat, lon = phone.Lon }, ct);
        var id = report.GetProperty("id").GetString()!;
        context.Say($"{Name}: {phone.WorkerId} reports {category} from the phone → {id}");

        await context.PauseAsync(pass, _random, ct);
        var dispatched = await context.ActAsync(Name, DemoAccounts.Operator, $"accepts and dispatches {id} by the list", HttpMethod.Post, $"/api/v1/incidents/{id}/dispatch-by-list",
            new { opId = SupervisionContext.OpId(), note = "模拟：按权责清单派遣" }, ct);
        if (!dispatched.IsSuccess)
        {
            return false;
        }

        var handler = dispatched.Body.GetProperty("responsibleCode").GetString() == DemoAccounts.Department ? DemoAccounts.DepartmentStaff : DemoAccounts.Operator;
        foreach (var action in new[] { "start", "feedback" })
        {
            await context.PauseAsync(pass, _random, ct);
            var acted = await context.ActAsync(Name, handler, $"{(action == "start" ? "starts" : "feeds back on")} {id}", HttpMethod.Post, $"/api/v1/incidents/{id}/actions",
                new { opId = SupervisionContext.OpId(), action, note = action == "start" ? "模拟：已到场" : "模拟：已处理完毕" }, ct);
            if (!acted.IsSuccess)
            {
                return false;
            }
        }

        await context.PauseAsync(pass, _random, ct);
        var verified = await context.ActAsync(Name, DemoAccounts.Operator, $"verifies {id}", HttpMethod.Post, $"/api/v1/incidents/{id}/actions",
            new { opId = SupervisionContext.OpId(), action = "verify-pass", note = "模拟：核查通过" }, ct);
        return verified.IsSuccess;
    }
}

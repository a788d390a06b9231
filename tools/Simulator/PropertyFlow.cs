using System.Globalization;
using System.Text.Json;

namespace OpsCentre.Simulator;

/// <summary>
/// Property companies (物业监督) on the demo city: in a grid of the home place whose compounds no property company manages
/// yet, the grid worker's phone collects (采集) a compound — its standard address where the worker stands, the key place —
/// and the property company that runs it, the grid's nearest clerk (community staff, street or district operator) approves
/// them and links the compound to the company — one life in four, or when no grid has one; the others go back to a grid with
/// a managed compound. Then a case is reported from the phone in the compound (mostly property
/// complaints), taken through the closed loop — the district's centre accepts and dispatches it back to the worker, who starts
/// and feeds back, the centre verifies; about one in six is left open — and the clerk reads the community's company ranking.
/// </summary>
public sealed class PropertyFlow(SupervisionContext context, IReadOnlyList<(string WorkerId, string Key, string Grid, double Lat, double Lon)> phones) : ISupervisionFlow
{
    private static readonly (string Category, string Description)[] Cases =
        [("property-complaint", "电梯停运"), ("property-complaint", "楼道堆物未清理"), ("property-complaint", "小区垃圾清运不及时"), ("facilities", "小区路灯不亮")];

    private static readonly string[] Stems = ["锦华", "东湖", "望江", "水井坊", "合江"];

    private readonly Random _random = new(2909);

    public string Name => "property";

    public async Task<bool> LiveAsync(bool pass, CancellationToken ct)
    {
        if (phones.Count == 0)
        {
            return false;
        }

        // Three lives in four go back to a grid whose compound is managed already; the fourth (or the first) takes a grid without one.
        var managedGrids = await ManagedGridsAsync(ct);
        var again = phones.Where(p => managedGrids.Contains(p.Grid)).ToList();
        var fresh = phones.Where(p => !managedGrids.Contains(p.Grid)).ToList();
        var phone = again.Count > 0 && (fresh.Count == 0 || _random.Next(4) > 0) ? again[_random.Next(again.Count)] : fresh[_random.Next(fresh.Count)];
        var clerk = DemoAccounts.ClerkOf(phone.Grid);
        var managed = await ManagedCompoundAsync(phone, clerk, ct) ?? await RegisterCompoundAsync(phone, clerk, pass, ct);
        if (managed is not var (company, compound, lat, lon))
        {
            return false;
        }

        // Reported from within the compound: some tens of metres from its address.
        await context.PauseAsync(pass, _random, ct);
        var (category, description) = Cases[_random.Next(Cases.Length)];
        var report = await context.DeviceActAsync(Name, phone.WorkerId, phone.Key, $"reports \"{description}\" in {compound}", HttpMethod.Post, "/api/v1/device/incidents", new
        {
            opId = SupervisionContext.OpId(), category, urgency = "normal", description,
            lat = lat + (_random.NextDouble() - 0.5) * 0.0008, lon = lon + (_random.NextDouble() - 0.5) * 0.0008,
        }, ct);
        if (!report.IsSuccess)
        {
            return false;
        }

        var id = report.Id();
        var unitCode = report.Id("unitCode");
        var leftAt = pass ? int.MaxValue : _random.Next(6) == 0 ? _random.Next(4) : int.MaxValue;
        var steps = new (string What, Func<Task<Reply>> Act)[]
        {
            ($"accepts {id}", () => OperatorStepAsync("accepts", id, new { opId = SupervisionContext.OpId(), action = "accept", note = "模拟受理" }, ct)),
            ($"dispatches {id}", () => OperatorStepAsync("dispatches", id, new { opId = SupervisionContext.OpId(), action = "dispatch", unitCode, workerId = phone.WorkerId, note = "模拟：派网格员督促物业整改" }, ct)),
            ($"starts {id}", () => PhoneStepAsync(phone, "starts", id, "start", ct)),
            ($"feeds back on {id}", () => PhoneStepAsync(phone, "feeds back on", id, "feedback", ct)),
            ($"verifies {id}", () => OperatorStepAsync("verifies", id, new { opId = SupervisionContext.OpId(), action = "verify-pass", note = "模拟：物业已整改，核查通过" }, ct)),
        };
        for (var step = 0; step < steps.Length; step++)
        {
            if (step == leftAt)
            {
                context.Say($"{Name}: {id} left open at \"{steps[step].What}\" (an open case against {company})");
                break;
            }

            await context.PauseAsync(pass, _random, ct);
            if (!(await steps[step].Act()).IsSuccess)
            {
                return false;
            }
        }

        await context.PauseAsync(pass, _random, ct);
        var community = phone.Grid[..12];
        var ranking = await context.ActAsync(Name, clerk, $"reads the property-company ranking of {community}", HttpMethod.Get, $"/api/v1/property-companies/ranking?unit={community}", null, ct);
        var row = ranking.IsSuccess
            ? ranking.Body.GetProperty("items").EnumerateArray().FirstOrDefault(i => i.GetProperty("figures").GetProperty("id").GetString() == company)
            : default;
        if (row.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var figures = row.GetProperty("figures");
        context.Say($"{Name}: {company} ranks {(row.GetProperty("rank").ValueKind == JsonValueKind.Number ? row.GetProperty("rank").GetInt32().ToString(CultureInfo.InvariantCulture) : "unranked")}"
            + $" in {community}: {figures.GetProperty("cases").GetInt64()} cases, {figures.GetProperty("closed").GetInt64()} closed, {figures.GetProperty("open").GetInt64()} open");
        return leftAt == int.MaxValue && figures.GetProperty("cases").GetInt64() > 0;
    }

    private Task<Reply> OperatorStepAsync(string what, string id, object body, CancellationToken ct) =>
        context.ActAsync(Name, DemoAccounts.Operator, $"{what} {id}", HttpMethod.Post, $"/api/v1/incidents/{id}/actions", body, ct);

    private Task<Reply> PhoneStepAsync((string WorkerId, string Key, string Grid, double Lat, double Lon) phone, string what, string id, string action, CancellationToken ct) =>
        context.DeviceActAsync(Name, phone.WorkerId, phone.Key, $"{what} {id}", HttpMethod.Post, $"/api/v1/device/incidents/{id}/actions",
            new { opId = SupervisionContext.OpId(), action, note = action == "start" ? "模拟：已到小区" : "模拟：已督促物业整改完毕" }, ct);

    /// <summary>The grids of the home place with a compound a property company manages.</summary>
    private async Task<HashSet<string>> ManagedGridsAsync(CancellationToken ct)
    {
        var companies = await context.Accounts.As(DemoAccounts.Operator).OperatorAsync(HttpMethod.Get, $"/api/v1/property-companies?unit={context.Places.Home}", null, ct);
        return [.. companies.EnumerateArray().SelectMany(c => c.GetProperty("compounds").EnumerateArray())
            .Where(c => c.GetProperty("located").GetBoolean()).Select(c => c.GetProperty("unitCode").GetString()!)];
    }

    /// <summary>A company managing a compound of the phone's grid whose address has a position: the company, the compound and where it is.</summary>
    private async Task<(string Company, string Compound, double Lat, double Lon)?> ManagedCompoundAsync(
        (string WorkerId, string Key, string Grid, double Lat, double Lon) phone, string clerk, CancellationToken ct)
    {
        var companies = await context.Accounts.As(clerk).OperatorAsync(HttpMethod.Get, $"/api/v1/property-companies?unit={phone.Grid}", null, ct);
        foreach (var company in companies.EnumerateArray())
        {
            foreach (var compound in company.GetProperty("compounds").EnumerateArray()
                .Where(c => c.GetProperty("located").GetBoolean() && c.GetProperty("unitCode").GetString()!.StartsWith(phone.Grid, StringComparison.Ordinal)))
            {
                var placeId = compound.GetProperty("placeId").GetString()!;
                var place = await context.Accounts.As(clerk).OperatorAsync(HttpMethod.Get, $"/api/v1/registry/place/{placeId}", null, ct);
                if (place.GetProperty("fields").TryGetProperty("addressId", out var addressId) && addressId.ValueKind == JsonValueKind.String)
                {
                    var address = (await context.Accounts.As(clerk).OperatorAsync(HttpMethod.Get, $"/api/v1/registry/address/{addressId.GetString()}", null, ct)).GetProperty("fields");
                    if (address.TryGetProperty("lat", out var lat) && lat.ValueKind == JsonValueKind.Number && address.TryGetProperty("lon", out var lon) && lon.ValueKind == JsonValueKind.Number)
                    {
                        return (company.GetProperty("id").GetString()!, placeId, lat.GetDouble(), lon.GetDouble());
                    }
                }
            }
        }

        return null;
    }

    /// <summary>The phone collects a compound where the worker stands and its company, the clerk approves each and links them.</summary>
    private async Task<(string Company, string Compound, double Lat, double Lon)?> RegisterCompoundAsync(
        (string WorkerId, string Key, string Grid, double Lat, double Lon) phone, string clerk, bool pass, CancellationToken ct)
    {
        var stem = Stems[_random.Next(Stems.Length)];
        var number = 1 + _random.Next(200);
        var address = await CollectAsync(phone, clerk, pass, "address", $"{stem}路{number}号",
            new { unitCode = phone.Grid, road = $"{stem}路", number = $"{number}号", lat = phone.Lat, lon = phone.Lon }, ct);
        var compound = address is null ? null : await CollectAsync(phone, clerk, pass, "place", $"{stem}苑小区",
            new { unitCode = phone.Grid, name = $"{stem}苑小区", kind = "compound", civilDefence = "met", physicalDefence = "partial", technicalDefence = "met", addressId = address }, ct);
        var company = compound is null ? null : await CollectAsync(phone, clerk, pass, "organisation", $"{stem}物业服务有限公司",
            new { unitCode = phone.Grid, name = $"成都{stem}物业服务有限公司", kind = "property-management", addressId = address }, ct);
        if (company is null)
        {
            return null;
        }

        await context.PauseAsync(pass, _random, ct);
        var linked = await context.ActAsync(Name, clerk, $"links {compound} to {company}", HttpMethod.Post, $"/api/v1/property-companies/{company}/compounds",
            new { opId = SupervisionContext.OpId(), placeId = compound, radiusM = 200 }, ct);
        return linked.IsSuccess ? (company, compound!, phone.Lat, phone.Lon) : null;
    }

    /// <summary>A record collected on the phone and approved by the clerk: the registry row's id, or null when either was refused.</summary>
    private async Task<string?> CollectAsync((string WorkerId, string Key, string Grid, double Lat, double Lon) phone, string clerk, bool pass, string registry, string what,
        object data, CancellationToken ct)
    {
        await context.PauseAsync(pass, _random, ct);
        var collected = await context.DeviceActAsync(Name, phone.WorkerId, phone.Key, $"collects {registry} {what}", HttpMethod.Post, "/api/v1/device/collections",
            new { opId = SupervisionContext.OpId(), registry, action = "create", data }, ct);
        if (!collected.IsSuccess)
        {
            return null;
        }

        await context.PauseAsync(pass, _random, ct);
        var id = collected.Id();
        var approved = await context.ActAsync(Name, clerk, $"approves {id}", HttpMethod.Post, $"/api/v1/collections/{id}/approve", new { opId = SupervisionContext.OpId(), note = "模拟：核对无误" }, ct);
        return approved.IsSuccess && approved.Body.GetProperty("recordId").GetString() is { } recordId ? recordId : null;
    }
}

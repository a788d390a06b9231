namespace OpsCentre.Simulator;

/// <summary>
/// Drills (演练) on the demo city: the district's centre starts an exercise in a street (or the home place, when it is
/// smaller) with two scripted cases, reports a third under the drill while it runs, accepts the first, and clears the drill
/// a few paces later — its open cases cancelled, none of them in the KPIs.
/// </summary>
public sealed class DrillFlow(SupervisionContext context) : ISupervisionFlow
{
    private static readonly string[] Scenarios = ["防汛应急演练", "消防疏散演练", "燃气泄漏处置演练"];

    private readonly Random _random = new(2905);

    public string Name => "drill";

    public async Task<bool> LiveAsync(bool pass, CancellationToken ct)
    {
        var grids = await context.Places.GridsAsync(context.Places.Home, ct);
        if (grids.Count == 0)
        {
            return false;
        }

        var grid = grids[_random.Next(grids.Count)];
        var unit = context.Places.Home.Length >= 9 ? context.Places.Home : grid[..9];
        var name = "模拟：" + Scenarios[_random.Next(Scenarios.Length)];
        var started = await context.ActAsync(Name, DemoAccounts.Operator, $"starts \"{name}\" in {unit}", HttpMethod.Post, "/api/v1/drills", new
        {
            opId = SupervisionContext.OpId(), unitCode = unit, name,
            cases = new[]
            {
                new { category = "public-safety", urgency = "urgent", description = "演练：路面积水，车辆受困", gridCode = grid },
                new { category = "facilities", urgency = "normal", description = "演练：井盖被冲走", gridCode = grid },
            },
        }, ct);
        if (!started.IsSuccess)
        {
            return false;
        }

        var id = started.Body.GetProperty("drill").GetProperty("id").GetString()!;
        var first = started.Body.GetProperty("cases")[0].GetProperty("id").GetString()!;
        await context.PauseAsync(pass, _random, ct);
        await context.ActAsync(Name, DemoAccounts.Operator, $"reports a case under {id}", HttpMethod.Post, "/api/v1/incidents",
            new { opId = SupervisionContext.OpId(), category = "sanitation", urgency = "normal", description = "演练：垃圾被冲散", gridCode = grid, drillId = id }, ct);
        await context.PauseAsync(pass, _random, ct);
        await context.ActAsync(Name, DemoAccounts.Operator, $"accepts {first} of {id}", HttpMethod.Post, $"/api/v1/incidents/{first}/actions",
            new { opId = SupervisionContext.OpId(), action = "accept", note = "演练受理" }, ct);
        await context.PauseAsync(pass, 3 + _random.NextDouble() * 3, ct);
        var cleared = await context.ActAsync(Name, DemoAccounts.Operator, $"clears {id}", HttpMethod.Post, $"/api/v1/drills/{id}/clear", new { opId = SupervisionContext.OpId() }, ct);
        return cleared.IsSuccess && cleared.Body.GetProperty("drill").GetProperty("state").GetString() == "cleared";
    }
}

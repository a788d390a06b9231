using System.Text.RegularExpressions;

namespace OpsCentre.Simulator;

/// <summary>
/// Paper mode (人+纸) on the demo city: a grid's registration form is printed from the system, and days later what the worker
/// wrote on it — a new standard address — is typed in by the grid's community staff (or the nearest centre above) with the
/// date written on the paper and the form's number; the district's centre (the administrator, when the centre typed it)
/// approves it, about one in six rejected as illegible. Approved, the address keeps the paper's date and "from paper" provenance.
/// </summary>
public sealed partial class PaperFlow(SupervisionContext context) : ISupervisionFlow
{
    private static readonly string[] Roads = ["东大街", "书院南街", "水井街", "星桥街", "天仙桥北路"];

    private readonly Random _random = new(2906);

    public string Name => "paper";

    public async Task<bool> LiveAsync(bool pass, CancellationToken ct)
    {
        var grids = await context.Places.GridsAsync(context.Places.Home, ct);
        if (grids.Count == 0)
        {
            return false;
        }

        var grid = grids[_random.Next(grids.Count)];
        var clerk = DemoAccounts.ClerkOf(grid);
        var form = await context.ActAsync(Name, clerk, $"prints the registration form of {grid}", HttpMethod.Get, $"/api/v1/paper-forms/{grid}?form=registration", null, ct);
        if (!form.IsSuccess || FormNumber().Match(form.Body.GetString() ?? "") is not { Success: true } number)
        {
            return false;
        }

        // The date written on the paper: some days ago, in the morning (Asia/Shanghai).
        var written = new DateTimeOffset(DateTimeOffset.UtcNow.AddDays(-1 - _random.Next(20)).Date, TimeSpan.FromHours(8)).AddHours(9.5);
        await context.PauseAsync(pass, _random, ct);
        var entered = await context.ActAsync(Name, clerk, $"types in {number.Groups[1].Value} written {written:yyyy-MM-dd}", HttpMethod.Post, "/api/v1/collections/paper", new
        {
            opId = SupervisionContext.OpId(), gridCode = grid, registry = "address", action = "create",
            data = new { unitCode = grid, road = Roads[_random.Next(Roads.Length)], number = $"{1 + _random.Next(200)}号" },
            collectedAt = written, paperForm = number.Groups[1].Value,
        }, ct);
        if (!entered.IsSuccess)
        {
            return false;
        }

        var id = entered.Id();
        await context.PauseAsync(pass, _random, ct);
        var reviewer = clerk == DemoAccounts.Operator ? DemoAccounts.Admin : DemoAccounts.Operator;
        var approve = pass || _random.Next(6) > 0;
        var reviewed = await context.ActAsync(Name, reviewer, $"{(approve ? "approves" : "rejects")} {id}", HttpMethod.Post, $"/api/v1/collections/{id}/{(approve ? "approve" : "reject")}",
            new { opId = SupervisionContext.OpId(), note = approve ? "模拟：核对无误" : "模拟：字迹不清，退回重填" }, ct);
        return reviewed.IsSuccess && approve;
    }

    [GeneratedRegex("data-form-number=\"([^\"]+)\"")]
    private static partial Regex FormNumber();
}

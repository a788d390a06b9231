namespace OpsCentre.Simulator;

/// <summary>
/// Joint mediation (三所联调) on the demo city: the nearest mediator of a grid (community staff, street or district operator)
/// opens a dispute with three of the district's departments, schedules the session, and each department records its part —
/// the demo department's staff their own, the mediator the others' on their behalf; the mediator then closes it with an
/// agreement or, about one in four, failed and referred to the court. About one in eight is left with a part missing, so
/// the part goes overdue in the departments' KPIs.
/// </summary>
public sealed class MediationFlow(SupervisionContext context) : ISupervisionFlow
{
    private static readonly (string Kind, string Part, string Record)[] Departments =
        [("CG", "现场勘查", "已到现场勘查，情况属实"), ("GA", "治安调解", "民警到场说明法律责任，双方同意协商"), ("MZ", "人民调解", "调解员主持协商，拟定赔偿方案")];

    private static readonly string[] Disputes = ["邻里漏水纠纷", "噪音扰民纠纷", "停车位纠纷", "装修损坏纠纷"];

    private readonly Random _random = new(2904);

    public string Name => "mediation";

    public async Task<bool> LiveAsync(bool pass, CancellationToken ct)
    {
        var grids = await context.Places.GridsAsync(context.Places.Home, ct);
        if (grids.Count == 0)
        {
            return false;
        }

        var grid = grids[_random.Next(grids.Count)];
        var mediator = DemoAccounts.ClerkOf(grid);
        var district = grid[..6];
        var title = Disputes[_random.Next(Disputes.Length)];
        var opened = await context.ActAsync(Name, mediator, $"opens \"{title}\" in {grid}", HttpMethod.Post, "/api/v1/mediations", new
        {
            opId = SupervisionContext.OpId(), unitCode = grid, title, description = "模拟：双方协商不成，申请联合调解", partsDueInDays = 3,
            participants = Departments.Select(d => new { department = $"{district}-{d.Kind}", part = d.Part }),
        }, ct);
        if (!opened.IsSuccess)
        {
            return false;
        }

        var id = opened.Id();
        await context.PauseAsync(pass, _random, ct);
        await context.ActAsync(Name, mediator, $"schedules a session of {id}", HttpMethod.Post, $"/api/v1/mediations/{id}/sessions",
            new { opId = SupervisionContext.OpId(), scheduledAt = DateTimeOffset.UtcNow.AddDays(1), place = "社区调解室" }, ct);
        var missing = pass || _random.Next(8) > 0 ? -1 : _random.Next(Departments.Length);
        for (var i = 0; i < Departments.Length; i++)
        {
            var department = $"{district}-{Departments[i].Kind}";
            if (i == missing)
            {
                context.Say($"{Name}: {department}'s part of {id} left unrecorded (overdue after its deadline)");
                return false;
            }

            await context.PauseAsync(pass, _random, ct);
            var recorder = department == DemoAccounts.Department ? DemoAccounts.DepartmentStaff : mediator;
            var part = await context.ActAsync(Name, recorder, $"records {department}'s part of {id}", HttpMethod.Post, $"/api/v1/mediations/{id}/parts/{department}",
                new { opId = SupervisionContext.OpId(), record = Departments[i].Record }, ct);
            if (!part.IsSuccess)
            {
                return false;
            }
        }

        await context.PauseAsync(pass, _random, ct);
        var agreement = pass || _random.Next(4) > 0;
        var closed = await context.ActAsync(Name, mediator, $"closes {id}: {(agreement ? "agreement" : "referred to the court")}", HttpMethod.Post, $"/api/v1/mediations/{id}/close",
            agreement
                ? new { opId = SupervisionContext.OpId(), outcome = "agreement", referredTo = (string?)null, note = "模拟：达成调解协议" }
                : new { opId = SupervisionContext.OpId(), outcome = "referred", referredTo = (string?)"锦江区人民法院", note = "模拟：调解不成" }, ct);
        return closed.IsSuccess;
    }
}

using System.Text.Json;

namespace OpsCentre.Simulator;

/// <summary>
/// 帮教 (aftercare of released persons) on the demo city: for a released person of the home place with no home, job or family
/// to go back to, the nearest of the demo's community staff, street and district operators records what they need (housing,
/// employment, family…) and the helper assigned, then a support task per need with its deadline (3–14 days); a few paces
/// later each task's outcome is recorded, which ends it. About one task in five is left open, so its deadline
/// (<c>aftercareTask</c>) passes and 帮教任务超期 fires. A person with open tasks has those seen to first; one whose tasks are all
/// done is assessed again (the plan replaced).
/// </summary>
public sealed class AftercareFlow(SupervisionContext context) : ISupervisionFlow
{
    private static readonly (string Need, string Task, string Outcome)[] Supports =
    [
        ("housing", "联系过渡性安置住所", "已安置至街道临时安置点"),
        ("employment", "推荐就业岗位并陪同面试", "已在辖区物业公司上岗"),
        ("family", "联系家属，协助恢复家庭关系", "家属同意接回共同生活"),
        ("income", "申请临时救助", "临时救助已发放"),
    ];

    private static readonly string[] Helpers = ["社区帮教志愿者 王老师", "司法所帮教专干 李老师", "网格员 张老师"];

    private readonly Random _random = new(2908);

    public string Name => "aftercare";

    public async Task<bool> LiveAsync(bool pass, CancellationToken ct)
    {
        var persons = await context.Places.PersonsAsync(context.Places.Home, "released-prisoner", ct);
        if (persons.Count == 0)
        {
            context.Say($"{Name}: no released person in {context.Places.Home}");
            return false;
        }

        var person = persons[_random.Next(persons.Count)];
        var clerk = DemoAccounts.ClerkOf(person.Grid);
        var plan = await context.ActAsync(Name, clerk, $"reads the 帮教 plan of {person.Id}", HttpMethod.Get, $"/api/v1/key-persons/{person.Id}/aftercare", null, ct);
        if (!plan.IsSuccess)
        {
            return false;
        }

        var open = plan.Body.GetProperty("tasks").EnumerateArray().Where(t => t.GetProperty("outcome").ValueKind == JsonValueKind.Null)
            .Select(t => (Id: t.GetProperty("id").GetString()!, Title: t.GetProperty("title").GetString()!)).ToList();
        if (open.Count == 0)
        {
            // Assessed afresh: one to three of the needs of a person with no home, job or family, and a helper.
            await context.PauseAsync(pass, _random, ct);
            var needs = Supports.OrderBy(_ => _random.Next()).Take(pass ? 2 : 1 + _random.Next(3)).ToList();
            var helper = Helpers[_random.Next(Helpers.Length)];
            var saved = await context.ActAsync(Name, clerk, $"records the needs of {person.Id} ({string.Join(", ", needs.Select(n => n.Need))}), helper {helper}", HttpMethod.Put,
                $"/api/v1/key-persons/{person.Id}/aftercare", new { needs = needs.Select(n => n.Need), helper, note = "模拟：刑满释放，无固定住所、无业、与家属失联" }, ct);
            if (!saved.IsSuccess)
            {
                return false;
            }

            foreach (var (_, title, _) in needs)
            {
                await context.PauseAsync(pass, _random, ct);
                var dueAt = DateTimeOffset.UtcNow.AddDays(3 + _random.Next(12));
                var task = await context.ActAsync(Name, clerk, $"adds \"{title}\" for {person.Id}, due {dueAt:yyyy-MM-dd}", HttpMethod.Post,
                    $"/api/v1/key-persons/{person.Id}/aftercare/tasks", new { opId = SupervisionContext.OpId(), title, dueAt }, ct);
                if (!task.IsSuccess)
                {
                    return false;
                }

                open.Add((task.Id(), title));
            }
        }

        var done = 0;
        foreach (var (id, title) in open)
        {
            if (!pass && _random.Next(5) == 0)
            {
                context.Say($"{Name}: {id} left open (its deadline passes and 帮教任务超期 fires)");
                continue;
            }

            await context.PauseAsync(pass, _random, ct);
            var outcome = Supports.Where(s => s.Task == title).Select(s => s.Outcome).FirstOrDefault() ?? "模拟：已落实";
            var recorded = await context.ActAsync(Name, clerk, $"records the outcome of {id}", HttpMethod.Post, $"/api/v1/aftercare-tasks/{id}/outcome", new { outcome }, ct);
            done += recorded.IsSuccess ? 1 : 0;
        }

        return done == open.Count;
    }
}

namespace OpsCentre.Simulator;

/// <summary>
/// Cross-district supervision hand-over (异地协作监管) on the demo city: now a person of another district moves to the home
/// district — asked by the city's administrator for that district's centre (the demo has no account there) and answered by
/// the home district's operator, who finds it in the list of requests it is asked — now one of the home's persons moves
/// away and the administrator answers for the other side. Most are accepted (the person's grid moves), some refused, about
/// one in five left unanswered, so its deadline (HandOvers:RespondWithinHours) passes and its alert escalates.
/// </summary>
public sealed class HandOverFlow(SupervisionContext context) : ISupervisionFlow
{
    private readonly Random _random = new(2901);

    public string Name => "hand-over";

    public async Task<bool> LiveAsync(bool pass, CancellationToken ct)
    {
        var places = context.Places;
        var inbound = pass || _random.Next(3) < 2;
        var (from, to, asker, answerer) = inbound
            ? (places.Elsewhere, places.Home, DemoAccounts.Admin, DemoAccounts.Operator)
            : (places.Home, places.Elsewhere, DemoAccounts.Operator, DemoAccounts.Admin);
        // Those already asked for are left alone (one open request per person).
        var open = await context.Accounts.As(asker).OperatorAsync(HttpMethod.Get, $"/api/v1/hand-overs?unit={from}&state=requested&limit=100", null, ct);
        var asked = open.GetProperty("items").EnumerateArray().Select(h => h.GetProperty("personId").GetString()).ToHashSet();
        var persons = (await places.PersonsAsync(from, null, ct)).Where(p => !asked.Contains(p.Id)).ToList();
        var grids = await places.GridsAsync(to, ct);
        if (persons.Count == 0 || grids.Count == 0)
        {
            return false;
        }

        var person = persons[_random.Next(persons.Count)];
        var toGrid = grids[_random.Next(grids.Count)];
        var request = await context.ActAsync(Name, asker, $"asks {toGrid} to take over {person.Id}", HttpMethod.Post, $"/api/v1/key-persons/{person.Id}/hand-overs",
            new { opId = SupervisionContext.OpId(), toGrid, reason = inbound ? "模拟：迁入本区居住" : "模拟：迁往外区工作" }, ct);
        if (!request.IsSuccess)
        {
            return false;
        }

        var id = request.Id();
        var answer = pass ? 0 : _random.Next(10);
        if (answer >= 8)
        {
            context.Say($"{Name}: {id} left unanswered (its deadline passes and escalates)");
            return false;
        }

        // The receiving side learns of it from its list of requests.
        await context.PauseAsync(pass, _random, ct);
        var listed = await context.ActAsync(Name, answerer, $"lists the requests of {to}", HttpMethod.Get, $"/api/v1/hand-overs?unit={to}&state=requested&limit=100", null, ct);
        if (!listed.IsSuccess || !listed.Body.GetProperty("items").EnumerateArray().Any(h => h.GetProperty("id").GetString() == id))
        {
            return false;
        }

        await context.PauseAsync(pass, _random, ct);
        var accept = answer < 6;
        var answered = await context.ActAsync(Name, answerer, $"{(accept ? "accepts" : "refuses")} {id}", HttpMethod.Post, $"/api/v1/hand-overs/{id}/{(accept ? "accept" : "refuse")}",
            new { note = accept ? "模拟：同意接收" : "模拟：不在本区居住，不予接收" }, ct);
        return answered.IsSuccess;
    }
}

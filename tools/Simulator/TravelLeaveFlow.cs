namespace OpsCentre.Simulator;

/// <summary>
/// Travel leave (外出请假) on the demo city: the person's community (or the nearest centre above) enters a person's request to
/// visit another district, the corrections officer approves it (about one in eight refused), and the person comes back —
/// mostly on time, about one in four after the return deadline, so the travelReturn alert fires and resolves on the return.
/// A leave lasts about ten paces.
/// </summary>
public sealed class TravelLeaveFlow(SupervisionContext context) : ISupervisionFlow
{
    private readonly Random _random = new(2902);

    public string Name => "travel-leave";

    public async Task<bool> LiveAsync(bool pass, CancellationToken ct)
    {
        var persons = await context.Places.PersonsAsync(context.Places.Home, null, ct);
        if (persons.Count == 0)
        {
            return false;
        }

        var person = persons[_random.Next(persons.Count)];
        var clerk = DemoAccounts.ClerkOf(person.Grid);
        var now = DateTimeOffset.UtcNow;
        var returnBy = now + (pass ? TimeSpan.FromHours(2) : context.Pace * 10);
        var asked = await context.ActAsync(Name, clerk, $"asks leave for {person.Id} to {context.Places.Elsewhere[..6]} until {returnBy:HH:mm}", HttpMethod.Post,
            $"/api/v1/key-persons/{person.Id}/travel-leaves",
            new { opId = SupervisionContext.OpId(), areaCode = context.Places.Elsewhere[..6], reason = "模拟：探亲", leaveFrom = now, returnBy }, ct);
        if (!asked.IsSuccess)
        {
            return false;
        }

        var id = asked.Id();
        await context.PauseAsync(pass, _random, ct);
        var approve = pass || _random.Next(8) > 0;
        var answered = await context.ActAsync(Name, DemoAccounts.Corrections, $"{(approve ? "approves" : "refuses")} {id}", HttpMethod.Post,
            $"/api/v1/travel-leaves/{id}/{(approve ? "approve" : "refuse")}", new { note = approve ? "模拟：同意，按时返回" : "模拟：不予批准" }, ct);
        if (!answered.IsSuccess || !approve)
        {
            return false;
        }

        var late = !pass && _random.Next(4) == 0;
        await context.PauseAsync(pass, late ? 13 : 2 + _random.NextDouble() * 4, ct);
        var back = await context.ActAsync(Name, clerk, $"records {id} returned{(late ? " late" : "")}", HttpMethod.Post, $"/api/v1/travel-leaves/{id}/return", null, ct);
        return back.IsSuccess;
    }
}

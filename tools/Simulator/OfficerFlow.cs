namespace OpsCentre.Simulator;

/// <summary>
/// Corrections officers (社区矫正) on the demo city: the district's centre names the demo corrections officer for one of the
/// home place's community-corrections persons who has none yet, and the officer reads their caseload against the norm.
/// </summary>
public sealed class OfficerFlow(SupervisionContext context) : ISupervisionFlow
{
    private readonly Random _random = new(2903);

    public string Name => "officer";

    public async Task<bool> LiveAsync(bool pass, CancellationToken ct)
    {
        var persons = await context.Places.PersonsAsync(context.Places.Home, "community-corrections", ct);
        if (persons.Count == 0)
        {
            return false;
        }

        // A few persons looked at, the first without an officer named.
        var named = false;
        foreach (var person in persons.OrderBy(_ => _random.Next()).Take(3))
        {
            var officer = await context.Accounts.As(DemoAccounts.Operator).SendAsync(HttpMethod.Get, $"/api/v1/key-persons/{person.Id}/officer", null, ct);
            if (officer.IsSuccess && officer.Body.GetProperty("officer").ValueKind == System.Text.Json.JsonValueKind.String)
            {
                named = true;
                continue;
            }

            var put = await context.ActAsync(Name, DemoAccounts.Operator, $"names {DemoAccounts.Corrections} for {person.Id}", HttpMethod.Put,
                $"/api/v1/key-persons/{person.Id}/officer", new { officer = DemoAccounts.Corrections }, ct);
            named = put.IsSuccess;
            break;
        }

        await context.PauseAsync(pass, _random, ct);
        var loads = await context.ActAsync(Name, DemoAccounts.Corrections, $"reads the caseloads of {context.Places.Home}", HttpMethod.Get,
            $"/api/v1/corrections/officers?unit={context.Places.Home}", null, ct);
        return named && loads.IsSuccess;
    }
}

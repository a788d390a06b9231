using System.Net;
using System.Text.Json;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Supervision;

/// <summary>
/// The city simulator's supervision flows (issue 29: "the simulator exercises them on the demo city") against the real
/// gateway and silo on a real PostgreSQL: one pass (<c>--once</c>) as the demo accounts, each flow's effect then read
/// through the API.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed partial class SimulatorSupervisionFlowsTests(SystemFixture system)
{
    private HttpClient Http => system.Http;

    [Fact]
    public async Task OnePassOfTheSimulatorTakesEverySupervisionWorkflowThroughToItsEnd()
    {
        // Home: a grid of 锦江区 with a worker, a community-corrections person and a released person; elsewhere: a person's grid of
        // 青羊区. Both the test's own.
        var home = system.Fresh.KeyPerson(within: DemoUnits.Jinjiang, where: p => p.Category == "community-corrections" && system.City.Workers.Any(w => w.Grid == p.Grid)
            && system.City.KeyPersons.Any(r => r.Grid == p.Grid && r.Category == "released-prisoner"));
        var away = system.Fresh.KeyPerson(within: DemoUnits.Qingyang);
        // Two floating residents of the home grid whose residence registration has expired: the campaign's visits.
        var floating = new[] { await Campaigns.CampaignTests.SeedFloatingResidentAsync(system, home.Grid), await Campaigns.CampaignTests.SeedFloatingResidentAsync(system, home.Grid) };
        var data = Path.Combine(Path.GetTempPath(), "opscentre-sim-supervision-" + Guid.NewGuid().ToString("N")[..8]);
        await using var simulator = ChildProcess.Start("simulator-supervision", RepositoryPaths.Output("tools/Simulator", "OpsCentre.Simulator"), new Dictionary<string, string>(),
            "--gateway", system.GatewayUrl.ToString(), "--user", "city.admin", "--password", SystemFixture.Password, "--data", data,
            "--unit", home.Grid, "--places", $"{home.Grid},{away.Grid}", "--once");
        var exit = await simulator.ExitCodeAsync(TimeSpan.FromSeconds(120));
        Assert.True(exit == 0, await LogOfAsync(simulator));
        var token = await Api.TokenAsync(Http, "jinjiang.operator");
        async Task<JsonElement> GetAsync(string path)
        {
            var (status, body) = await Api.SendAsync(Http, HttpMethod.Get, path, token);
            Assert.True(status == HttpStatusCode.OK, $"{path}: {status} {body}");
            return body;
        }

        // A person of the other district's grid was handed over to the home grid, accepted by 锦江区's operator, and moved.
        var handOver = Assert.Single((await GetAsync($"/api/v1/hand-overs?unit={home.Grid}")).GetProperty("items").EnumerateArray());
        Assert.Equal(("accepted", home.Grid, away.Grid, "jinjiang.operator"), (handOver.GetProperty("state").GetString(), handOver.GetProperty("toGrid").GetString(),
            handOver.GetProperty("fromGrid").GetString(), handOver.GetProperty("answeredBy").GetString()));
        var persons = (await GetAsync($"/api/v1/key-persons?unit={home.Grid}")).GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetString()!).ToList();
        Assert.Contains(handOver.GetProperty("personId").GetString(), persons);

        // A travel leave of one of the home's persons to the other district, approved and returned.
        var leaves = new List<JsonElement>();
        foreach (var person in persons)
        {
            leaves.AddRange((await GetAsync($"/api/v1/key-persons/{person}/travel-leaves")).EnumerateArray());
        }

        Assert.Contains(leaves, l => l.GetProperty("state").GetString() == "returned" && l.GetProperty("areaCode").GetString() == DemoUnits.Qingyang);

        // The corrections officer named for a person of the home grid.
        var officers = new List<string?>();
        foreach (var person in persons)
        {
            officers.Add((await GetAsync($"/api/v1/key-persons/{person}/officer")).GetProperty("officer").GetString());
        }

        Assert.Contains("jinjiang.corrections.officer", officers);

        // A joint mediation closed with an agreement, every part recorded — the demo department's by its own staff.
        var mediation = Assert.Single((await GetAsync($"/api/v1/mediations?unit={home.Grid}&state=closed")).GetProperty("items").EnumerateArray());
        Assert.Equal("agreement", mediation.GetProperty("outcome").GetString());
        Assert.All(mediation.GetProperty("parts").EnumerateArray(), p => Assert.Equal(JsonValueKind.String, p.GetProperty("record").ValueKind));
        Assert.Contains(mediation.GetProperty("parts").EnumerateArray(), p => p.GetProperty("recordedBy").GetString() == "jinjiang.cg.staff");

        // A drill cleared, its cases cancelled.
        var drill = Assert.Single((await GetAsync($"/api/v1/drills?unit={home.Grid}")).GetProperty("items").EnumerateArray());
        var detail = await GetAsync($"/api/v1/drills/{drill.GetProperty("id").GetString()}");
        Assert.Equal("cleared", detail.GetProperty("drill").GetProperty("state").GetString());
        Assert.Equal(3, detail.GetProperty("cases").GetArrayLength());
        Assert.All(detail.GetProperty("cases").EnumerateArray(), c => Assert.Equal("cancelled", c.GetProperty("stage").GetString()));

        // A paper record approved with the date written on the paper, days before it was typed in, and "from paper" provenance.
        var paper = Assert.Single((await GetAsync($"/api/v1/collections?unit={home.Grid}&state=approved")).GetProperty("items").EnumerateArray(),
            c => c.GetProperty("channel").GetString() == "paper");
        Assert.StartsWith($"DJ-{home.Grid}-", paper.GetProperty("paperForm").GetString());
        Assert.True(paper.GetProperty("collectedAt").GetDateTimeOffset() < paper.GetProperty("receivedAt").GetDateTimeOffset().AddDays(-1), paper.GetRawText());
        var address = await GetAsync($"/api/v1/registry/address/{paper.GetProperty("recordId").GetString()}");
        Assert.Contains("\"channel\":\"paper\"", address.GetRawText());

        // A case reported from the home grid's phone, accepted and dispatched in one step by the responsibility list, and closed.
        var cases = (await GetAsync($"/api/v1/incidents?unit={home.Grid}")).GetProperty("items").EnumerateArray().Where(c => !c.GetProperty("drill").GetBoolean()).ToList();
        var closed = Assert.Single(cases, c => c.GetProperty("stage").GetString() == "closed" && c.GetProperty("responsibleCode").GetString()?.StartsWith(DemoUnits.Jinjiang + "-", StringComparison.Ordinal) == true);
        var timeline = (await GetAsync($"/api/v1/incidents/{closed.GetProperty("id").GetString()}")).GetProperty("timeline").EnumerateArray().ToList();
        Assert.Equal("report,accept,dispatch,start,feedback,verify-pass", string.Join(",", timeline.Select(t => t.GetProperty("action").GetString())));
        Assert.Equal("jinjiang.operator", timeline[2].GetProperty("actor").GetString());

        // 帮教 for a released person of the home grid: needs and a helper recorded, support tasks with deadlines, each with its outcome.
        var released = (await GetAsync($"/api/v1/key-persons?unit={home.Grid}&category=released-prisoner")).GetProperty("items").EnumerateArray()
            .Select(p => p.GetProperty("id").GetString()!).ToList();
        var plans = new List<JsonElement>();
        foreach (var person in released)
        {
            plans.Add(await GetAsync($"/api/v1/key-persons/{person}/aftercare"));
        }

        var plan = Assert.Single(plans, p => p.GetProperty("tasks").GetArrayLength() > 0);
        Assert.Equal(2, plan.GetProperty("needs").GetArrayLength());
        Assert.NotEqual("", plan.GetProperty("helper").GetString());
        Assert.All(plan.GetProperty("tasks").EnumerateArray(), t =>
        {
            Assert.Equal(JsonValueKind.String, t.GetProperty("outcome").ValueKind);
            Assert.True(t.GetProperty("dueAt").GetDateTimeOffset() > t.GetProperty("createdAt").GetDateTimeOffset().AddDays(2), t.GetRawText());
        });

        // A property company collected from the phone and linked to a compound of the home grid; a case reported in the compound went
        // through the loop, and the community's ranking counts it against the company.
        var company = Assert.Single((await GetAsync($"/api/v1/property-companies?unit={home.Grid}")).EnumerateArray());
        var compound = Assert.Single(company.GetProperty("compounds").EnumerateArray());
        Assert.True(compound.GetProperty("located").GetBoolean(), compound.GetRawText());
        var ranking = await GetAsync($"/api/v1/property-companies/ranking?unit={home.Grid[..12]}");
        var figures = Assert.Single(ranking.GetProperty("items").EnumerateArray(), i => i.GetProperty("figures").GetProperty("id").GetString() == company.GetProperty("id").GetString())
            .GetProperty("figures");
        // (Other flows' cases reported from the same phone after the link count too: at least the property flow's, closed.)
        Assert.Equal(1, figures.GetProperty("compounds").GetInt64());
        Assert.True(figures.GetProperty("cases").GetInt64() >= 1 && figures.GetProperty("closed").GetInt64() >= 1, figures.GetRawText());
        var propertyCase = Assert.Single(cases, c => c.GetProperty("stage").GetString() == "closed" && c.GetProperty("responsibleCode").GetString() == home.Grid);
        Assert.Contains(propertyCase.GetProperty("assignedWorker").GetString(), system.City.Workers.Where(w => w.Grid == home.Grid).Select(w => w.Id));

        // A floating-population campaign started in the home grid, its visits completed from the grid worker's phone: the grid's progress done.
        var campaign = Assert.Single((await GetAsync($"/api/v1/campaigns?unit={home.Grid}")).GetProperty("items").EnumerateArray());
        var progress = Assert.Single((await GetAsync($"/api/v1/campaigns/{campaign.GetProperty("id").GetString()}")).GetProperty("grids").EnumerateArray());
        Assert.Equal(home.Grid, progress.GetProperty("gridCode").GetString());
        Assert.True(progress.GetProperty("total").GetInt32() >= floating.Length && progress.GetProperty("done").GetInt32() == progress.GetProperty("total").GetInt32(), progress.GetRawText());

        // At its pace (here a second) the flows also take the other paths — refusals, a late return, a referral, a rejected
        // paper, requests refused by the API (409 for a person already asked for) — and the simulator says each and goes on.
        await using var paced = ChildProcess.Start("simulator-supervision-paced", RepositoryPaths.Output("tools/Simulator", "OpsCentre.Simulator"), new Dictionary<string, string>(),
            "--gateway", system.GatewayUrl.ToString(), "--user", "city.admin", "--password", SystemFixture.Password, "--data", data,
            "--unit", home.Grid, "--places", $"{home.Grid},{away.Grid}", "--rate", "1", "--supervision", "1", "--duration", "30");
        Assert.Equal(0, await paced.ExitCodeAsync(TimeSpan.FromSeconds(90)));
        var lines = (await LogOfAsync(paced)).Split('\n');
        Assert.All(new[] { "hand-over", "travel-leave", "officer", "mediation", "drill", "paper", "responsibility", "aftercare", "property", "campaign" },
            flow => Assert.Contains(lines, l => l.Contains($"] {flow}: ", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines, l => l.Contains(": stopped (", StringComparison.Ordinal) || ServerError().IsMatch(l));
    }

    /// <summary>An action answered 5xx in the simulator's log ("→ 500 …"), not a case id ("→ 510104-…").</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"→ 5\d\d\b")]
    private static partial System.Text.RegularExpressions.Regex ServerError();

    private static async Task<string> LogOfAsync(ChildProcess process)
    {
        await using var stream = new FileStream(process.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}

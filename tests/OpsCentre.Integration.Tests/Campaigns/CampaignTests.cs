using System.Net;
using System.Text.Json;
using OpsCentre.Integration.Tests.Screens;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Campaigns;

/// <summary>
/// A campaign (流动人口专项整治日) through the real gateway and silo on a real PostgreSQL: started by an operator, its visits on the
/// grid worker's phone and completed there, each grid's completion on a real SignalR screen.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class CampaignTests(SystemFixture system)
{
    /// <summary>Long expired, so only the residents a test seeds are selected.</summary>
    public static readonly DateOnly Expiry = new(2001, 3, 1);

    private HttpClient Http => system.Http;

    private static string OpId(string what) => $"{what}-{Guid.NewGuid():N}";

    /// <summary>A floating resident of <paramref name="grid"/> whose residence registration expired on <see cref="Expiry"/>.</summary>
    public static async Task<string> SeedFloatingResidentAsync(SystemFixture system, string grid, string name = "王小明")
    {
        var id = "per-campaign-" + Guid.NewGuid().ToString("N")[..12];
        await system.Db.ExecuteAsync(
            """
            INSERT INTO registry_person (id, unit_code, name, residence, registration_start, registration_expiry, source, collected_by, collected_at, version)
            VALUES (@id, @grid, @name, 'floating', @start, @expiry, 'public-security', 'police-station', now() - interval '1 year', 1)
            """, ("id", id), ("grid", grid), ("name", name), ("start", Expiry.AddYears(-1)), ("expiry", Expiry));
        return id;
    }

    /// <summary>A community no other test holds (all its grids), a worker of one of its grids, and another of its grids.</summary>
    public static (string Community, CityGen.GeneratedWorker Worker, string Other) CommunityOfItsOwn(SystemFixture system)
    {
        var community = system.Fresh.Community(within: DemoUnits.ThirdStreet);
        var worker = system.Fresh.City.Workers.First(w => w.Grid.StartsWith(community, StringComparison.Ordinal));
        var other = system.Fresh.City.Units.First(u => u.Code.Length == 15 && u.Code.StartsWith(community, StringComparison.Ordinal) && u.Code != worker.Grid).Code;
        return (community, worker, other);
    }

    [Fact]
    public async Task ACampaignsCompletionPerGridReachesTheWallScreen()
    {
        // A whole community of its own: a campaign of the community selects this test's residents only.
        var (community, worker, other) = CampaignTests.CommunityOfItsOwn(system);
        var resident = await SeedFloatingResidentAsync(system, worker.Grid);
        await SeedFloatingResidentAsync(system, worker.Grid);
        await SeedFloatingResidentAsync(system, other);
        var operatorToken = await Api.TokenAsync(Http, "jinjiang.operator");
        var (_, phone) = await Api.ProvisionDeviceAsync(Http, operatorToken, "worker-phone", worker.Id);

        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, operatorToken, only: e => e.Type == "campaign.progress");
        await screen.SubscribeAsync(community);

        // Bad input changes nothing; a start outside the caller's scope is not found.
        var start = new { opId = OpId("campaign"), unitCode = community, kind = "floating-registration", title = "流动人口专项整治日",
            registrationDueBefore = Expiry.ToString("yyyy-MM-dd"), dueAt = DateTimeOffset.UtcNow.AddDays(1) };
        Assert.Equal(HttpStatusCode.BadRequest, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/campaigns", operatorToken, start with { dueAt = DateTimeOffset.UtcNow.AddDays(-1) })).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/campaigns", operatorToken,
            start with { opId = OpId("campaign"), registrationDueBefore = Expiry.AddYears(-3).ToString("yyyy-MM-dd") })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/campaigns", operatorToken, start with { unitCode = "510105" })).Status);

        var (created, campaign) = await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/campaigns", operatorToken, start);
        Assert.True(created == HttpStatusCode.Created, $"{created} {campaign}");
        var id = campaign.GetProperty("id").GetString()!;
        Assert.Equal((3, 0), (campaign.GetProperty("total").GetInt32(), campaign.GetProperty("done").GetInt32()));
        Assert.Equal(id, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/campaigns", operatorToken, start)).Body.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Api.SendAsync(Http, HttpMethod.Post, "/api/v1/campaigns", operatorToken, start with { title = "别的" })).Status);

        // The screen hears of the campaign's grids as it starts: none done yet.
        var first = await screen.ReceiveMatchingAsync(e => e.Data.GetProperty("id").GetString() == id && e.Data.GetProperty("gridCode").GetString() == worker.Grid,
            "the worker's grid announced at the start");
        Assert.Equal((2, 0), (first.Data.GetProperty("total").GetInt32(), first.Data.GetProperty("done").GetInt32()));

        // The visits are on the worker's phone, names masked.
        var (_, tasks) = await Api.DeviceSendAsync(Http, HttpMethod.Get, "/api/v1/device/tasks", phone);
        var visits = tasks.GetProperty("items").EnumerateArray().Where(t => t.GetProperty("kind").GetString() == "campaign-visit").ToList();
        Assert.Equal(2, visits.Count);
        Assert.All(visits, v => Assert.Equal("流动人口专项整治走访 王**", v.GetProperty("title").GetString()));
        Assert.Equal(worker.Id, Assert.Single(await system.AuditAsync(resident, "resident.campaign-tasks")).Actor);

        // Completed from the phone, once even if it sends again; each completion reaches the screen with the grid's counts.
        var complete = new { opId = OpId("visit"), note = "已督促办理居住登记" };
        var path = $"/api/v1/device/campaign-tasks/{visits[0].GetProperty("id").GetString()}/complete";
        var (done, answer) = await Api.DeviceSendAsync(Http, HttpMethod.Post, path, phone, complete);
        Assert.True(done == HttpStatusCode.OK, $"{done} {answer}");
        Assert.Equal(("applied", 1, 2), (answer.GetProperty("status").GetString(), answer.GetProperty("done").GetInt32(), answer.GetProperty("total").GetInt32()));
        Assert.Equal(1, (await Api.DeviceSendAsync(Http, HttpMethod.Post, path, phone, complete)).Body.GetProperty("done").GetInt32());
        Assert.Equal("duplicate", (await Api.DeviceSendAsync(Http, HttpMethod.Post, path, phone, new { opId = OpId("visit") })).Body.GetProperty("status").GetString());
        var one = await screen.ReceiveMatchingAsync(e => e.Data.GetProperty("id").GetString() == id && e.Data.GetProperty("done").GetInt32() == 1, "one of two done");
        Assert.Equal((worker.Grid, 2), (one.Data.GetProperty("gridCode").GetString(), one.Data.GetProperty("total").GetInt32()));
        Assert.Equal(worker.Grid, one.UnitCode);
        Assert.Equal((3, 1), (one.Data.GetProperty("campaignTotal").GetInt32(), one.Data.GetProperty("campaignDone").GetInt32()));

        await Api.DeviceSendAsync(Http, HttpMethod.Post, $"/api/v1/device/campaign-tasks/{visits[1].GetProperty("id").GetString()}/complete", phone, new { opId = OpId("visit") });
        var two = await screen.ReceiveMatchingAsync(e => e.Data.GetProperty("id").GetString() == id && e.Data.GetProperty("done").GetInt32() == 2, "the grid finished");
        Assert.Equal((worker.Grid, 2), (two.Data.GetProperty("gridCode").GetString(), two.Data.GetProperty("total").GetInt32()));
        await screen.AssertNoMoreEventsAsync(TimeSpan.FromMilliseconds(500));   // the resends announced nothing twice

        // A phone of another grid finds no such task; the campaign's detail holds each grid's progress.
        var stranger = system.Fresh.Worker(within: DemoUnits.ThirdStreet, where: w => w.Grid != worker.Grid && w.Grid != other);
        var (_, strangerPhone) = await Api.ProvisionDeviceAsync(Http, operatorToken, "worker-phone", stranger.Id);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.DeviceSendAsync(Http, HttpMethod.Post, path, strangerPhone, new { opId = OpId("visit") })).Status);
        var (_, detail) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/campaigns/{id}", operatorToken);
        var grids = detail.GetProperty("grids").EnumerateArray().ToDictionary(g => g.GetProperty("gridCode").GetString()!, g => (g.GetProperty("total").GetInt32(), g.GetProperty("done").GetInt32()));
        Assert.Equal((2, 2), grids[worker.Grid]);
        Assert.Equal((1, 0), grids[other]);
        var (_, listed) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/campaigns?unit={community}", operatorToken);
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), c => c.GetProperty("id").GetString() == id);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/campaigns/{id}", await QingyangTokenAsync())).Status);
    }

    private async Task<string> QingyangTokenAsync()
    {
        var username = "qingyang.campaign." + Guid.NewGuid().ToString("N")[..8];
        await new Database.Operators.OperatorStore(system.Db).UpsertAsync(new Database.Operators.OperatorAccount(username, "青羊值班", "operator", "510105", Disabled: false), SystemFixture.Password);
        return await Api.TokenAsync(Http, username);
    }
}

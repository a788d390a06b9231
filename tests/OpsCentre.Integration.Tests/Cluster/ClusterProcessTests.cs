using System.Net;
using System.Text.Json;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Cluster;

[Collection(nameof(SystemCollection))]
public sealed class ClusterProcessTests(SystemFixture system)
{
    [Fact]
    public async Task TwoSiloProcessesFormOneClusterAndTheGatewayKeepsWorkingWhenOneIsKilled()
    {
        var second = system.StartSilo("silo-b");
        await SystemFixture.WaitForActiveSilosAsync(system.Http, 2);
        Assert.Equal(2, await ActiveMembersInPostgresAsync());

        await second.KillAsync();

        // The survivor declares the killed silo dead; the gateway keeps answering through the cluster.
        var health = await SystemFixture.WaitForActiveSilosAsync(system.Http, 1, timeoutSeconds: 45);
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        await Eventually.HoldsAsync(ActiveMembersInPostgresAsync, n => n == 1, TimeSpan.FromSeconds(30), "one active row in orleans_membership");
    }

    [Fact]
    public async Task LivenessAnswersAndTheOpenApiDocumentIsServed()
    {
        using var live = await system.Http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        using var openApi = await system.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        using var document = JsonDocument.Parse(await openApi.Content.ReadAsStringAsync());
        Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString());
    }

    [Fact]
    public async Task UnknownPathsAnswerWithProblemDetailsAndOnlyAfterAuthentication()
    {
        using var anonymous = await system.Http.GetAsync("/api/v1/no-such-thing");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);

        var tokens = await Api.SignInAsync(system.Http, "jinjiang.operator");
        using var response = await system.Http.SendAsync(Api.Authorized(HttpMethod.Get, "/api/v1/no-such-thing", tokens.AccessToken));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private Task<int> ActiveMembersInPostgresAsync() =>
        system.Db.ScalarAsync<int>("SELECT count(*)::int FROM orleans_membership WHERE deployment_id = 'integration' AND status = 3");
}

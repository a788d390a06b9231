using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Cluster;

/// <summary>Liveness and readiness of the silo process (on <c>Silo:HealthUrl</c>) and of the gateway, asked over HTTP as a supervisor would.</summary>
[Collection(nameof(SystemCollection))]
public sealed class ProcessHealthTests(SystemFixture system)
{
    [Fact]
    public async Task TheSiloAnswersLivenessAndReadinessNamingPostgresItsMembershipAndItsMap()
    {
        using var http = new HttpClient { BaseAddress = system.SiloHealthUrl(system.FirstSilo), Timeout = TimeSpan.FromSeconds(30) };

        using (var live = await http.GetAsync("/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        var ready = await Eventually.HoldsAsync(
            async () =>
            {
                using var response = await http.GetAsync("/health/ready");
                return (response.StatusCode, Body: await response.Content.ReadFromJsonAsync<JsonElement>());
            },
            r => r.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "the silo ready", describe: r => $"{r.StatusCode} {r.Body}");
        var checks = ready.Body.GetProperty("checks");
        Assert.Equal(["database", "map", "membership"], checks.EnumerateObject().Select(c => c.Name).Order(StringComparer.Ordinal).ToArray());
        Assert.All(checks.EnumerateObject(), c => Assert.Equal("Healthy", c.Value.GetProperty("status").GetString()));
        Assert.Equal("Active", checks.GetProperty("membership").GetProperty("data").GetProperty("status").GetString());
        Assert.True(checks.GetProperty("map").GetProperty("data").GetProperty("grids").GetInt32() > 0, ready.Body.ToString());
        Assert.Equal(0, ready.Body.GetProperty("missing").GetArrayLength());

        using var unknown = await http.GetAsync("/anything-else");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task TheGatewaysReadinessListsNothingMissingWhenReady()
    {
        var body = await SystemFixture.WaitForActiveSilosAsync(system.Http, 1);
        Assert.Equal(0, body.GetProperty("missing").GetArrayLength());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
    }

    [Fact]
    public async Task ASiloRefusesToStartWithAHealthUrlOffTheLoopback()
    {
        var silo = system.StartSilo("silo-bad-health-url", new() { ["Silo__HealthUrl"] = "http://0.0.0.0:1/" });
        Assert.NotEqual(0, await silo.ExitCodeAsync(TimeSpan.FromSeconds(60)));
        var log = await File.ReadAllTextAsync(silo.LogPath);
        Assert.Contains("Silo:HealthUrl", log, StringComparison.Ordinal);
    }
}

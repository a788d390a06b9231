using System.Net;
using OpsCentre.Integration.Tests.Screens;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Cluster;

/// <summary>A gateway that hosts its own silo (<c>Gateway:HostSilo=true</c>) beside the fixture's silo and client gateway.</summary>
[Collection(nameof(SystemCollection))]
public sealed class CoHostedGatewayTests(SystemFixture system)
{
    private const string Jinjiang = "510104";

    [Fact]
    public async Task AGatewayHostingItsOwnSiloJoinsTheClusterServesDevicesAndScreensAndLeavesCleanly()
    {
        var (cohosted, url) = system.StartGateway("gateway-with-silo", settings: new()
        {
            ["Gateway__HostSilo"] = "true",
            ["Orleans__SiloPort"] = FreePort.Next().ToString(),
            ["Orleans__GatewayPort"] = FreePort.Next().ToString(),
        });
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };

        // It is a silo of the cluster: both gateways count two.
        await SystemFixture.WaitForActiveSilosAsync(http, 2);
        await SystemFixture.WaitForActiveSilosAsync(system.Http, 2);

        var token = (await Api.SignInAsync(http, "jinjiang.operator")).AccessToken;
        await using var onCohosted = await ScreenClient.ConnectAsync(url, token);
        await using var onClient = await ScreenClient.ConnectAsync(system.GatewayUrl, token);
        await onCohosted.SubscribeAsync(Jinjiang);
        await onClient.SubscribeAsync(Jinjiang);

        // A phone provisioned and reporting through the co-hosted gateway: its low battery raises an
        // alert that both gateways' screens receive.
        var worker = system.City.Workers.Where(w => w.Grid.StartsWith("510104003", StringComparison.Ordinal)).Reverse().ElementAt(2);
        var (deviceId, key) = await Api.ProvisionDeviceAsync(http, token, "worker-phone", worker.Id);
        var (posted, answer) = await Api.DeviceSendAsync(http, HttpMethod.Post, "/api/v1/device/status", key,
            new { opId = Guid.NewGuid().ToString(), seq = 1, at = DateTimeOffset.UtcNow, lat = worker.Lat, lon = worker.Lon, accuracyM = 5, batteryPct = 5, onDuty = true });
        Assert.Equal(HttpStatusCode.OK, posted);
        Assert.Equal("applied", answer.GetProperty("status").GetString());

        bool IsOurs(ScreenClient.Envelope e) => e.Type == "alert.raised" && e.Data.GetProperty("subject").GetProperty("id").GetString() == deviceId;
        var onItself = await onCohosted.ReceiveMatchingAsync(IsOurs, "the alert on the co-hosted gateway's screen");
        var elsewhere = await onClient.ReceiveMatchingAsync(IsOurs, "the alert on the client gateway's screen");
        Assert.Equal(onItself.Seq, elsewhere.Seq);

        // Stopped gracefully it leaves the membership at once, and the cluster carries on without it.
        await cohosted.StopAsync(TimeSpan.FromSeconds(30));
        await SystemFixture.WaitForActiveSilosAsync(system.Http, 1, timeoutSeconds: 30);
        var (again, _) = await Api.DeviceSendAsync(system.Http, HttpMethod.Post, "/api/v1/device/status", key,
            new { opId = Guid.NewGuid().ToString(), seq = 2, at = DateTimeOffset.UtcNow, lat = worker.Lat, lon = worker.Lon, accuracyM = 5, batteryPct = 60, onDuty = true });
        Assert.Equal(HttpStatusCode.OK, again);
    }
}

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

        var token = await Api.TokenAsync(http, "jinjiang.operator");
        await using var onCohosted = await ScreenClient.ConnectAsync(url, token);
        await using var onClient = await ScreenClient.ConnectAsync(system.GatewayUrl, token);
        await onCohosted.SubscribeAsync(Jinjiang);
        await onClient.SubscribeAsync(Jinjiang);

        // A phone provisioned and reporting through the co-hosted gateway: its low battery raises an
        // alert that both gateways' screens receive.
        var worker = system.Fresh.Worker(within: DemoUnits.ThirdStreet);
        var (deviceId, key) = await Api.ProvisionDeviceAsync(http, token, "worker-phone", worker.Id);
        var (posted, answer) = await Api.PostStatusAsync(http, key, Api.Status(1, worker.Lat, worker.Lon, batteryPct: 5));
        Assert.Equal(HttpStatusCode.OK, posted);
        Assert.Equal("applied", answer.GetProperty("status").GetString());

        bool IsOurs(ScreenClient.Envelope e) => e.Type == "alert.raised" && e.Data.GetProperty("subject").GetProperty("id").GetString() == deviceId;
        var onItself = await onCohosted.ReceiveMatchingAsync(IsOurs, "the alert on the co-hosted gateway's screen");
        var elsewhere = await onClient.ReceiveMatchingAsync(IsOurs, "the alert on the client gateway's screen");
        Assert.Equal(onItself.Seq, elsewhere.Seq);

        // Stopped gracefully it leaves the membership at once, and the cluster carries on without it.
        await cohosted.StopAsync(TimeSpan.FromSeconds(30));
        await SystemFixture.WaitForActiveSilosAsync(system.Http, 1, timeoutSeconds: 30);
        var (again, _) = await Api.PostStatusAsync(system.Http, key, Api.Status(2, worker.Lat, worker.Lon, batteryPct: 60));
        Assert.Equal(HttpStatusCode.OK, again);
    }
}

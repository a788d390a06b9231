using System.Diagnostics;
using System.Net;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Screens;

/// <summary>Wall screens at scale: several gateway processes, expiring tokens, throttled live state, districts kept apart.</summary>
[Collection(nameof(SystemCollection))]
public sealed class SeveralGatewaysTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Jinjiang = "510104";

    private static string Describe(ScreenClient.Envelope e) => $"{e.Seq}:{e.Type}:{e.Data.GetProperty("id")}";

    [Fact]
    public async Task AnAlertRaisedThroughGatewayAReachesAScreenOnGatewayBBothSeeTheSameOrderAndBsScreenMovesToAWithNothingLost()
    {
        var (gatewayB, urlB) = system.StartGateway("gateway-b");
        using var httpB = new HttpClient { BaseAddress = urlB };
        await SystemFixture.WaitForActiveSilosAsync(httpB, 1);
        var token = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var admin = await Api.TokenAsync(system.Http, "city.admin");
        await using var onA = await ScreenClient.ConnectAsync(system.GatewayUrl, token);
        var onB = await ScreenClient.ConnectAsync(urlB, token);
        await onA.SubscribeAsync(Jinjiang);
        await onB.SubscribeAsync(Jinjiang);

        // A worker's phone at 5 % through gateway A; the alert reaches the screen on gateway B.
        var worker = system.Fresh.Worker(within: DemoUnits.ThirdStreet);
        var (deviceId, key) = await Api.ProvisionDeviceAsync(system.Http, token, "worker-phone", worker.Id);
        var (posted, _) = await Api.PostStatusAsync(system.Http, key, Api.Status(1, worker.Lat, worker.Lon, batteryPct: 5));
        Assert.Equal(HttpStatusCode.OK, posted);

        var raised = await onB.ReceiveMatchingAsync(e => e.Type == "alert.raised" && e.Data.GetProperty("subject").GetProperty("id").GetString() == deviceId, "the alert on gateway B");

        // Events written through both gateways, interleaved; then the operator on B acknowledges from the screen's API.
        var appended = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            appended.Add(await Api.AppendAsync(i % 2 == 0 ? system.Http : httpB, admin, DemoUnits.ThirdStreet, "probe.fanout", $"fanout-{i}"));
        }

        var alertId = raised.Data.GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(httpB, HttpMethod.Post, $"/api/v1/alerts/{alertId}/ack", token, new { opId = "ack-on-b", note = "seen on screen B" })).Status);
        foreach (var screen in new[] { onA, onB })
        {
            await Eventually.HoldsAsync(() => screen.History.Any(e => e.Type == "alert.acknowledged" && e.Data.GetProperty("id").GetString() == alertId),
                TimeSpan.FromSeconds(15), "the acknowledgement on every screen");
        }

        // Over the range both watched, the same events in the same order, with no gap.
        var a = onA.History.ToList();
        var b = onB.History.ToList();
        var from = Math.Max(a[0].Seq, b[0].Seq);
        var to = Math.Min(a[^1].Seq, b[^1].Seq);
        var rangeA = a.Where(e => e.Seq >= from && e.Seq <= to).Select(Describe).ToList();
        Assert.Equal(rangeA, b.Where(e => e.Seq >= from && e.Seq <= to).Select(Describe));
        Assert.Equal(Enumerable.Range(0, rangeA.Count).Select(i => from + i), a.Where(e => e.Seq >= from && e.Seq <= to).Select(e => e.Seq));
        Assert.Subset(a.Select(e => e.Seq).ToHashSet(), appended.ToHashSet());

        // Gateway B dies; its screen reconnects to A with its cursor and misses nothing written meanwhile.
        var cursor = new Dictionary<string, long> { [Jinjiang] = b[^1].Seq };
        await gatewayB.KillAsync();
        await onB.Closed.WaitAsync(TimeSpan.FromSeconds(30));
        await onB.DisposeAsync();
        var meanwhile = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            meanwhile.Add(await Api.AppendAsync(system.Http, admin, DemoUnits.ThirdStreet, "probe.fanout", $"while-b-is-down-{i}"));
        }

        await using var moved = await ScreenClient.ConnectAsync(system.GatewayUrl, token);
        await moved.SubscribeAsync(Jinjiang, cursor);
        await Eventually.HoldsAsync(() => moved.History.Any(e => e.Seq == meanwhile[^1]), TimeSpan.FromSeconds(15), "the resumed screen catching up");
        var expected = onA.History.Where(e => e.Seq > cursor[Jinjiang] && e.Seq <= meanwhile[^1]).Select(Describe).ToList();
        Assert.Equal(expected, moved.History.Where(e => e.Seq <= meanwhile[^1]).Select(Describe));
        Assert.Subset(expected.ToHashSet(), meanwhile.Select(s => onA.History.Single(e => e.Seq == s)).Select(Describe).ToHashSet());
    }

    [Fact]
    public async Task AnExpiringTokenClosesTheScreenAndARefreshedOneResumesFromTheCursor()
    {
        var admin = await Api.TokenAsync(system.Http, "city.admin");
        var shortLived = Api.ForgeToken(system.SigningKey, DateTime.UtcNow.AddSeconds(4));
        var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, shortLived);
        var cursor = await screen.SubscribeAsync(Jinjiang);
        var before = await Api.AppendAsync(system.Http, admin, DemoUnits.SecondStreet, "probe.token", "before-expiry");
        await Eventually.HoldsAsync(() => screen.History.Any(e => e.Seq == before), TimeSpan.FromSeconds(15), "the event before expiry");

        var clock = Stopwatch.StartNew();
        await screen.Closed.WaitAsync(TimeSpan.FromSeconds(40));
        output.WriteLine($"closed {clock.Elapsed.TotalSeconds:F1} s after the first event; the token expired 4 s after it was made");
        cursor[Jinjiang] = screen.History.Max(e => e.Seq);
        await screen.DisposeAsync();

        var missed = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            missed.Add(await Api.AppendAsync(system.Http, admin, DemoUnits.SecondStreet, "probe.token", $"while-closed-{i}"));
        }

        var refreshed = await Api.TokenAsync(system.Http, "jinjiang.operator");
        await using var resumed = await ScreenClient.ConnectAsync(system.GatewayUrl, refreshed);
        await resumed.SubscribeAsync(Jinjiang, cursor);
        var received = await resumed.ReceiveMatchingAsync(e => e.Seq == missed[^1], "the last event written while closed");
        Assert.Subset(resumed.History.Select(e => e.Seq).ToHashSet(), missed.ToHashSet());
        Assert.Equal(resumed.History.Select(e => e.Seq).Order(), resumed.History.Select(e => e.Seq));
        Assert.Equal(cursor[Jinjiang] + 1, resumed.History.First().Seq);
        Assert.Equal(missed[^1], received.Seq);
    }

    [Fact]
    public async Task UnderTheSimulatorsLoadAJinjiangScreenGetsAtMostTheThrottledLiveBatchesAndNothingOfQingyang()
    {
        var token = await Api.TokenAsync(system.Http, "jinjiang.operator");
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, token);
        await screen.SubscribeAsync(Jinjiang);

        // The city simulator drives every worker of both districts through the real API, five times the run command's rate.
        var data = Path.Combine(Path.GetTempPath(), "opscentre-sim-" + Guid.NewGuid().ToString("N")[..8]);
        await using var simulator = ChildProcess.Start("simulator", RepositoryPaths.Output("tools/Simulator", "OpsCentre.Simulator"), new Dictionary<string, string>(),
            "--gateway", system.GatewayUrl.ToString(), "--user", "city.admin", "--password", SystemFixture.Password, "--data", data, "--rate", "500", "--duration", "20");
        await Eventually.HoldsAsync(() => !screen.LiveBatchesAt.IsEmpty, TimeSpan.FromSeconds(60), "live state under load");
        var watching = Stopwatch.StartNew();
        var from = DateTimeOffset.UtcNow;
        // A measuring window, not a wait for something to happen: the throttle is judged over 12 s of load.
        await Task.Delay(TimeSpan.FromSeconds(12));

        // Judged by when the gateway sent each batch (its at), not when a loaded test process got round to reading it.
        var batches = screen.LiveBatchesAt.Where(at => at >= from).Select(at => (at - from).TotalSeconds).ToList();
        var busiestSecond = batches.Max(start => batches.Count(t => t <= start && t > start - 1));
        var items = screen.DrainLive();
        output.WriteLine($"{batches.Count} Live batches in {watching.Elapsed.TotalSeconds:F0} s, at most {busiestSecond} in any one second, {items.Count} items");
        Assert.True(busiestSecond <= 1000 / 250 + 1, $"{busiestSecond} Live batches within one second; the throttle allows 4 (every 250 ms)");
        Assert.Contains(items, i => i.GetProperty("kind").GetString() == "worker");

        // 青羊区 moved too, but nothing of it reached this screen: neither positions, counters nor events. A worker is
        // 锦江区's by assignment: one who walked over the border into 青羊区 (real boundaries are not straight) is still theirs.
        Assert.All(items, i => Assert.StartsWith(Jinjiang, i.GetProperty("kind").GetString() == "worker" ? i.GetProperty("assignedGrid").GetString()! : i.GetProperty("id").GetString()!));
        Assert.All(screen.History, e => Assert.True(e.DistrictCode == Jinjiang && e.UnitCode.StartsWith(Jinjiang, StringComparison.Ordinal), $"{e.DistrictCode} {e.UnitCode}"));
        await using var qingyang = await ScreenClient.ConnectAsync(system.GatewayUrl, await Api.TokenAsync(system.Http, "qingyang.operator"));
        await qingyang.SubscribeAsync("510105");
        var theirs = await qingyang.LiveItemAsync(i => i.GetProperty("kind").GetString() == "worker", timeoutSeconds: 20);
        Assert.StartsWith("510105", theirs.GetProperty("assignedGrid").GetString());
        await simulator.StopAsync(TimeSpan.FromSeconds(30));
    }
}

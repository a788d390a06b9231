using OpsCentre.Testing;
using Microsoft.AspNetCore.SignalR;

namespace OpsCentre.Integration.Tests.Screens;

[Collection(nameof(SystemCollection))]
public sealed class ScreenDeliveryTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Jinjiang = "510104";

    /// <summary>This class's tests append probes; the district's other events (other tests' devices) are not theirs.</summary>
    private static bool Probes(ScreenClient.Envelope e) => e.Type.StartsWith("probe.", StringComparison.Ordinal);

    [Fact]
    public async Task AScreenGetsLiveEventsAndAfterReconnectingWithItsCursorExactlyTheOnesItMissed()
    {
        var admin = await Api.SignInAsync(system.Http, "city.admin");
        var operatorToken = await Api.TokenAsync(system.Http, "jinjiang.operator");

        Dictionary<string, long> cursor;
        await using (var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, operatorToken, only: Probes))
        {
            cursor = await screen.SubscribeAsync(Jinjiang);
            Assert.Equal([Jinjiang], cursor.Keys);
            var live = new List<long>();
            for (var i = 0; i < 3; i++)
            {
                live.Add(await Api.AppendAsync(system.Http, admin.AccessToken, DemoUnits.FirstCommunity, "probe.raised", $"live-{i}"));
            }

            var received = await screen.ReceiveAsync(3);
            Assert.Equal(live, received.Select(e => e.Seq));
            Assert.Equal(["live-0", "live-1", "live-2"], received.Select(e => e.Data.GetProperty("id").GetString()));
            Assert.All(received, e => Assert.Equal(Jinjiang, e.DistrictCode));
            cursor[Jinjiang] = received[^1].Seq;
        }

        var missed = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            missed.Add(await Api.AppendAsync(system.Http, admin.AccessToken, DemoUnits.SecondStreet, "probe.reported", $"missed-{i}"));
        }

        await using var resumed = await ScreenClient.ConnectAsync(system.GatewayUrl, operatorToken, only: Probes);
        await resumed.SubscribeAsync(Jinjiang, cursor);
        Assert.Equal(missed, (await resumed.ReceiveAsync(4)).Select(e => e.Seq));

        var after = await Api.AppendAsync(system.Http, admin.AccessToken, Jinjiang, "probe.resolved", "after");
        Assert.Equal(after, (await resumed.ReceiveAsync(1)).Single().Seq);
        await resumed.AssertNoMoreEventsAsync(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task AScreenMissesNothingAcrossARestartOfItsGatewayProcess()
    {
        var admin = await Api.SignInAsync(system.Http, "city.admin");
        var operatorToken = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var url = new Uri($"http://127.0.0.1:{Testing.FreePort.Next()}");
        var (gateway, _) = system.StartGateway("gateway-restart", url);
        using var viaRestarted = new HttpClient { BaseAddress = url };
        await SystemFixture.WaitForActiveSilosAsync(viaRestarted, 1);

        Dictionary<string, long> cursor;
        await using (var screen = await ScreenClient.ConnectAsync(url, operatorToken, only: Probes))
        {
            cursor = await screen.SubscribeAsync(Jinjiang);
            var seq = await Api.AppendAsync(system.Http, admin.AccessToken, DemoUnits.ThirdStreet, "probe.raised", "before-restart");
            cursor[Jinjiang] = (await screen.ReceiveAsync(1)).Single().Seq;
            Assert.Equal(seq, cursor[Jinjiang]);
            await gateway.KillAsync();
        }

        var missed = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            missed.Add(await Api.AppendAsync(system.Http, admin.AccessToken, DemoUnits.ThirdStreet, "probe.raised", $"during-restart-{i}"));
        }

        system.StartGateway("gateway-restart", url);
        await SystemFixture.WaitForActiveSilosAsync(viaRestarted, 1);
        await using var resumed = await ScreenClient.ConnectAsync(url, operatorToken, only: Probes);
        await resumed.SubscribeAsync(Jinjiang, cursor);
        Assert.Equal(missed, (await resumed.ReceiveAsync(3)).Select(e => e.Seq));
        await resumed.AssertNoMoreEventsAsync(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task AScreenThatCannotKeepUpIsClosedAndResumesFromItsCursorWithNothingLostWhileAFastOneKeepsItsPace()
    {
        var admin = await Api.SignInAsync(system.Http, "city.admin");
        var operatorToken = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var url = new Uri($"http://127.0.0.1:{Testing.FreePort.Next()}");
        // Small enough that the stalled screen overflows it long before the 1,500th event (the socket
        // buffers hold a few hundred 16 KB events), large enough that the reading screen survives a
        // scheduling stall of the test process on a busy two-core machine (with 16 the reading screen
        // once missed events in CI; that it had been closed is our reading, its logs were gone).
        system.StartGateway("gateway-small-queue", url, new() { ["Screens__QueueCapacity"] = "64" });
        using var http = new HttpClient { BaseAddress = url };
        await SystemFixture.WaitForActiveSilosAsync(http, 1);

        // A screen that subscribes and then stops reading, like a hung browser tab.
        await using var slow = await RawScreenSocket.ConnectAsync(url, operatorToken);
        var cursor = await slow.SubscribeAsync(Jinjiang);
        // A screen on the same gateway that reads as it should.
        await using var fast = await ScreenClient.ConnectAsync(url, operatorToken, only: Probes);
        await fast.SubscribeAsync(Jinjiang);

        // 16 KB events, until the socket's buffers and then the connection's queue are full.
        var appended = new List<long>();
        var committedAt = new Dictionary<long, long>();
        for (var i = 0; i < 1500; i++)
        {
            appended.Add(await Api.AppendAsync(system.Http, admin.AccessToken, DemoUnits.FourthStreet, "probe.bulk", $"bulk-{i}", padding: 16 * 1024));
            committedAt[appended[^1]] = System.Diagnostics.Stopwatch.GetTimestamp();
        }

        // The fast screen got every event, each soon after its append was answered, while the other stalled.
        await Testing.Eventually.HoldsAsync(
            () => Task.FromResult(fast.Closed.IsCompleted || appended.All(seq => fast.ArrivedAt.ContainsKey((Jinjiang, seq)))), done => done,
            TimeSpan.FromSeconds(30), "every event on the fast screen");
        Assert.False(fast.Closed.IsCompleted, $"the reading screen was closed too, after {fast.ArrivedAt.Count} of {appended.Count} events");
        var delays = appended.Select(seq => Math.Max(0, (fast.ArrivedAt[(Jinjiang, seq)] - committedAt[seq]) * 1000.0 / System.Diagnostics.Stopwatch.Frequency)).Order().ToList();
        output.WriteLine($"fast screen beside a stalled one: append answered → event received p50 {delays[delays.Count / 2]:F1} ms, p99 {delays[delays.Count * 99 / 100]:F1} ms, max {delays[^1]:F1} ms");
        Assert.True(delays[delays.Count * 99 / 100] < 1000, $"the fast screen fell behind: p99 {delays[delays.Count * 99 / 100]:F0} ms");

        var (seen, closed) = await slow.DrainUntilClosedAsync(TimeSpan.FromSeconds(30), only: type => type.StartsWith("probe.", StringComparison.Ordinal));
        Assert.True(closed, "the server never closed the connection that stopped reading");
        Assert.True(seen.Count < appended.Count, $"the stalled screen received all {seen.Count} events; nothing was held back");
        Assert.Equal(appended.Take(seen.Count), seen);

        // It comes back with the cursor of what it did receive and gets every other event.
        cursor[Jinjiang] = seen.Count > 0 ? seen[^1] : cursor[Jinjiang];
        await using var resumed = await ScreenClient.ConnectAsync(url, operatorToken, only: Probes);
        await resumed.SubscribeAsync(Jinjiang, cursor);
        var rest = await resumed.ReceiveAsync(appended.Count - seen.Count, timeoutSeconds: 60);
        Assert.Equal(appended.Skip(seen.Count), rest.Select(e => e.Seq));
    }

    [Fact]
    public async Task AStreetScreenSeesOnlyItsStreetsEventsAndWatermarksForTheRest()
    {
        var admin = await Api.SignInAsync(system.Http, "city.admin");
        var street = await Api.SignInAsync(system.Http, "jinjiang.street.operator");
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, street.AccessToken, only: Probes);
        await screen.SubscribeAsync(DemoUnits.FirstStreet);

        var mine = await Api.AppendAsync(system.Http, admin.AccessToken, DemoUnits.Community(3), "probe.raised", "in-street");
        var otherStreet = await Api.AppendAsync(system.Http, admin.AccessToken, DemoUnits.SecondStreet, "probe.raised", "other-street");
        var districtLevel = await Api.AppendAsync(system.Http, admin.AccessToken, Jinjiang, "probe.raised", "district-level");

        var received = await screen.ReceiveAsync(1);
        Assert.Equal(mine, received.Single().Seq);
        Assert.Equal("in-street", received.Single().Data.GetProperty("id").GetString());

        // Nothing else arrives, but the watermark tells the screen the district moved on.
        var watermark = await screen.WatermarkReachingAsync(Jinjiang, Math.Max(otherStreet, districtLevel));
        Assert.Equal(Jinjiang, watermark.DistrictCode);
        await screen.AssertNoMoreEventsAsync(TimeSpan.FromMilliseconds(500));
    }

    [Theory]
    [InlineData("jinjiang.operator", "510105")]
    [InlineData("jinjiang.operator", "5101")]
    [InlineData("jinjiang.street.operator", "510104")]
    public async Task SubscribingOutsideTheCallersScopeIsRefused(string username, string unit)
    {
        var token = await Api.SignInAsync(system.Http, username);
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, token.AccessToken, only: Probes);
        var error = await Assert.ThrowsAsync<HubException>(() => screen.SubscribeAsync(unit));
        Assert.Contains("not found", error.Message);
    }

    [Fact]
    public async Task ACitySubscriptionSpansEveryDistrict()
    {
        var admin = await Api.SignInAsync(system.Http, "city.admin");
        await using var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, admin.AccessToken, only: Probes);
        var cursor = await screen.SubscribeAsync("5101");
        Assert.Equal(["510104", "510105", "510106", "510107", "510108"], cursor.Keys.Order());

        var qingyang = await Api.AppendAsync(system.Http, admin.AccessToken, DemoUnits.QingyangFirstStreet, "probe.raised", "qy");
        var received = await screen.ReceiveAsync(1);
        Assert.Equal(("510105", qingyang), (received[0].DistrictCode, received[0].Seq));
    }

    [Fact]
    public async Task NoLogLineOfAnyProcessContainsAnAccessToken()
    {
        var tokens = await Api.SignInAsync(system.Http, "jinjiang.operator");
        await using (var screen = await ScreenClient.ConnectAsync(system.GatewayUrl, tokens.AccessToken, only: Probes))
        {
            await screen.SubscribeAsync(Jinjiang);
        }

        // A refused hub connection and ordinary API calls log too; none of them may print the token.
        var refused = tokens.AccessToken[..^4] + "AAAA";
        await Assert.ThrowsAnyAsync<Exception>(async () => await ScreenClient.ConnectAsync(system.GatewayUrl, refused, only: Probes));
        using var call = await system.Http.SendAsync(Api.Authorized(HttpMethod.Get, "/api/v1/units/510104", tokens.AccessToken));

        // Read once the refused hub connection is in the logs, so the files checked hold it.
        var files = await ProcessLogs.WhenAnyLineAsync(line => line.Contains("/hubs/ops", StringComparison.Ordinal) && line.Contains("401", StringComparison.Ordinal), "the refused hub connection in the logs");
        Assert.NotEmpty(files);
        Assert.Contains(files, f => f.Text.Contains("/hubs/ops", StringComparison.Ordinal));
        foreach (var file in files)
        {
            Assert.DoesNotContain(tokens.AccessToken, file.Text);
            Assert.DoesNotContain(refused, file.Text);
            Assert.DoesNotContain(tokens.RefreshToken, file.Text);
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OpsCentre.Database.Operators;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Limits;

/// <summary>
/// The abuse limits, each on a gateway of its own (the fixture's gateway runs with the per-address and
/// per-token limits lifted, and the limits are kept per gateway process): sign-in lockout, sign-in per
/// address, a device key's flood, unknown and malformed device keys.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class AbuseLimitTests(SystemFixture system)
{
    [Fact]
    public async Task RepeatedWrongPasswordsLockTheAccountForGrowingPeriodsAndASuccessEndsTheCount()
    {
        var username = "lockout." + Guid.NewGuid().ToString("N")[..8];
        await new OperatorStore(system.Db).UpsertAsync(new OperatorAccount(username, "锁定测试", "operator", "510104", Disabled: false), SystemFixture.Password);
        await using var gateway = await StartGatewayAsync("gateway-lockout", new()
        {
            ["Limits__SignInFailuresBeforeLockout"] = "3",
            ["Limits__SignInLockoutSeconds"] = "2",
            ["Limits__SignInMaxLockoutSeconds"] = "60",
        });

        // Three wrong passwords are each 401; then the account is locked, for the right password too.
        await FailAsync(gateway.Http, username, times: 3);
        Api.AssertRetryLater(await SignInAsync(gateway.Http, username, SystemFixture.Password), HttpStatusCode.TooManyRequests, 1, 2);

        // The second lockout lasts twice as long. (The first attempt after the lockout is a real one: a failure.)
        await Eventually.HoldsAsync(async () => (await SignInAsync(gateway.Http, username, "wrong")).Status == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(10), "a sign-in checked again after the first lockout", pollEvery: TimeSpan.FromMilliseconds(300));
        await FailAsync(gateway.Http, username, times: 2);
        Api.AssertRetryLater(await SignInAsync(gateway.Http, username, SystemFixture.Password), HttpStatusCode.TooManyRequests, 3, 4);

        // After it, the right password signs in, and the count starts over: the next lockout is short again.
        var signedIn = await Eventually.HoldsAsync(() => SignInAsync(gateway.Http, username, SystemFixture.Password), a => a.Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(15), "a sign-in after the second lockout", pollEvery: TimeSpan.FromMilliseconds(300), describe: a => a.ToString());
        Assert.Equal("510104", signedIn.Body.GetProperty("unitCode").GetString());
        await FailAsync(gateway.Http, username, times: 3);
        Api.AssertRetryLater(await SignInAsync(gateway.Http, username, SystemFixture.Password), HttpStatusCode.TooManyRequests, 1, 2);

        // Another account is not affected by this one's lockout.
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(gateway.Http, "jinjiang.operator", SystemFixture.Password)).Status);
    }

    [Fact]
    public async Task SignInsFromOneAddressAreLimitedWhateverTheAccounts()
    {
        await using var gateway = await StartGatewayAsync("gateway-sign-in-rate", new()
        {
            ["Limits__SignInPerAddressBurst"] = "3",
            ["Limits__SignInPerAddressPerMinute"] = "1",
        });

        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(gateway.Http, "jinjiang.operator", SystemFixture.Password)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(gateway.Http, "nobody", "wrong")).Status);
        Assert.Equal(HttpStatusCode.OK, (await SignInAsync(gateway.Http, "city.admin", SystemFixture.Password)).Status);
        Api.AssertRetryLater(await SignInAsync(gateway.Http, "city.auditor", SystemFixture.Password), HttpStatusCode.TooManyRequests, 1, 60);

        // Operators already signed in go on: the limit is on sign-in, not on their calls.
        var token = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var (status, _) = await Api.SendAsync(gateway.Http, HttpMethod.Get, "/api/v1/units/510104", token);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task AnOperatorTokenOverItsRateIsAnswered429()
    {
        await using var gateway = await StartGatewayAsync("gateway-operator-rate", new()
        {
            ["Limits__OperatorBurst"] = "5",
            ["Limits__OperatorPerSecond"] = "1",
        });
        var token = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var answers = new List<Api.Answer>();
        for (var i = 0; i < 10; i++)
        {
            answers.Add(await Api.AnswerOfAsync(gateway.Http, Api.Authorized(HttpMethod.Get, "/api/v1/units/510104", token)));
        }

        Assert.InRange(answers.Count(a => a.Status == HttpStatusCode.OK), 5, 7);
        Api.AssertRetryLater(answers[^1], HttpStatusCode.TooManyRequests, 1, 2);

        // Another operator's token has a budget of its own.
        var other = await Api.TokenAsync(system.Http, "city.admin");
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(gateway.Http, HttpMethod.Get, "/api/v1/units/510104", other)).Status);
    }

    [Fact]
    public async Task AFloodFromOneDeviceKeyIsAnswered429WhileAnotherDeviceGoesOn()
    {
        await using var gateway = await StartGatewayAsync("gateway-device-rate", new() { ["Limits__DevicePerSecond"] = "5" });
        var admin = await Api.TokenAsync(system.Http, "city.admin");
        var (floodWorker, calmWorker) = (system.Fresh.Worker(), system.Fresh.Worker());
        var (_, flooding) = await Api.ProvisionDeviceAsync(system.Http, admin, "worker-phone", floodWorker.Id);
        var (_, calm) = await Api.ProvisionDeviceAsync(system.Http, admin, "worker-phone", calmWorker.Id);

        var seq = 0;
        var answers = new List<Api.Answer>();
        for (var i = 0; i < 30; i++)
        {
            answers.Add(await PostStatusAsync(gateway.Http, flooding, ++seq, floodWorker.Lat, floodWorker.Lon));
        }

        // Five a second get through; the 30 were sent in far less than the six seconds that would take.
        var applied = answers.Count(a => a.Status == HttpStatusCode.OK);
        Assert.InRange(applied, 5, 25);
        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, a.ToString()));
        Api.AssertRetryLater(answers.First(a => a.Status == HttpStatusCode.TooManyRequests), HttpStatusCode.TooManyRequests, 1, 1);

        Assert.Equal(HttpStatusCode.OK, (await PostStatusAsync(gateway.Http, calm, 1, calmWorker.Lat, calmWorker.Lon)).Status);
        await Eventually.HoldsAsync(async () => (await PostStatusAsync(gateway.Http, flooding, ++seq, floodWorker.Lat, floodWorker.Lon)).Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(5), "the flooding device heard again after its window");
    }

    [Fact]
    public async Task MalformedAndRepeatedUnknownDeviceKeysCostNoGrainCallAndAnAddressOfFailingKeysIsStopped()
    {
        await using var gateway = await StartGatewayAsync("gateway-device-keys", new() { ["Limits__DeviceKeyFailuresPerAddressPerMinute"] = "3" });
        var admin = await Api.TokenAsync(system.Http, "city.admin");
        var worker = system.Fresh.Worker();
        var (_, key) = await Api.ProvisionDeviceAsync(system.Http, admin, "worker-phone", worker.Id);
        var seq = 0;
        Assert.Equal(HttpStatusCode.OK, (await PostStatusAsync(gateway.Http, key, ++seq, worker.Lat, worker.Lon)).Status);

        // Every key check that reaches a grain and fails counts against the address (three here). Malformed
        // keys, and an unknown key sent again, are refused before that, so they do not count.
        var secret = new string('A', 43);
        string[] malformed = ["no-dot-at-all", "dev-1." + secret[..42], "dev-1." + secret + "A", "dev 1." + secret, "dev-1." + secret[..42] + "=", "." + secret];
        for (var round = 0; round < 4; round++)
        {
            foreach (var bad in malformed)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await PostStatusAsync(gateway.Http, bad, 1, worker.Lat, worker.Lon)).Status);
            }
        }

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await PostStatusAsync(gateway.Http, "dev-unknown-1." + secret, 1, worker.Lat, worker.Lon)).Status);
        }

        // The second and third unknown keys reach their grains; the fourth is not asked about.
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostStatusAsync(gateway.Http, "dev-unknown-2." + secret, 1, worker.Lat, worker.Lon)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostStatusAsync(gateway.Http, "dev-unknown-3." + secret, 1, worker.Lat, worker.Lon)).Status);
        Api.AssertRetryLater(await PostStatusAsync(gateway.Http, "dev-unknown-4." + secret, 1, worker.Lat, worker.Lon), HttpStatusCode.TooManyRequests, 1, 60);

        // A device whose key was verified goes on from the same address.
        Assert.Equal(HttpStatusCode.OK, (await PostStatusAsync(gateway.Http, key, ++seq, worker.Lat, worker.Lon)).Status);
    }

    private static async Task<Api.Answer> SignInAsync(HttpClient http, string username, string password)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/auth/token", new { username, password });
        return await Api.Answer.ReadAsync(response);
    }

    private static async Task FailAsync(HttpClient http, string username, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var answer = await SignInAsync(http, username, "wrong-password");
            Assert.True(answer.Status == HttpStatusCode.Unauthorized, $"wrong password {i + 1} of {times}: {answer}");
        }
    }

    private static Task<Api.Answer> PostStatusAsync(HttpClient http, string key, long seq, double lat, double lon)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/device/status") { Content = JsonContent.Create(Api.Status(seq, lat, lon)) };
        request.Headers.TryAddWithoutValidation("X-Device-Key", key);
        return Api.AnswerOfAsync(http, request);
    }

    private async Task<Gateway> StartGatewayAsync(string name, Dictionary<string, string> settings)
    {
        var (process, url) = system.StartGateway(name, settings: settings);
        var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        await Eventually.HoldsAsync(async () =>
        {
            using var ready = await http.GetAsync("/health/ready");
            return ready.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(60), $"{name} ready");
        return new Gateway(process, http);
    }

    private sealed record Gateway(ChildProcess Process, HttpClient Http) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Process.StopAsync(TimeSpan.FromSeconds(10));
        }
    }
}

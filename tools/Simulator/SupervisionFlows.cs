using System.Net.Http.Json;
using System.Text.Json;

namespace OpsCentre.Simulator;

/// <summary>
/// One supervision workflow (issue 29) as the simulator lives it on the demo city: a life is one subject taken through the
/// workflow — a hand-over asked and answered, a mediation opened and closed — one action at a time, a pause apart.
/// </summary>
public interface ISupervisionFlow
{
    /// <summary>The flow's name in the log ("hand-over", "drill"…).</summary>
    string Name { get; }

    /// <summary>
    /// Takes one subject through the workflow. In a <paramref name="pass"/> (<c>--once</c>) it takes the path that ends it
    /// (accepted, returned, closed, cleared, approved) and answers whether it got there; otherwise it may leave it lying.
    /// </summary>
    Task<bool> LiveAsync(bool pass, CancellationToken ct);
}

/// <summary>
/// The demo accounts the supervision flows act as (src/Database/Operators/DemoOperators.cs and the demo department's
/// staff, tools/CityGen/DemoIncidentCatalog.cs), each signed in once with the demo password and again when its token expires.
/// </summary>
public sealed class DemoAccounts(HttpClient http, string password)
{
    public const string Admin = "city.admin";
    public const string Operator = "jinjiang.operator";
    public const string StreetOperator = "jinjiang.street.operator";
    public const string CommunityStaff = "jinjiang.community.staff";
    public const string Corrections = "jinjiang.corrections.officer";
    public const string DepartmentStaff = "jinjiang.cg.staff";

    /// <summary>The demo accounts' units: 锦江区, its first street and that street's first community.</summary>
    public const string FirstStreet = "510104017", FirstCommunity = "510104017001";

    /// <summary>The demo department's code (锦江区城市管理局), whose staff record their own part.</summary>
    public const string Department = "510104-CG";

    private readonly Dictionary<string, LoopClient> _clients = new(StringComparer.Ordinal);

    /// <summary>The account's client (signed in on its first call).</summary>
    public LoopClient As(string username)
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(username, out var client))
            {
                _clients[username] = client = new LoopClient(http, () => SignInAsync(username));
            }

            return client;
        }
    }

    /// <summary>The nearest of the demo's community staff, street operator and district operator whose unit holds <paramref name="grid"/>.</summary>
    public static string ClerkOf(string grid) =>
        grid.StartsWith(FirstCommunity, StringComparison.Ordinal) ? CommunityStaff : grid.StartsWith(FirstStreet, StringComparison.Ordinal) ? StreetOperator : Operator;

    private async Task<string> SignInAsync(string username)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/auth/token", new { username, password });
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"sign-in as {username}: {(int)response.StatusCode}", null, response.StatusCode);
        }

        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }
}

/// <summary>
/// Where the supervision flows act: the home place (a unit of the demo accounts' district, 锦江区, by default the district)
/// and another district's place, whose persons are handed over to the home district and whose grids receive the home's.
/// Its key persons and grids are read afresh for each life (a hand-over moves a person).
/// </summary>
public sealed class SupervisionPlaces(DemoAccounts accounts, string home, string elsewhere)
{
    public string Home => home;

    public string Elsewhere => elsewhere;

    /// <summary>The key persons of a place (active ones first in the API's order), of a category when given.</summary>
    public async Task<IReadOnlyList<(string Id, string Grid, string? Category)>> PersonsAsync(string place, string? category, CancellationToken ct)
    {
        var page = await accounts.As(DemoAccounts.Admin).OperatorAsync(HttpMethod.Get,
            $"/api/v1/key-persons?unit={place}&limit=200{(category is null ? "" : "&category=" + category)}", null, ct);
        return [.. page.GetProperty("items").EnumerateArray()
            .Select(p => (p.GetProperty("id").GetString()!, p.GetProperty("gridCode").GetString()!, p.TryGetProperty("category", out var c) ? c.GetString() : null))];
    }

    /// <summary>The grids of a place that have a worker (from the roster).</summary>
    public async Task<IReadOnlyList<string>> GridsAsync(string place, CancellationToken ct)
    {
        var page = await accounts.As(DemoAccounts.Admin).OperatorAsync(HttpMethod.Get, $"/api/v1/workers?unit={place}&limit=200", null, ct);
        return [.. page.GetProperty("items").EnumerateArray().Select(w => w.GetProperty("gridCode").GetString()!).Distinct()];
    }
}

/// <summary>
/// Runs the supervision flows at a gentle pace (<c>--supervision</c> seconds between one flow's actions, each pause between
/// half and one and a half of it), each flow one life after another; or once each (<c>--once</c>), back to back.
/// One short line per action; a refusal (an RFC 9457 problem) is said and the flow goes on.
/// </summary>
public sealed class SupervisionFlows(IReadOnlyList<ISupervisionFlow> flows, TimeSpan pace, Action<string> say)
{
    private readonly Random _random = new(2929);

    /// <summary>The pause between two actions of a flow (none in a pass).</summary>
    public static TimeSpan Pause(TimeSpan pace, Random random) => pace * (0.5 + random.NextDouble());

    public Task RunAsync(CancellationToken ct) => Task.WhenAll(flows.Select((flow, i) => LoopAsync(flow, TimeSpan.FromSeconds(pace.TotalSeconds * i / flows.Count), ct)));

    /// <summary>Each flow once, on the path that ends its subject; the names of those that did not get there.</summary>
    public async Task<IReadOnlyList<string>> PassAsync(CancellationToken ct)
    {
        var failed = new List<string>();
        foreach (var flow in flows)
        {
            if (await LiveAsync(flow, pass: true, ct) is not true)
            {
                failed.Add(flow.Name);
            }
        }

        return failed;
    }

    private async Task LoopAsync(ISupervisionFlow flow, TimeSpan stagger, CancellationToken ct)
    {
        try
        {
            await Task.Delay(stagger, ct);
            while (!ct.IsCancellationRequested)
            {
                // A flow stopped by an error (an account that cannot sign in, the gateway gone) waits ten paces, so the log stays calm.
                var stopped = await LiveAsync(flow, pass: false, ct) is null;
                await Task.Delay(stopped ? pace * 10 : Pause(pace, _random), ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Whether the life got to its end; null when an error stopped it (said in the log).</summary>
    private async Task<bool?> LiveAsync(ISupervisionFlow flow, bool pass, CancellationToken ct)
    {
        try
        {
            return await flow.LiveAsync(pass, ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested && ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            say($"{flow.Name}: stopped ({ex.GetType().Name}: {ex.Message})");
            return null;
        }
    }
}

/// <summary>What every flow shares: the accounts, the places, the pace and the log line of an action.</summary>
public sealed class SupervisionContext(DemoAccounts accounts, SupervisionPlaces places, TimeSpan pace, Action<string> say)
{
    public DemoAccounts Accounts => accounts;

    public SupervisionPlaces Places => places;

    /// <summary>Waits between two actions: a pause around the pace (none in a pass).</summary>
    public Task PauseAsync(bool pass, Random random, CancellationToken ct) => pass ? Task.CompletedTask : Task.Delay(SupervisionFlows.Pause(pace, random), ct);

    /// <summary>Waits about <paramref name="paces"/> times the pace (none in a pass).</summary>
    public Task PauseAsync(bool pass, double paces, CancellationToken ct) => pass ? Task.CompletedTask : Task.Delay(pace * paces, ct);

    public TimeSpan Pace => pace;

    /// <summary>A line of the log that is no action (a subject left lying).</summary>
    public void Say(string message) => say(message);

    /// <summary>A fresh operation id, as every action carries.</summary>
    public static string OpId() => Guid.NewGuid().ToString("N");

    /// <summary>
    /// One action as <paramref name="username"/>: its log line (<c>flow: who what → 201</c>, or the problem of a refusal),
    /// and its reply.
    /// </summary>
    public async Task<Reply> ActAsync(string flow, string username, string what, HttpMethod method, string path, object? body, CancellationToken ct) =>
        Said(flow, username, what, await accounts.As(username).SendAsync(method, path, body, ct));

    /// <summary>One action of a worker's phone (<paramref name="worker"/> in the log line), with its key: its log line and its reply.</summary>
    public async Task<Reply> DeviceActAsync(string flow, string worker, string key, string what, HttpMethod method, string path, object? body, CancellationToken ct) =>
        Said(flow, worker, what, await accounts.As(DemoAccounts.Admin).DeviceSendAsync(key, method, path, body, ct));

    private Reply Said(string flow, string who, string what, Reply reply)
    {
        say($"{flow}: {who} {what} → {(reply.IsSuccess ? ((int)reply.Status).ToString(System.Globalization.CultureInfo.InvariantCulture) : reply.Problem)}");
        return reply;
    }
}

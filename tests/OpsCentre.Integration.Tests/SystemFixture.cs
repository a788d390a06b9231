using System.Net.Http.Json;
using System.Text.Json;
using OpsCentre.Database;
using OpsCentre.Database.Operators;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests;

/// <summary>
/// The whole system as separate processes: one PostgreSQL database, one silo and one gateway,
/// started from the built assemblies with membership timings shortened so failures are detected
/// in seconds. Tests may start more silos or gateways against the same database.
/// </summary>
public sealed class SystemFixture : IAsyncLifetime
{
    private readonly List<ChildProcess> _processes = [];
    private readonly Dictionary<ChildProcess, Uri> _siloHealth = [];
    private readonly Dictionary<ChildProcess, Uri> _siloMetrics = [];

    /// <summary>Where every process of the system exports its traces (<c>Telemetry:OtlpEndpoint</c>), every request sampled.</summary>
    public Operations.OtlpReceiver Traces { get; } = new();

    public PrivatePostgres Postgres { get; private set; } = null!;

    public ProvisionedDatabase Database { get; private set; } = null!;

    public ChildProcess FirstSilo { get; private set; } = null!;

    public ChildProcess Gateway { get; private set; } = null!;

    public Uri GatewayUrl { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The suite's generated city (<see cref="CityGen.CitySize.Suite"/>) loaded into the database through the real import path.</summary>
    public CityGen.GeneratedCity City { get; private set; } = null!;

    /// <summary>The run's allocator of the city's parts: a fresh worker, key person or grid for each test that changes one.</summary>
    public TestCity Fresh { get; private set; } = null!;

    /// <summary>The application's connection to the database, for what a test checks beneath the API.</summary>
    public Npgsql.NpgsqlDataSource Db { get; private set; } = null!;

    /// <summary>
    /// Runs the system on a PostgreSQL server of its own rather than the test run's shared one, so that a
    /// test may stop and start it (<see cref="PrivatePostgres.StopServerAsync"/>). Set before <see cref="InitializeAsync"/>.
    /// </summary>
    public bool OwnServer { get; init; }

    public async Task InitializeAsync()
    {
        Postgres = OwnServer ? await PrivatePostgres.StartOwnAsync() : await PrivatePostgres.StartAsync();
        Database = await Postgres.CreateDatabaseAsync("integration_tests");
        Db = Npgsql.NpgsqlDataSource.Create(Database.AppConnectionString);
        var operators = new OperatorStore(Db);
        foreach (var account in Operators)
        {
            await operators.UpsertAsync(account, Password);
        }

        City = await CityGen.CityLoader.GenerateAndLoadAsync(Db, CityGen.CitySize.Suite, seed: 3);
        Fresh = new TestCity(City);
        await CityGen.DemoAlertRules.EnsureAsync(new Grains.Alerts.AlertRuleStore(Db));
        await CityGen.DemoIncidentCatalog.EnsureAsync(new Grains.Incidents.IncidentCatalog(Db), [("510104", "锦江区"), ("510105", "青羊区")]);
        await operators.UpsertAsync(CityGen.DemoIncidentCatalog.DepartmentStaff, Password);
        await operators.UpsertAsync(new OperatorAccount(SecondStreetOperator, City.Units.Single(u => u.Code == SecondStreet).Name + "网格化服务管理中心", "operator", SecondStreet, Disabled: false), Password);

        FirstSilo = StartSilo("silo-a");
        (Gateway, GatewayUrl) = StartGateway("gateway-a");
        Http = new HttpClient { BaseAddress = GatewayUrl, Timeout = TimeSpan.FromSeconds(30) };
        await WaitForActiveSilosAsync(Http, 1);
    }

    public const string Password = "test-password";

    /// <summary>An operator of 锦江区's second street, beside the demo's operator of its first.</summary>
    public const string SecondStreetOperator = "jinjiang.second.street.operator";

    public static string SecondStreet => DemoUnits.SecondStreet;

    /// <summary>The demo operators (one per role), a second district's operator, and a disabled account.</summary>
    public static IReadOnlyList<OperatorAccount> Operators { get; } =
    [
        .. DemoOperators.All,
        new("qingyang.operator", "青羊区监管中心", "operator", "510105", Disabled: false),
        new("disabled.operator", "停用", "operator", "510104", Disabled: true),
    ];

    /// <summary>The HMAC key the gateways sign access tokens with; tests use it to forge expired ones.</summary>
    public string SigningKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>The key of the registries' personal identifiers (<see cref="OpsCentre.Database.Registries.PersonalDataCipher"/>), fresh per run.</summary>
    public string PersonalDataKey { get; } = OpsCentre.Database.Registries.PersonalDataCipher.NewKey();

    /// <summary>Folder where every process of this fixture writes its logs.</summary>
    public static string LogDirectory => Path.Combine(AppContext.BaseDirectory, "process-logs");

    /// <summary>Environment shared by every process of this system.</summary>
    public Dictionary<string, string> CommonEnvironment() => new()
    {
        ["ConnectionStrings__OpsCentre"] = Database.AppConnectionString,
        ["Orleans__ClusterId"] = "integration",
        ["Orleans__Dashboard__Enabled"] = "true",
        ["Orleans__ServiceId"] = "integration",
        ["Orleans__Membership__ProbeTimeout"] = "00:00:01",
        ["Orleans__Membership__NumMissedProbesLimit"] = "2",
        ["Orleans__Membership__NumVotesForDeathDeclaration"] = "1",
        ["Orleans__Membership__TableRefreshTimeout"] = "00:00:02",
        ["Orleans__Membership__IAmAliveTablePublishTimeout"] = "00:00:05",
        ["Orleans__GatewayListRefreshSeconds"] = "1",
        ["Auth__SigningKey"] = SigningKey,
        ["Registries__PersonalDataKey"] = PersonalDataKey,
        // Every trace recorded and sent within a fraction of a second (the batch exporter's delay is 5 s by default).
        ["Telemetry__TraceSampleRatio"] = "1.0",
        ["Telemetry__OtlpEndpoint"] = Traces.Endpoint.ToString(),
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["Screens__WatermarkSeconds"] = "1",
        ["Screens__RenewSeconds"] = "2",
        // Imports' live pickup: the map's version is checked every 2 s (30 s by default), so renames and moved polygons show quickly.
        ["Map__RefreshInterval"] = "00:00:02",
        // Webhook retries in fractions of a second, dead-lettered after the 4th attempt (NotificationTests).
        ["Notifications__RetryBaseDelay"] = "00:00:00.200",
        ["Notifications__RetryMaxDelay"] = "00:00:02",
        ["Notifications__MaxAttempts"] = "4",
        // The tests' webhook receivers listen on 127.0.0.1, which webhooks may not reach unless allowed (NotificationTests also
        // prove that "localhost", which is not listed, is refused both when subscribing and when sending).
        ["Notifications__AllowedHosts__0"] = "127.0.0.1",
        // The suite signs in and calls from one address with few tokens, far faster than people do: the
        // limits per address and per token are lifted for it. AbuseLimitTests check the limits on
        // gateways of their own; the sign-in lockout and the device limits keep their defaults here.
        ["Limits__SignInPerAddressBurst"] = "1000000",
        ["Limits__SignInPerAddressPerMinute"] = "1000000",
        ["Limits__OperatorBurst"] = "1000000",
        ["Limits__OperatorPerSecond"] = "1000000",
        ["Limits__PublicPerAddressBurst"] = "1000000",
        ["Limits__PublicPerAddressPerMinute"] = "1000000",
        // The gateways serve the built wall screen (src/Dashboard/dist, built by scripts/test.sh) for the browser tests.
        ["ASPNETCORE_WEBROOT"] = Path.Combine(RepositoryPaths.Root, "src", "Dashboard", "dist"),
    };

    public ChildProcess StartSilo(string name, Dictionary<string, string>? settings = null)
    {
        var environment = CommonEnvironment();
        environment["Orleans__SiloPort"] = FreePort.Next().ToString();
        environment["Orleans__GatewayPort"] = FreePort.Next().ToString();
        var health = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        environment["Silo__HealthUrl"] = health.ToString();
        var metrics = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        environment["Telemetry__ScrapeUrl"] = metrics.ToString();
        foreach (var (key, value) in settings ?? [])
        {
            environment[key] = value;
        }
        var silo = Track(ChildProcess.Start(name, RepositoryPaths.Output("src/Silo", "OpsCentre.Silo"), environment));
        lock (_siloHealth)
        {
            _siloHealth[silo] = health;
            _siloMetrics[silo] = metrics;
        }

        return silo;
    }

    /// <summary>
    /// A new silo joins and <see cref="FirstSilo"/> stops (a rolling restart); the new one is <see cref="FirstSilo"/> from
    /// then on, so later tests that read the serving silo's health or metrics reach a live process.
    /// </summary>
    public async Task<ChildProcess> ReplaceFirstSiloAsync(string name)
    {
        var replacement = StartSilo(name);
        await WaitForActiveSilosAsync(Http, 2);
        await FirstSilo.StopAsync(TimeSpan.FromSeconds(30));
        await WaitForActiveSilosAsync(Http, 1);
        FirstSilo = replacement;
        return replacement;
    }

    /// <summary>
    /// <see cref="FirstSilo"/> stops, <paramref name="whileStopped"/> runs with no silo in the cluster, and a new silo starts and
    /// becomes <see cref="FirstSilo"/> (a full restart, not a rolling one).
    /// </summary>
    public async Task<ChildProcess> RestartFirstSiloAsync(string name, Func<Task>? whileStopped = null)
    {
        await FirstSilo.StopAsync(TimeSpan.FromSeconds(30));
        if (whileStopped is not null)
        {
            await whileStopped();
        }

        FirstSilo = StartSilo(name);
        await WaitForActiveSilosAsync(Http, 1, timeoutSeconds: 90);
        return FirstSilo;
    }

    /// <summary>Where <paramref name="silo"/>, started by <see cref="StartSilo"/>, answers <c>/health/live</c> and <c>/health/ready</c> (<c>Silo:HealthUrl</c>).</summary>
    public Uri SiloHealthUrl(ChildProcess silo)
    {
        lock (_siloHealth)
        {
            return _siloHealth[silo];
        }
    }

    /// <summary>Where <paramref name="silo"/>, started by <see cref="StartSilo"/>, answers <c>/metrics</c> to a local scraper (<c>Telemetry:ScrapeUrl</c>).</summary>
    public Uri SiloMetricsUrl(ChildProcess silo)
    {
        lock (_siloHealth)
        {
            return _siloMetrics[silo];
        }
    }

    public (ChildProcess Process, Uri Url) StartGateway(string name, Uri? url = null, Dictionary<string, string>? settings = null)
    {
        url ??= new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var environment = CommonEnvironment();
        foreach (var (key, value) in settings ?? [])
        {
            environment[key] = value;
        }

        var process = ChildProcess.Start(name, RepositoryPaths.Output("src/Gateway", "OpsCentre.Gateway"), environment, "--urls", url.ToString());
        return (Track(process), url);
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200 with exactly <paramref name="count"/> active silos.</summary>
    public static Task<JsonElement> WaitForActiveSilosAsync(HttpClient http, int count, int timeoutSeconds = 60) =>
        Eventually.HoldsAsync(
            async () =>
            {
                using var response = await http.GetAsync("/health/ready");
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                return response.IsSuccessStatusCode ? body : default;
            },
            body => body.ValueKind == JsonValueKind.Object
                && body.GetProperty("checks").GetProperty("cluster").GetProperty("data").GetProperty("activeSilos").GetInt32() == count,
            TimeSpan.FromSeconds(timeoutSeconds),
            $"/health/ready reporting {count} active silo(s)");

    public sealed record AuditEntry(string Actor, bool Unmasked, string Detail, string? Purpose);

    /// <summary>The audit trail of <paramref name="action"/> on <paramref name="subject"/>, oldest first, as the database keeps it.</summary>
    public async Task<List<AuditEntry>> AuditAsync(string subject, string action) =>
        await Db.RowsAsync("SELECT actor, unmasked, detail, purpose FROM audit_log WHERE subject = @s AND action = @a ORDER BY id",
            r => new AuditEntry(r.GetString(0), r.GetBoolean(1), r.IsDBNull(2) ? "" : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3)), ("s", subject), ("a", action));

    /// <summary>
    /// Waits out the rule refresh of every silo (<c>Alerts:RuleRefresh</c>, 1 s) after a rule change
    /// through the API: a pause, not a poll, because which rules a silo process holds is not visible
    /// from outside it.
    /// </summary>
    public static Task RuleRefreshAsync() => Task.Delay(1500);

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        foreach (var process in _processes)
        {
            await process.StopAsync(TimeSpan.FromSeconds(10));
            await process.DisposeAsync();
        }

        if (Db is not null)
        {
            await Db.DisposeAsync();
        }

        await Postgres.DisposeAsync();
        await Traces.DisposeAsync();
    }

    private ChildProcess Track(ChildProcess process)
    {
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }
}

[CollectionDefinition(nameof(SystemCollection))]
public sealed class SystemCollection : ICollectionFixture<SystemFixture>;

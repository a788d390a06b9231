using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpsCentre.Database;
using OpsCentre.Silo;
using OpsCentre.Testing;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace OpsCentre.Grains.Tests;

/// <summary>
/// One real PostgreSQL database and one two-silo cluster for the whole assembly. The silos are
/// configured by the same <see cref="SiloConfiguration.AddOpsCentreStorage"/> as production; only the
/// grain clock is a <see cref="FakeTimeProvider"/>, registered under Orleans' grain time key so
/// membership and messaging keep real time. Membership here is the test cluster's own table (Orleans
/// 10.4.2 keeps the switch internal); PostgreSQL membership is proven by the process-level tests.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public PrivatePostgres Postgres { get; private set; } = null!;

    public ProvisionedDatabase Database { get; private set; } = null!;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    /// <summary>The tiny generated city loaded into the database (through the real import path).</summary>
    public CityGen.GeneratedCity City { get; private set; } = null!;

    /// <summary>The run's allocator of the city's parts: a fresh worker, key person or grid for each test that changes one.</summary>
    public TestCity Fresh { get; private set; } = null!;

    /// <summary>The application's connection to the test database, for what a test reads or arranges beneath the grains.</summary>
    public Npgsql.NpgsqlDataSource Db { get; private set; } = null!;

    public FakeTimeProvider GrainClock { get; } = new(new DateTimeOffset(2026, 11, 29, 1, 0, 0, TimeSpan.Zero));

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        Postgres = await PrivatePostgres.StartAsync();
        Database = await Postgres.CreateDatabaseAsync("grains_tests");
        Db = Npgsql.NpgsqlDataSource.Create(Database.AppConnectionString);
        City = await CityGen.CityLoader.GenerateAndLoadAsync(Db, CityGen.CitySize.Tiny, seed: 7);
        Fresh = new TestCity(City);
        await CityGen.DemoIncidentCatalog.EnsureAsync(new OpsCentre.Grains.Incidents.IncidentCatalog(Db), [("510104", "锦江区"), ("510105", "青羊区")]);

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:OpsCentre"] = Database.AppConnectionString,
            ["Orleans:Reminders:MinimumReminderPeriod"] = "00:00:01",
            ["Devices:OfflineAfter"] = "00:02:00",
            ["Devices:SilenceReminderPeriod"] = "00:00:02",
            ["Alerts:RuleRefresh"] = "00:00:00.050",
            ["Alerts:ReminderPeriod"] = "00:00:02",
        }).Build();

        var builder = new InProcessTestClusterBuilder(2);
        var warnings = new WarningLog(WarningLog.PathBesideTests);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddLogging(logging => logging.AddProvider(warnings));
            // The registries' key (the notification dispatcher seals subscriptions' secrets with it); the test host's own configuration has none.
            silo.Services.AddSingleton(OpsCentre.Database.Registries.PersonalDataCipher.FromBase64(OpsCentre.Database.Registries.PersonalDataCipher.NewKey()));
            silo.AddOpsCentreStorage(configuration);
            silo.Services.AddKeyedSingleton<TimeProvider>(TimeProviderNames.Grains, GrainClock);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }

        if (Db is not null)
        {
            await Db.DisposeAsync();
        }

        await Postgres.DisposeAsync();
    }
}

[CollectionDefinition(nameof(ClusterCollection))]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>;

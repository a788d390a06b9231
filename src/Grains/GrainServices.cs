using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using OpsCentre.Grains.Devices;
using OpsCentre.Grains.EventLog;
using OpsCentre.Grains.Live;
using OpsCentre.Grains.Map;

namespace OpsCentre.Grains;

/// <summary>What the grains need from their host: PostgreSQL access for the tables the domain owns.</summary>
public static class GrainServices
{
    public static IServiceCollection AddOpsCentreGrainServices(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddKeyedSingleton(LiveState.Storage, (provider, _) =>
        {
            // A second pool: its dead connections must go when an outage begins, like the main one's.
            var liveState = NpgsqlDataSource.Create(LiveState.ConnectionString(connectionString));
            provider.GetRequiredService<Database.DatabaseHealth>().ClearsAlso(liveState);
            return liveState;
        });
        services.AddOpsCentreStores();
        services.AddSingleton<TrackWriter>();
        services.AddSingleton<LiveRelay>();
        services.AddSingleton<Alerts.RuleBook>();
        services.AddSingleton<Alerts.AlertWatcher>();
        services.AddSingleton<StartupGrace>();
        services.AddHostedService(sp => sp.GetRequiredService<StartupGrace>());
        services.AddSingleton<KeyPersons.UnitAreas>();
        services.AddHostedService(sp => sp.GetRequiredService<TrackWriter>());
        services.AddHostedService(sp => sp.GetRequiredService<LiveRelay>());
        services.AddHostedService<Rosters.RosterWatch>();
        return services;
    }

    /// <summary>
    /// The stores and queries over the tables the domain owns, for the silo and the gateway alike (a
    /// gateway that hosts its silo registers them once), and the process's <see cref="Database.DatabaseHealth"/>.
    /// Each needs the <see cref="NpgsqlDataSource"/>.
    /// </summary>
    public static IServiceCollection AddOpsCentreStores(this IServiceCollection services)
    {
        services.TryAddSingleton<Database.DatabaseHealth>();
        services.TryAddSingleton<EventLogStore>();
        services.TryAddSingleton<MapStore>();
        services.TryAddSingleton<GridLocator>();
        services.TryAddSingleton<Database.Devices.DeviceCredentialStore>();
        services.TryAddSingleton<Database.Audit.AuditLog>();
        services.TryAddSingleton(sp => Database.Registries.PersonalDataCipher.FromBase64(
            sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()[Database.Registries.PersonalDataCipher.ConfigurationKey]));
        services.TryAddSingleton<Database.Registries.RegistryWriter>();
        services.TryAddSingleton<Database.Registries.RegistryReader>();
        services.TryAddSingleton<Database.Registries.RegistrySearch>();
        services.TryAddSingleton<Alerts.AlertRuleStore>();
        services.TryAddSingleton<Alerts.AlertQueries>();
        services.TryAddSingleton<Alerts.SupervisionQueries>();
        services.TryAddSingleton<Incidents.IncidentCatalog>();
        services.TryAddSingleton<Incidents.IncidentKpis>();
        services.TryAddSingleton<Incidents.IncidentQueries>();
        services.TryAddSingleton<KeyPersons.KeyPersonRecords>();
        services.TryAddSingleton<KeyPersons.HandOvers>();
        services.TryAddSingleton<KeyPersons.TravelLeaves>();
        services.TryAddSingleton<KeyPersons.CorrectionsOfficers>();
        services.TryAddSingleton<KeyPersons.ReleaseNotices>();
        services.TryAddSingleton<KeyPersons.Aftercare>();
        services.TryAddSingleton<Mediation.MediationCases>();
        services.TryAddSingleton<Drills.DrillRuns>();
        services.TryAddSingleton<Campaigns.CampaignStore>();
        services.TryAddSingleton<Incidents.ResponsibilityList>();
        services.TryAddSingleton<Registries.PropertyCompanies>();
        services.TryAddSingleton<KeyPersons.SupervisionSchedules>();
        services.TryAddSingleton<Workers.WorkerRoster>();
        services.TryAddSingleton<Units.UnitMembers>();
        services.TryAddSingleton<Imports.ImportJobStore>();
        services.TryAddSingleton<Database.Notifications.NotificationStore>();
        return services;
    }
}

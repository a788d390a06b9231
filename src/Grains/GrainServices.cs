using Microsoft.Extensions.DependencyInjection;
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
        services.AddKeyedSingleton(LiveState.Storage, (_, _) => NpgsqlDataSource.Create(LiveState.ConnectionString(connectionString)));
        services.AddSingleton<EventLogStore>();
        services.AddSingleton<MapStore>();
        services.AddSingleton<GridLocator>();
        services.AddSingleton<TrackWriter>();
        services.AddSingleton<LiveRelay>();
        services.AddSingleton<Database.Devices.DeviceCredentialStore>();
        services.AddSingleton<Alerts.AlertRuleStore>();
        services.AddSingleton<Alerts.RuleBook>();
        services.AddSingleton<Alerts.AlertWatcher>();
        services.AddSingleton<Incidents.IncidentCatalog>();
        services.AddSingleton<Incidents.IncidentKpis>();
        services.AddSingleton<KeyPersons.UnitAreas>();
        services.AddHostedService(sp => sp.GetRequiredService<TrackWriter>());
        services.AddHostedService(sp => sp.GetRequiredService<LiveRelay>());
        return services;
    }
}

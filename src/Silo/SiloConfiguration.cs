using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsCentre.Grains;
using OpsCentre.Grains.Notifications;
using OpsCentre.ServiceDefaults;
using OpsCentre.Silo.Storage;
using Orleans.Configuration;

namespace OpsCentre.Silo;

/// <summary>How an OpsCentre silo is put together; shared by the silo process and the test clusters.</summary>
public static class SiloConfiguration
{
    /// <summary>
    /// The whole silo: <see cref="AddOpsCentreEndpoints"/>, <see cref="AddOpsCentreStorage"/> and the Orleans Dashboard's
    /// silo side (<see cref="OrleansDashboardSetup"/>). Used by the silo process and by a gateway that hosts its own silo.
    /// </summary>
    public static ISiloBuilder AddOpsCentreSilo(this ISiloBuilder silo, IConfiguration configuration) =>
        silo.AddOpsCentreEndpoints(configuration).AddOpsCentreStorage(configuration).AddOpsCentreDashboard(configuration);

    /// <summary>
    /// PostgreSQL for membership, grain state (JSON, see <see cref="JsonGrainStateSerializer"/>) and
    /// reminders, and membership timings from <c>Orleans:Membership</c> (tests shorten them).
    /// </summary>
    public static ISiloBuilder AddOpsCentreStorage(this ISiloBuilder silo, IConfiguration configuration)
    {
        var connectionString = ClusterSettings.ConnectionString(configuration);
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = ClusterSettings.Invariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorageAsDefault(o =>
        {
            o.Invariant = ClusterSettings.Invariant;
            o.ConnectionString = connectionString;
            o.GrainStorageSerializer = new JsonGrainStateSerializer();
        });
        silo.AddAdoNetGrainStorage(LiveState.Storage, o =>
        {
            o.Invariant = ClusterSettings.Invariant;
            o.ConnectionString = LiveState.ConnectionString(connectionString);
            o.GrainStorageSerializer = new JsonGrainStateSerializer();
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = ClusterSettings.Invariant;
            o.ConnectionString = connectionString;
        });
        // Bound from the configuration given (not the host's), so test clusters can pass their own.
        silo.Services.AddOptions<ClusterMembershipOptions>().Bind(configuration.GetSection("Orleans:Membership"));
        silo.Services.AddOptions<ReminderOptions>().Bind(configuration.GetSection("Orleans:Reminders"));
        // Validated when the silo starts: a bad value stops it with a message naming the setting (docs/operations.md).
        silo.Services.AddOptions<Grains.Devices.DeviceOptions>().Bind(configuration.GetSection(Grains.Devices.DeviceOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        silo.Services.AddOptions<Grains.Alerts.AlertOptions>().Bind(configuration.GetSection("Alerts")).ValidateDataAnnotations().ValidateOnStart();
        silo.Services.AddOptions<Grains.Map.MapOptions>().Bind(configuration.GetSection(Grains.Map.MapOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        silo.Services.AddOpsCentreGrainServices(connectionString);
        silo.Services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        // Every silo sends the outbox; they share it (docs/notifications.md).
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.AddHostedService<NotificationDispatcher>();
        return silo;
    }

    /// <summary>
    /// Cluster identity and this silo's endpoints: <c>Orleans:SiloPort</c> (default 11111),
    /// <c>Orleans:GatewayPort</c> (default 30000), <c>Orleans:AdvertisedIP</c> (default 127.0.0.1).
    /// Several silos on one machine need distinct ports.
    /// </summary>
    public static ISiloBuilder AddOpsCentreEndpoints(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Configure<ClusterOptions>(o => ClusterSettings.Apply(o, configuration));
        // Grain calls carry their caller's trace onwards (docs/operations.md, "Traces").
        silo.AddActivityPropagation();
        silo.AddOpsCentreTls(configuration);
        silo.Configure<Orleans.Serialization.ExceptionSerializationOptions>(ClusterSettings.Apply);
        var address = IPAddress.Parse(configuration["Orleans:AdvertisedIP"] ?? "127.0.0.1");
        silo.ConfigureEndpoints(
            address,
            configuration.GetValue("Orleans:SiloPort", 11111),
            configuration.GetValue("Orleans:GatewayPort", 30000),
            listenOnAnyHostAddress: false);
        return silo;
    }
}

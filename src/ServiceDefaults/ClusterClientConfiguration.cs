using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace OpsCentre.ServiceDefaults;

/// <summary>The Orleans client every non-silo process uses: finds every silo's gateway through PostgreSQL membership.</summary>
public static class ClusterClientConfiguration
{
    /// <summary>
    /// Adds the Orleans client. It keeps trying to reach the cluster while it starts (silos may come
    /// up after the gateway), and refreshes the gateway list every <c>Orleans:GatewayListRefreshSeconds</c> (default 5).
    /// </summary>
    public static IHostApplicationBuilder AddOpsCentreClusterClient(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var connectionString = ClusterSettings.ConnectionString(configuration);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => ClusterSettings.Apply(o, configuration));
            // A grain call carries the caller's trace (W3C trace context) to the silo: one trace from request to storage.
            client.AddActivityPropagation();
            client.AddOpsCentreTls(configuration);
            client.Configure<Orleans.Serialization.ExceptionSerializationOptions>(ClusterSettings.Apply);
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = ClusterSettings.Invariant;
                o.ConnectionString = connectionString;
            });
            client.Configure<GatewayOptions>(o =>
                o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(configuration.GetValue("Orleans:GatewayListRefreshSeconds", 5)));
            client.UseConnectionRetryFilter(async (exception, cancellationToken) =>
            {
                // Runs before the host's logging exists: log through Serilog's static logger.
                Serilog.Log.ForContext("SourceContext", "OpsCentre.ClusterClient")
                    .Warning("Cluster not reachable yet ({Reason}); retrying in 2 s", exception.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                return !cancellationToken.IsCancellationRequested;
            });
        });
        return builder;
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace OpsCentre.ServiceDefaults;

/// <summary>The Orleans client every non-silo process uses: finds every silo's gateway through PostgreSQL membership.</summary>
public static partial class ClusterClientConfiguration
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
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = ClusterSettings.Invariant;
                o.ConnectionString = connectionString;
            });
            client.Configure<GatewayOptions>(o =>
                o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(configuration.GetValue("Orleans:GatewayListRefreshSeconds", 5)));
            client.UseConnectionRetryFilter(async (exception, cancellationToken) =>
            {
                LogRetrying(StartupLogger(builder), exception.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                return !cancellationToken.IsCancellationRequested;
            });
        });
        return builder;
    }

    private static ILogger StartupLogger(IHostApplicationBuilder builder) =>
        new Serilog.Extensions.Logging.SerilogLoggerFactory(Serilog.Log.Logger).CreateLogger("OpsCentre.ClusterClient");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster not reachable yet ({Reason}); retrying in 2 s")]
    private static partial void LogRetrying(ILogger logger, string reason);
}

using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace OpsCentre.Gateway.Health;

/// <summary>Healthy when a grain call through the cluster answers; reports the active silos.</summary>
internal sealed class ClusterHealthCheck(IClusterClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(cancellationToken);
            var data = new Dictionary<string, object>
            {
                ["activeSilos"] = hosts.Count,
                ["silos"] = hosts.Keys.Select(s => s.ToString()).ToArray(),
            };
            return hosts.Count > 0
                ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)", data)
                : HealthCheckResult.Unhealthy("no active silo", data: data);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException or SiloUnavailableException)
        {
            return HealthCheckResult.Unhealthy("cluster unreachable", ex);
        }
    }
}

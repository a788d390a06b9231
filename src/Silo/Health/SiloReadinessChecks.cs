using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpsCentre.Grains.Map;
using Orleans.Runtime;

namespace OpsCentre.Silo.Health;

/// <summary>Healthy when this silo is <see cref="SiloStatus.Active"/> in the cluster's membership; names its status otherwise (joining, shutting down, dead).</summary>
public sealed class MembershipHealthCheck(ILocalSiloDetails silo, ISiloStatusOracle membership) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentStatus;
        var data = new Dictionary<string, object> { ["silo"] = silo.SiloAddress.ToString(), ["status"] = status.ToString() };
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy("active in the cluster's membership", data)
            : HealthCheckResult.Unhealthy($"not active in the cluster's membership ({status})", data: data));
    }
}

/// <summary>
/// Healthy when the silo's grid index (<see cref="GridLocator"/>, which places statuses in grids) is
/// built from <c>unit_map</c>; degraded — still ready — while the map holds no grid yet (a new
/// deployment before its first import), unhealthy when it cannot be read.
/// </summary>
public sealed class MapHealthCheck(GridLocator grids) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var index = await grids.IndexAsync(cancellationToken);
            var data = new Dictionary<string, object> { ["grids"] = index.Count };
            return index.Count > 0
                ? HealthCheckResult.Healthy($"map loaded: {index.Count} grid(s)", data)
                : HealthCheckResult.Degraded("the map holds no grid yet: import the city's map", data: data);
        }
        catch (Npgsql.NpgsqlException ex)
        {
            return HealthCheckResult.Unhealthy("map not loaded: PostgreSQL unreachable", ex);
        }
    }
}

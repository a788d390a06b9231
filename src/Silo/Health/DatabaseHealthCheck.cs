using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using OpsCentre.Database;

namespace OpsCentre.Silo.Health;

/// <summary>Healthy when PostgreSQL answers a query on the application's connection; tells the process's <see cref="DatabaseHealth"/> either way.</summary>
public sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource, DatabaseHealth health) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            health.Succeeded();
            return HealthCheckResult.Healthy("PostgreSQL answers");
        }
        catch (NpgsqlException ex)
        {
            if (DatabaseHealth.IsUnreachable(ex))
            {
                health.Failed(ex);
            }

            return HealthCheckResult.Unhealthy("PostgreSQL unreachable", ex);
        }
    }
}

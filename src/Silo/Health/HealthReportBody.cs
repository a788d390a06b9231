using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OpsCentre.Silo.Health;

/// <summary>
/// The JSON body of a process's health answer, the same for the silo and the gateway:
/// <c>{"status":"Unhealthy","missing":["database: PostgreSQL unreachable"],"checks":{"database":{"status","description","data"}}}</c>.
/// <c>missing</c> lists the checks that keep the process from being ready, each with what it found.
/// </summary>
public static class HealthReportBody
{
    public static object From(HealthReport report) => new
    {
        status = report.Status.ToString(),
        missing = report.Entries
            .Where(e => e.Value.Status == HealthStatus.Unhealthy)
            .Select(e => $"{e.Key}: {e.Value.Description ?? e.Value.Exception?.Message ?? "unhealthy"}")
            .ToArray(),
        checks = report.Entries.ToDictionary(
            e => e.Key,
            e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
    };

    /// <summary>200 while ready (healthy or degraded), 503 when a check is unhealthy.</summary>
    public static int StatusCode(HealthReport report) => report.Status == HealthStatus.Unhealthy ? 503 : 200;
}

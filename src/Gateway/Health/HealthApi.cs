using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpsCentre.Silo.Health;

namespace OpsCentre.Gateway.Health;

/// <summary><c>/health/live</c> (the process runs) and <c>/health/ready</c> (the cluster and PostgreSQL answer).</summary>
public static class HealthApi
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddOpsCentreHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<ClusterHealthCheck>("cluster", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(5))
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(5));
        return services;
    }

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync })
            .AllowAnonymous();
        return app;
    }

    // The silo's body (HealthReportBody): the checks, and under "missing" what keeps the gateway from being ready.
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, HealthReportBody.From(report), JsonSerializerOptions.Web, context.RequestAborted);
    }
}

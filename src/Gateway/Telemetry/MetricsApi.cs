using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using OpsCentre.Gateway.ClusterDashboard;
using OpsCentre.ServiceDefaults;

namespace OpsCentre.Gateway.Telemetry;

/// <summary>
/// <c>GET /metrics</c> (运行指标): every meter of this gateway in Prometheus' text format, for the city's administrators only
/// (<see cref="Auth.Permission.WatchCluster"/>, as the Orleans Dashboard: no credential 401, anyone else signed in 403). A
/// scraper that holds no token reads the same on the loopback <c>Telemetry:ScrapeUrl</c> instead (docs/operations.md).
/// </summary>
public static class MetricsApi
{
    public const string Path = "/metrics";

    private static readonly AuthorizationPolicy CityAdministrators = new AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme)
        .RequireAuthenticatedUser()
        .RequireAssertion(context => OrleansDashboardApi.Deny(context.User) is null)
        .Build();

    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        if (OpsCentreTelemetry.IsEnabled(app.ServiceProvider.GetRequiredService<IConfiguration>()))
        {
            // The exporter's own format, not OpsCentre's API: kept out of the API document.
            app.MapPrometheusScrapingEndpoint(Path).RequireAuthorization(CityAdministrators).ExcludeFromDescription();
        }

        return app;
    }
}

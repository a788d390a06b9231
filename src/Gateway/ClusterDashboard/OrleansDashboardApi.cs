using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Dashboard;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Silo;

namespace OpsCentre.Gateway.ClusterDashboard;

/// <summary>
/// The Orleans Dashboard (集群监控) at <c>/orleans-dashboard/</c>: the package's own pages and data endpoints, served to
/// the city's administrators only (<see cref="Permission.WatchCluster"/>; anyone else signed in 403, no credential 401).
/// The web app holds its bearer token in script, and a browser opening a page sends no header, so an administrator first
/// asks <c>POST /api/v1/orleans-dashboard/session</c> with the token: the answer sets it as an HttpOnly, SameSite=Strict
/// cookie valid on the dashboard's path only, until the token expires (<see cref="OperatorBearerEvents"/> reads it
/// there and nowhere else). Every dashboard request is then checked as any bearer request is: signature, lifetime, the
/// account still in good standing, the per-token limit. Grain state is not shown: the dashboard would call grains'
/// methods and show key persons' data in clear, past the audited read.
/// </summary>
public static class OrleansDashboardApi
{
    /// <summary>Where the dashboard's pages and data live.</summary>
    public const string Path = "/orleans-dashboard";

    /// <summary>The cookie that carries an administrator's access token to the dashboard's path, and to no other.</summary>
    public const string CookieName = "opscentre-orleans-dashboard";

    /// <summary>
    /// The dashboard's client side when the gateway is an Orleans client (a gateway that hosts its silo has it from the
    /// silo's side already), unless <see cref="OrleansDashboardSetup.EnabledSetting"/> is false.
    /// </summary>
    public static IHostApplicationBuilder AddOpsCentreOrleansDashboard(this IHostApplicationBuilder builder)
    {
        if (OrleansDashboardSetup.IsEnabled(builder.Configuration) && !builder.Configuration.GetValue<bool>("Gateway:HostSilo"))
        {
            builder.UseOrleansClient(client => client.AddDashboard(OrleansDashboardSetup.Configure));
        }

        return builder;
    }

    public static IEndpointRouteBuilder MapOrleansDashboardApi(this IEndpointRouteBuilder app)
    {
        if (!OrleansDashboardSetup.IsEnabled(app.ServiceProvider.GetRequiredService<IConfiguration>()))
        {
            return app;
        }

        // The package's endpoints are its own API, not OpsCentre's: kept out of the API document.
        app.MapOrleansDashboard(Path)
            .AddEndpointFilter(async (context, next) =>
            {
                if (Deny(context.HttpContext.User) is { } denied)
                {
                    return denied;
                }

                return ShowsGrainState(context.HttpContext.Request)
                    ? Problems.Forbidden("Grain state is not shown", "Reading a grain's state calls its methods and shows personal data past the audited read.")
                    : await next(context);
            })
            .ExcludeFromDescription();

        app.MapPost("/api/v1/orleans-dashboard/session", Results<NoContent, ProblemHttpResult> (HttpContext context) =>
        {
            if (Deny(context.User) is { } denied)
            {
                return denied;
            }

            // The bearer token this request was authenticated with (off the hub's path a token comes only in the header),
            // and its expiry: the cookie lives no longer than the token.
            var header = context.Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || !long.TryParse(context.User.FindFirst("exp")?.Value, out var exp))
            {
                return Problems.Unauthorized("Send the access token in the Authorization header");
            }

            context.Response.Cookies.Append(CookieName, header["Bearer ".Length..].Trim(), new CookieOptions
            {
                HttpOnly = true,
                Secure = context.Request.IsHttps,
                SameSite = SameSiteMode.Strict,
                Path = Path,
                Expires = DateTimeOffset.FromUnixTimeSeconds(exp),
                IsEssential = true,
            });
            context.Response.Headers.CacheControl = "no-store";
            return TypedResults.NoContent();
        })
        .WithTags("Operations")
        .WithName("OpenOrleansDashboardSession")
        .WithSummary("Open the Orleans Dashboard in this browser: sets the caller's access token as a cookie valid on /orleans-dashboard/ only, "
            + "until the token expires; then open /orleans-dashboard/. The city's administrators only.");

        return app;
    }

    /// <summary>The cookie's token, for a request to the dashboard's path that carries no Authorization header.</summary>
    public static string? CookieToken(HttpRequest request) =>
        request.Path.StartsWithSegments(Path) && request.Headers.Authorization.Count == 0
        && request.Cookies.TryGetValue(CookieName, out var token) && token.Length > 0 ? token : null;

    /// <summary>403 unless the caller is an administrator of the city itself (a 4-digit unit): the cluster is the whole city's.</summary>
    internal static ProblemHttpResult? Deny(ClaimsPrincipal user) =>
        !Roles.Allows(user.RoleOf(), Permission.WatchCluster) ? Problems.Forbidden()
        : user.UnitCodeOf().Length != 4 ? Problems.Forbidden("Only the city's administrators watch the cluster", "The cluster serves the whole city.")
        : null;

    private static bool ShowsGrainState(HttpRequest request) =>
        request.Path.Value?.EndsWith("/GrainState", StringComparison.OrdinalIgnoreCase) == true;
}

using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace OpsCentre.Gateway.Auth;

/// <summary>
/// <c>GET /api/v1/auth/me</c>: who the caller is and which functions their role holds, so the console shows only the
/// pages and controls the server would allow. The server still decides every call; this only saves a user from
/// controls that would be refused.
/// </summary>
public static partial class MeApi
{
    /// <summary>The signed-in caller: username, role, unit and the role's functions in kebab case (<c>handle-incidents</c>…).</summary>
    public sealed record MeResponse(string Username, string Role, string UnitCode, IReadOnlyList<string> Permissions);

    /// <summary>Every function by its wire name (<c>Permission.HandleIncidents</c> → <c>handle-incidents</c>).</summary>
    public static IReadOnlyDictionary<Permission, string> WireNames { get; } =
        Enum.GetValues<Permission>().ToDictionary(p => p, p => Kebab().Replace(p.ToString(), "$1-$2").ToLowerInvariant());

    public static RouteGroupBuilder MapMeApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/auth").WithTags("Auth");

        group.MapGet("/me", Ok<MeResponse> (HttpContext context) =>
        {
            var user = context.User;
            var permissions = WireNames.Where(p => Roles.Allows(user, p.Key)).Select(p => p.Value).ToList();
            return TypedResults.Ok(new MeResponse(user.Username(), user.RoleOf() ?? "", user.UnitCodeOf(), permissions));
        })
        .WithSummary("The caller: username, role, unit code and the functions the role holds (kebab case), for clients that "
            + "show only what the server would allow.");

        return group;
    }

    [GeneratedRegex("([a-z])([A-Z])")]
    private static partial Regex Kebab();
}

using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Gateway.Auth;

namespace OpsCentre.Gateway.Units;

/// <summary><c>GET /api/v1/units/{code}</c>: a unit with its counters and children, within the caller's scope.</summary>
public static class UnitsApi
{
    public static RouteGroupBuilder MapUnitsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/units").WithTags("Units");

        group.MapGet("/{code}", Results<Ok<UnitView>, ProblemHttpResult> (string code, HttpContext context, UnitDirectory units) =>
        {
            if (ScopeGuard.Deny(context.User, code, Permission.ViewUnits) is { } denied)
            {
                return denied;
            }

            return units.Describe(code) is { } unit
                ? TypedResults.Ok(unit)
                : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found");
        })
        .WithSummary("A unit with its live counters and its children.");

        return group;
    }
}

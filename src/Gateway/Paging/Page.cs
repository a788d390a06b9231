using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Grains.Units;

namespace OpsCentre.Gateway.Paging;

/// <summary>The checks every <c>?unit=&amp;limit=&amp;after=</c> listing makes before it reads anything.</summary>
public static class UnitListing
{
    /// <summary>
    /// A problem response for a bad or out-of-scope request, or one the role may not make (<paramref name="permission"/>,
    /// by default <see cref="Permission.ViewUnits"/>); otherwise null and the number of items to take.
    /// </summary>
    public static ProblemHttpResult? Check(string? unit, int? limit, ClaimsPrincipal user, out int take, Permission permission = Permission.ViewUnits)
    {
        take = 0;
        if (!UnitCode.IsValid(unit) || limit is < 1 or > Page<object>.MaxLimit)
        {
            return Problems.BadRequest($"unit must be a unit code; limit between 1 and {Page<object>.MaxLimit}");
        }

        take = limit ?? Page<object>.DefaultLimit;
        return ScopeGuard.Deny(user, unit, permission);
    }
}

/// <summary>A page of a list: <c>{"items":[...],"next":"&lt;cursor or null&gt;"}</c>; pass <c>next</c> as <c>after</c> for the following page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>Builds a page from up to limit + 1 rows: the extra row only says that there is more.</summary>
    public static Page<T> From(List<T> rows, int limit, Func<T, string> key) =>
        rows.Count > limit ? new Page<T>(rows[..limit], key(rows[limit - 1])) : new Page<T>(rows, null);
}

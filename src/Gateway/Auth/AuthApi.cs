using Microsoft.AspNetCore.Http.HttpResults;
using OpsCentre.Gateway.Hosting;
using OpsCentre.Gateway.Limits;

namespace OpsCentre.Gateway.Auth;

/// <summary>Operator sign-in: <c>/api/v1/auth/token</c>, <c>/refresh</c>, <c>/revoke</c>.</summary>
public static class AuthApi
{
    public sealed record TokenRequest(string? Username, string? Password);

    public sealed record RefreshRequest(string? RefreshToken);

    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/auth").WithTags("Auth").AllowAnonymous();

        group.MapPost("/token", async Task<Results<Ok<TokenResponse>, ProblemHttpResult, RetryLaterProblem>> (TokenRequest request, TokenService tokens, CancellationToken ct) =>
        {
            if (string.IsNullOrEmpty(request.Username) || string.IsNullOrEmpty(request.Password))
            {
                return Problems.BadRequest("username and password are required");
            }

            var outcome = await tokens.SignInAsync(request.Username, request.Password, ct);
            if (outcome.Issued is { } issued)
            {
                return TypedResults.Ok(issued);
            }

            if (outcome.LockedFor is { } wait)
            {
                return Problems.TooManyRequests(wait, "Too many failed sign-ins; try again later");
            }

            return Problems.Unauthorized("Unknown user or wrong password");
        })
        .RequireRateLimiting(LimitsSetup.SignInPolicy)
        .WithSummary("Sign in with username and password; returns an access token and a refresh token. "
            + "Limited per client address, and repeated failures lock the username for a while: 429 with Retry-After.");

        group.MapPost("/refresh", async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> (RefreshRequest request, TokenService tokens, CancellationToken ct) =>
        {
            if (string.IsNullOrEmpty(request.RefreshToken))
            {
                return Problems.BadRequest("refreshToken is required");
            }

            return await tokens.RefreshAsync(request.RefreshToken, ct) is { } issued
                ? TypedResults.Ok(issued)
                : Problems.Unauthorized("The refresh token is not valid");
        })
        .WithSummary("Exchange a refresh token for a new pair. Each refresh token works once; reusing one revokes its whole chain. "
            + "A chain ends Auth:RefreshChainLifetime (7 days) after its sign-in, however often it rotates; a disabled account's refresh fails.");

        group.MapPost("/revoke", async Task<Results<NoContent, ProblemHttpResult>> (RefreshRequest request, TokenService tokens, CancellationToken ct) =>
        {
            if (string.IsNullOrEmpty(request.RefreshToken))
            {
                return Problems.BadRequest("refreshToken is required");
            }

            await tokens.RevokeAsync(request.RefreshToken, ct);
            return TypedResults.NoContent();
        })
        .WithSummary("Sign out: revoke the refresh token's whole chain (every token rotated from or into it), so none of them refreshes again. 204, for an unknown token too.");

        return group;
    }
}

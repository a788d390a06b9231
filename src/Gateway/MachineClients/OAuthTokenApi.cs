using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using OpsCentre.Database.MachineClients;
using OpsCentre.Gateway.Auth;
using OpsCentre.Gateway.Limits;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace OpsCentre.Gateway.MachineClients;

/// <summary>
/// <c>POST /api/v1/oauth/token</c>: OAuth 2.0 client credentials (RFC 6749 §4.4) for machine clients. OpenIddict reads and
/// validates the request and writes the answer (RFC 6749 errors, not problem details, as OAuth clients expect); this endpoint
/// checks the client and its secret and says what its token carries.
/// </summary>
public static partial class OAuthTokenApi
{
    /// <summary>The form of a token request, for the API document; OpenIddict reads the request itself.</summary>
    public sealed record TokenForm(
        [property: FromForm(Name = "grant_type")] string GrantType,
        [property: FromForm(Name = "client_id")] string ClientId,
        [property: FromForm(Name = "client_secret")] string ClientSecret,
        [property: FromForm(Name = "scope")] string? Scope);

    /// <summary>The answer of a token request (RFC 6749 §5.1).</summary>
    public sealed record TokenAnswer(
        [property: System.Text.Json.Serialization.JsonPropertyName("access_token")] string AccessToken,
        [property: System.Text.Json.Serialization.JsonPropertyName("token_type")] string TokenType,
        [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] int ExpiresIn,
        [property: System.Text.Json.Serialization.JsonPropertyName("scope")] string Scope);

    /// <summary>A client id: 3 to 64 characters, a-z, 0-9, '.', '_', '-', starting with a letter or digit (as usernames).</summary>
    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9._-]{2,63}$")]
    private static partial System.Text.RegularExpressions.Regex ClientIdPattern();

    public static bool IsClientId(string? clientId) => clientId is not null && ClientIdPattern().IsMatch(clientId);

    public static RouteHandlerBuilder MapOAuthTokenApi(this IEndpointRouteBuilder app) =>
        app.MapPost("/" + MachineClientsSetup.TokenPath, IssueAsync)
            .WithTags("Auth")
            .AllowAnonymous()
            .RequireRateLimiting(LimitsSetup.SignInPolicy)
            .Accepts<TokenForm>("application/x-www-form-urlencoded")
            .Produces<TokenAnswer>()
            .WithSummary("OAuth 2.0 client credentials for a departmental system's machine client: form fields grant_type=client_credentials, client_id, "
                + "client_secret (or HTTP Basic), optional scope (space-separated permissions; default all the client's). Answers "
                + "{access_token, token_type: Bearer, expires_in, scope}; errors are OAuth's ({error, error_description}): a wrong secret, an "
                + "unknown or disabled client 401 invalid_client, a permission the client lacks 400 invalid_scope. Limited per client address like sign-in.");

    private static async Task<IResult> IssueAsync(
        HttpContext context, MachineClientStore clients, MachineClientStanding standing, Microsoft.Extensions.Options.IOptions<AuthOptions> auth, CancellationToken ct)
    {
        var request = context.GetOpenIddictServerRequest();
        if (request is null || !request.IsClientCredentialsGrantType() || request.ClientId is not { } clientId || request.ClientSecret is not { } secret)
        {
            return Refuse(Errors.InvalidRequest, "grant_type=client_credentials with client_id and client_secret");
        }

        if (await clients.VerifyAsync(clientId, secret, ct) is not { } client)
        {
            return Refuse(Errors.InvalidClient, "Unknown client or wrong secret");
        }

        var asked = request.GetScopes();
        if (asked.FirstOrDefault(p => !client.Permissions.Contains(p)) is { } lacking)
        {
            return Refuse(Errors.InvalidScope, $"The client is not registered for {lacking}");
        }

        var granted = asked.IsEmpty ? client.Permissions.ToArray() : [.. asked];
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, OpsClaims.Subject, OpsClaims.Role);
        identity.AddClaim(new Claim(OpsClaims.Subject, MachineClientStanding.Subject(client.ClientId)));
        identity.AddClaim(new Claim(OpsClaims.Name, client.DisplayName));
        identity.AddClaim(new Claim(OpsClaims.Role, Roles.Client));
        identity.AddClaim(new Claim(OpsClaims.UnitCode, client.UnitCode));
        identity.AddClaim(new Claim(OpsClaims.RatePerSecond, client.PerSecond.ToString(CultureInfo.InvariantCulture)));
        identity.AddClaim(new Claim(OpsClaims.RateBurst, client.Burst.ToString(CultureInfo.InvariantCulture)));
        foreach (var permission in granted)
        {
            identity.AddClaim(new Claim(OpsClaims.Permission, permission));
        }

        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(granted);
        principal.SetResources(auth.Value.Issuer);
        principal.SetDestinations(_ => [Destinations.AccessToken]);
        standing.Put(client);
        return Results.SignIn(principal, null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static IResult Refuse(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}

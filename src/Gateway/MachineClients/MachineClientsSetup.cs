using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpsCentre.Database.MachineClients;
using OpsCentre.Gateway.Auth;

namespace OpsCentre.Gateway.MachineClients;

/// <summary>
/// OAuth 2.0 client credentials for departmental systems, served by OpenIddict's server in degraded mode: no OpenIddict stores
/// (no EF Core), our own table of clients (<see cref="MachineClientStore"/>), the client and its secret checked by the token
/// endpoint (<see cref="OAuthTokenApi"/>, OpenIddict's passthrough). Tokens are JWTs signed with the operators' key
/// (<see cref="AuthOptions.CurrentKey"/>, not encrypted), so the one JWT bearer handler validates both, and a client is a
/// principal the usual scope checks understand (role <see cref="Roles.Client"/>, its unit, its permissions).
/// </summary>
public static class MachineClientsSetup
{
    /// <summary>The token endpoint, relative as OpenIddict wants it.</summary>
    public const string TokenPath = "api/v1/oauth/token";

    /// <summary>
    /// The issuer of clients' tokens. OpenIddict needs an absolute URI, operators' tokens are issued by <see cref="AuthOptions.Issuer"/>
    /// (<c>opscentre</c>): that when it is one, else <c>urn:</c> before it. Both are accepted by <see cref="TokenService.ValidationParameters"/>.
    /// </summary>
    public static Uri Issuer(AuthOptions options) =>
        Uri.TryCreate(options.Issuer, UriKind.Absolute, out var uri) ? uri : new Uri("urn:" + options.Issuer);

    public static IHostApplicationBuilder AddOpsCentreMachineClients(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MachineClientOptions>()
            .BindConfiguration(MachineClientOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<MachineClientStore>();
        builder.Services.AddSingleton<MachineClientStanding>();

        var auth = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        builder.Services.AddOpenIddict().AddServer(server =>
        {
            server.SetTokenEndpointUris(TokenPath);
            server.AllowClientCredentialsFlow();
            server.RegisterScopes([.. ClientPermissions.All]);
            server.SetIssuer(Issuer(auth));
            server.SetAccessTokenLifetime(TimeSpan.FromMinutes(auth.AccessTokenMinutes));
            server.EnableDegradedMode();
            server.DisableTokenStorage();
            server.DisableAccessTokenEncryption();
            if (AuthOptions.HasUsableKey(auth))
            {
                // The operators' current key, with its kid: one key to rotate, one bearer handler to validate.
                server.AddSigningKey(auth.CurrentKey());
            }

            // OpenIddict wants an asymmetric signing key (for identity tokens, which this server never issues) and an
            // encryption key although nothing of the client credentials flow is encrypted: ephemeral ones, per process. It signs
            // access tokens with the symmetric key above, which it prefers where one may be used.
            server.AddEphemeralSigningKey();
            server.AddEphemeralEncryptionKey();

            // The token endpoint answers over plain HTTP too: TLS is Kestrel's or the reverse proxy's (docs/integration.md).
            server.UseAspNetCore().EnableTokenEndpointPassthrough().DisableTransportSecurityRequirement();

            // Degraded mode checks no client by itself: a request whose client_id cannot be one is refused here, before any
            // hashing; the endpoint checks the client and its secret against the table.
            server.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(handler => handler.UseInlineHandler(context =>
            {
                if (!OAuthTokenApi.IsClientId(context.ClientId))
                {
                    context.Reject(OpenIddictConstants.Errors.InvalidClient, "Unknown client or wrong secret");
                }

                return default;
            }));
        });
        return builder;
    }
}

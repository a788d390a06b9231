using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using OpsCentre.Database.Devices;
using OpsCentre.Database.Operators;
using OpsCentre.Gateway.Devices;

namespace OpsCentre.Gateway.Auth;

public static class AuthenticationSetup
{
    /// <summary>The SignalR hub path; only there may an access token arrive in the query string.</summary>
    public const string HubPath = "/hubs/ops";

    /// <summary>
    /// JWT bearer for operators (header, or <c>access_token</c> query on the hub path only; signed with the current
    /// key or the previous one; the account still in good standing: <see cref="OperatorBearerEvents"/>) and a fallback
    /// policy: every endpoint needs an authenticated operator unless it says otherwise. Devices' keys are
    /// checked apart, by <see cref="DeviceKeyAuthentication"/>.
    /// </summary>
    public static IHostApplicationBuilder AddOpsCentreAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.Section)
            .ValidateDataAnnotations()
            .Validate(AuthOptions.HasUsableKey, "Auth:SigningKey must be base64 of at least 32 random bytes")
            .Validate(AuthOptions.HasUsablePreviousKey, "Auth:PreviousSigningKey, when set, must be base64 of at least 32 random bytes and differ from Auth:SigningKey")
            .ValidateOnStart();

        var options = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<OperatorStore>();
        builder.Services.AddSingleton<RefreshTokenStore>();
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<AccountStanding>();
        builder.Services.AddSingleton<OperatorBearerEvents>();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(jwt =>
            {
                jwt.MapInboundClaims = false;
                if (AuthOptions.HasUsableKey(options) && AuthOptions.HasUsablePreviousKey(options))
                {
                    jwt.TokenValidationParameters = TokenService.ValidationParameters(options);
                }

                jwt.EventsType = typeof(OperatorBearerEvents);
            });
        builder.Services.AddSingleton<Devices.DeviceKeyCache>();

        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser().Build());
        return builder;
    }
}

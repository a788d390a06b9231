using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpsCentre.Database.Operators;

namespace OpsCentre.Gateway.Auth;

/// <summary>The answer of <c>/auth/token</c> and <c>/auth/refresh</c>.</summary>
public sealed record TokenResponse(string AccessToken, string RefreshToken, int ExpiresIn, string Role, string UnitCode);

/// <summary>Issues short-lived access tokens (JWT, HMAC-SHA256) and rotating refresh tokens.</summary>
public sealed class TokenService(IOptions<AuthOptions> options, OperatorStore operators, RefreshTokenStore refreshTokens, TimeProvider clock)
{
    private readonly AuthOptions _options = options.Value;
    private readonly JsonWebTokenHandler _handler = new();

    /// <summary>Signs in with a password; null for unknown users, wrong passwords and disabled accounts.</summary>
    public async Task<TokenResponse?> SignInAsync(string username, string password, CancellationToken cancellationToken)
    {
        var account = await operators.VerifyAsync(username, password, cancellationToken);
        if (account is null)
        {
            return null;
        }

        var refresh = await refreshTokens.IssueAsync(account.Username, RefreshLifetime, cancellationToken);
        return Issue(account, refresh);
    }

    /// <summary>Exchanges a refresh token for a new pair; null when the token is unknown, used, revoked or expired.</summary>
    public async Task<TokenResponse?> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var rotated = await refreshTokens.RotateAsync(refreshToken, RefreshLifetime, cancellationToken);
        if (rotated is null)
        {
            return null;
        }

        var account = await operators.FindAsync(rotated.Value.Username, cancellationToken);
        if (account is null || account.Disabled)
        {
            await refreshTokens.RevokeAsync(rotated.Value.Token, cancellationToken);
            return null;
        }

        return Issue(account, rotated.Value.Token);
    }

    public Task<bool> RevokeAsync(string refreshToken, CancellationToken cancellationToken) =>
        refreshTokens.RevokeAsync(refreshToken, cancellationToken);

    /// <summary>The parameters the JWT bearer handler validates access tokens with.</summary>
    public static TokenValidationParameters ValidationParameters(AuthOptions options) => new()
    {
        ValidIssuer = options.Issuer,
        ValidAudience = options.Issuer,
        IssuerSigningKey = new SymmetricSecurityKey(options.SigningKeyBytes()),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ClockSkew = TimeSpan.FromSeconds(options.ClockSkewSeconds),
        NameClaimType = OpsClaims.Subject,
        RoleClaimType = OpsClaims.Role,
    };

    private TimeSpan RefreshLifetime => TimeSpan.FromDays(_options.RefreshTokenDays);

    private TokenResponse Issue(OperatorAccount account, string refreshToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var lifetime = TimeSpan.FromMinutes(_options.AccessTokenMinutes);
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Issuer,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Subject = new ClaimsIdentity(
            [
                new Claim(OpsClaims.Subject, account.Username),
                new Claim(OpsClaims.Name, account.DisplayName),
                new Claim(OpsClaims.Role, account.Role),
                new Claim(OpsClaims.UnitCode, account.UnitCode),
                .. account.DepartmentCode is { } department ? [new Claim(OpsClaims.Department, department)] : Array.Empty<Claim>(),
            ]),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(_options.SigningKeyBytes()), SecurityAlgorithms.HmacSha256),
        });
        return new TokenResponse(token, refreshToken, (int)lifetime.TotalSeconds, account.Role, account.UnitCode);
    }
}

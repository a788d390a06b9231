using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpsCentre.Database.Operators;
using OpsCentre.Gateway.Limits;

namespace OpsCentre.Gateway.Auth;

/// <summary>The answer of <c>/auth/token</c> and <c>/auth/refresh</c>.</summary>
public sealed record TokenResponse(string AccessToken, string RefreshToken, int ExpiresIn, string Role, string UnitCode);

/// <summary>What a sign-in came to: tokens; or neither (unknown user, wrong password, disabled account); or a lockout and how long it lasts.</summary>
public sealed record SignInOutcome(TokenResponse? Issued, TimeSpan? LockedFor);

/// <summary>
/// Issues short-lived access tokens (JWT, HMAC-SHA256, signed with the current key and carrying its <c>kid</c>) and
/// rotating refresh tokens, whose chain ends <see cref="AuthOptions.RefreshChainLifetime"/> after the sign-in.
/// </summary>
public sealed class TokenService(
    IOptions<AuthOptions> options, OperatorStore operators, RefreshTokenStore refreshTokens, SignInLockout lockout, AccountStanding standing, TimeProvider clock)
{
    private readonly AuthOptions _options = options.Value;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly SigningCredentials _signing = new(options.Value.CurrentKey(), SecurityAlgorithms.HmacSha256);

    /// <summary>
    /// Signs in with a password, unless the username is locked out (<see cref="SignInLockout"/>): then
    /// the password is not even checked. Failures count towards a lockout, a success ends the count.
    /// </summary>
    public async Task<SignInOutcome> SignInAsync(string username, string password, CancellationToken cancellationToken)
    {
        if (lockout.LockedFor(username) is { } wait)
        {
            return new SignInOutcome(null, wait);
        }

        var account = await operators.VerifyAsync(username, password, cancellationToken);
        if (account is null)
        {
            lockout.Failed(username);
            return new SignInOutcome(null, null);
        }

        lockout.Succeeded(username);
        standing.Put(account.Username, account);
        var refresh = await refreshTokens.IssueAsync(account.Username, RefreshLifetime, _options.RefreshChainLifetime, cancellationToken);
        return new SignInOutcome(Issue(account, refresh), null);
    }

    /// <summary>
    /// Exchanges a refresh token for a new pair; null when the token is unknown, used, revoked or expired, when its chain
    /// has reached its end, and when the account is disabled or gone (then the chain is revoked).
    /// </summary>
    public async Task<TokenResponse?> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var rotated = await refreshTokens.RotateAsync(refreshToken, RefreshLifetime, _options.RefreshChainLifetime, cancellationToken);
        if (rotated is null)
        {
            return null;
        }

        var account = await operators.FindAsync(rotated.Value.Username, cancellationToken);
        standing.Put(rotated.Value.Username, account);
        if (account is null || account.Disabled)
        {
            await refreshTokens.RevokeAsync(rotated.Value.Token, cancellationToken);
            return null;
        }

        return Issue(account, rotated.Value.Token);
    }

    /// <summary>Signs out: revokes the token's whole family, so neither it nor any token rotated from it or into it refreshes again.</summary>
    public Task<bool> RevokeAsync(string refreshToken, CancellationToken cancellationToken) =>
        refreshTokens.RevokeAsync(refreshToken, cancellationToken);

    /// <summary>The parameters the JWT bearer handler validates access tokens with: the current key and, when set, the previous one.</summary>
    public static TokenValidationParameters ValidationParameters(AuthOptions options) => new()
    {
        // Operators' tokens name the issuer as configured, machine clients' (OpenIddict's) as an absolute URI.
        ValidIssuers = [options.Issuer, MachineClients.MachineClientsSetup.Issuer(options).AbsoluteUri],
        ValidAudience = options.Issuer,
        IssuerSigningKeys = options.ValidationKeys(),
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
            SigningCredentials = _signing,
        });
        return new TokenResponse(token, refreshToken, (int)lifetime.TotalSeconds, account.Role, account.UnitCode);
    }
}

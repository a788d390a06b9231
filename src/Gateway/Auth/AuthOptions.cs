using System.ComponentModel.DataAnnotations;

namespace OpsCentre.Gateway.Auth;

/// <summary>Operator authentication settings (section <c>Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>HMAC-SHA256 key for access tokens, base64, at least 32 bytes. Required; <c>run.sh</c> generates one into <c>.data/secrets.env</c>.</summary>
    [Required]
    public string SigningKey { get; set; } = "";

    /// <summary>Issuer and audience written into and required of every access token. Default <c>opscentre</c>.</summary>
    public string Issuer { get; set; } = "opscentre";

    /// <summary>Lifetime of an access token. Default 15 minutes.</summary>
    [Range(1, 24 * 60)]
    public int AccessTokenMinutes { get; set; } = 15;

    /// <summary>Lifetime of a refresh token (each use rotates it). Default 30 days, so a wall screen runs for weeks.</summary>
    [Range(1, 365)]
    public int RefreshTokenDays { get; set; } = 30;

    /// <summary>Tolerance for clock differences when checking expiry. Default 30 seconds.</summary>
    [Range(0, 300)]
    public int ClockSkewSeconds { get; set; } = 30;

    public byte[] SigningKeyBytes() => Convert.FromBase64String(SigningKey);

    public static bool HasUsableKey(AuthOptions options)
    {
        try
        {
            return options.SigningKeyBytes().Length >= 32;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

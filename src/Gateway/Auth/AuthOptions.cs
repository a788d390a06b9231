using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace OpsCentre.Gateway.Auth;

/// <summary>Operator authentication settings (section <c>Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>HMAC-SHA256 key for access tokens, base64, at least 32 bytes. Required; <c>run.sh</c> generates one into <c>.data/signing.key</c>.</summary>
    [Required]
    public string SigningKey { get; set; } = "";

    /// <summary>
    /// The key signing keys were made with before the last rotation, base64, at least 32 bytes; optional. Tokens signed
    /// with it are still accepted (until they expire), none are signed with it, so rotating the key signs nobody out.
    /// </summary>
    public string? PreviousSigningKey { get; set; }

    /// <summary>Issuer and audience written into and required of every access token. Default <c>opscentre</c>.</summary>
    public string Issuer { get; set; } = "opscentre";

    /// <summary>Lifetime of an access token. Default 15 minutes.</summary>
    [Range(1, 24 * 60)]
    public int AccessTokenMinutes { get; set; } = 15;

    /// <summary>How long a refresh token may lie unused before it expires (each use rotates it). Default 30 days.</summary>
    [Range(1, 365)]
    public int RefreshTokenDays { get; set; } = 30;

    /// <summary>
    /// The absolute end of a refresh chain, counted from the sign-in that started it, however often it rotated: after it
    /// the operator signs in again. Default 7 days (<c>7.00:00:00</c>); at least 1 second, at most 365 days.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan RefreshChainLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long this gateway trusts what it last read of an account's standing (exists, enabled, the role and unit its
    /// tokens name) before it reads it again; also the period of the hub's check of its open connections. Default 15
    /// seconds, at most 30, so a disabled account is shut out of HTTP within 30 s and out of the hub within a minute.
    /// </summary>
    [Range(1, 30)]
    public int StandingCheckSeconds { get; set; } = 15;

    /// <summary>Tolerance for clock differences when checking expiry. Default 30 seconds.</summary>
    [Range(0, 300)]
    public int ClockSkewSeconds { get; set; } = 30;

    public byte[] SigningKeyBytes() => Convert.FromBase64String(SigningKey);

    /// <summary>The current key, with its key id (<see cref="KeyId"/>): what tokens are signed with.</summary>
    public SymmetricSecurityKey CurrentKey() => Key(SigningKey);

    /// <summary>The keys tokens are accepted under: the current one and, when set, the previous one.</summary>
    public IReadOnlyList<SecurityKey> ValidationKeys() =>
        string.IsNullOrEmpty(PreviousSigningKey) ? [CurrentKey()] : [CurrentKey(), Key(PreviousSigningKey)];

    /// <summary>
    /// A key's id (the JWT header's <c>kid</c>): the first 6 bytes of the SHA-256 of the key's bytes, base64url (8
    /// characters). Derived, so gateways sharing a key agree on its id without configuring one; it reveals nothing of the key.
    /// </summary>
    public static string KeyId(byte[] key) => Base64UrlEncoder.Encode(SHA256.HashData(key).AsSpan(0, 6).ToArray());

    private static SymmetricSecurityKey Key(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        return new SymmetricSecurityKey(bytes) { KeyId = KeyId(bytes) };
    }

    public static bool HasUsableKey(AuthOptions options) => IsUsableKey(options.SigningKey);

    /// <summary>No previous key, or a usable one that is not the current key.</summary>
    public static bool HasUsablePreviousKey(AuthOptions options) =>
        string.IsNullOrEmpty(options.PreviousSigningKey)
        || (IsUsableKey(options.PreviousSigningKey) && (!IsUsableKey(options.SigningKey)
            || !Convert.FromBase64String(options.PreviousSigningKey).AsSpan().SequenceEqual(options.SigningKeyBytes())));

    private static bool IsUsableKey(string? base64)
    {
        try
        {
            return base64 is not null && Convert.FromBase64String(base64).Length >= 32;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

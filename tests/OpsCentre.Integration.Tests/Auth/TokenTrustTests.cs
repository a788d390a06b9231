using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpsCentre.Database.Operators;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Auth;

/// <summary>Sign-out, the refresh chain's absolute end, and signing keys with ids that rotate without signing anyone out.</summary>
[Collection(nameof(SystemCollection))]
public sealed class TokenTrustTests(SystemFixture system)
{
    private HttpClient Http => system.Http;

    [Fact]
    public async Task SignOutRevokesTheWholeFamilyWhicheverOfItsTokensIsPresented()
    {
        // Two sign-ins of one user: two families. Sign out of the first with its spent first token.
        var first = await Api.SignInAsync(Http, "jinjiang.operator");
        var rotated = await RefreshAsync(Http, first.RefreshToken);
        var latest = await RefreshAsync(Http, rotated!.RefreshToken);
        Assert.NotNull(latest);
        var other = await Api.SignInAsync(Http, "jinjiang.operator");

        using (var revoke = await Http.PostAsJsonAsync("/api/v1/auth/revoke", new { refreshToken = first.RefreshToken }))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        // The newest token of that family refreshes no more; every row of the family is revoked; the other sign-in goes on.
        Assert.Null(await RefreshAsync(Http, latest!.RefreshToken));
        Assert.Equal(0, await system.Db.ScalarAsync<int>(
            "SELECT count(*)::int FROM refresh_token WHERE family_id = (SELECT family_id FROM refresh_token WHERE token_hash = @h) AND revoked_at IS NULL",
            ("h", SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(first.RefreshToken)))));
        Assert.NotNull(await RefreshAsync(Http, other.RefreshToken));

        // Signing out of a family with its newest token revokes the tokens it was rotated from as well.
        var again = await Api.SignInAsync(Http, "jinjiang.operator");
        var next = await RefreshAsync(Http, again.RefreshToken);
        using (var revoke = await Http.PostAsJsonAsync("/api/v1/auth/revoke", new { refreshToken = next!.RefreshToken }))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        Assert.Null(await RefreshAsync(Http, next.RefreshToken));
        Assert.Equal(0, await system.Db.ScalarAsync<int>(
            "SELECT count(*)::int FROM refresh_token WHERE family_id = (SELECT family_id FROM refresh_token WHERE token_hash = @h) AND revoked_at IS NULL",
            ("h", SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(again.RefreshToken)))));
    }

    [Fact]
    public async Task ARefreshChainEndsItsConfiguredTimeAfterTheSignInHoweverOftenItRotates()
    {
        var chain = TimeSpan.FromSeconds(5);
        await using var gateway = await OwnGateway.StartAsync(system, "gateway-short-chain", new() { ["Auth__RefreshChainLifetime"] = chain.ToString() });
        var username = "chain." + Guid.NewGuid().ToString("N")[..8];
        await new OperatorStore(system.Db).UpsertAsync(new OperatorAccount(username, "刷新链测试", "operator", "510104", Disabled: false), SystemFixture.Password);

        var clock = Stopwatch.StartNew();
        var signedIn = await Api.SignInAsync(gateway.Http, username);
        var current = signedIn.RefreshToken;
        var rotations = 0;

        // Rotating every quarter second never moves the end: the first refused refresh comes at the chain's end, not before.
        await Eventually.HoldsAsync(async () =>
        {
            var next = await RefreshAsync(gateway.Http, current);
            if (next is null)
            {
                return true;
            }

            current = next.RefreshToken;
            rotations++;
            return false;
        }, chain + TimeSpan.FromSeconds(15), "the refresh chain refused at its end");
        Assert.True(clock.Elapsed >= chain, $"the chain ended after {clock.Elapsed}, before its {chain}");
        Assert.True(rotations >= 5, $"only {rotations} rotations before the end");

        // No token of the family was ever valid past the end, and the refused one did not revoke the chain (it simply ended).
        var (span, revoked) = (await system.Db.RowsAsync(
            "SELECT extract(epoch FROM max(expires_at) - min(issued_at))::float8, count(revoked_at)::int FROM refresh_token WHERE username = @u",
            r => (r.GetDouble(0), r.GetInt32(1)), ("u", username)))[0];
        Assert.InRange(span, 0, chain.TotalSeconds);
        Assert.Equal(0, revoked);

        // Signing in again starts a new chain.
        Assert.NotNull(await RefreshAsync(gateway.Http, (await Api.SignInAsync(gateway.Http, username)).RefreshToken));
    }

    [Fact]
    public async Task TokensCarryTheCurrentKeysIdAndAfterARotationTokensOfThePreviousKeyStillWork()
    {
        // Before the rotation the gateways signed with an old key; after it, with the fixture's key, the old one kept as previous.
        var oldKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var oldGatewayStart = OwnGateway.StartAsync(system, "gateway-old-key", new() { ["Auth__SigningKey"] = oldKey });
        var rotatedStart = OwnGateway.StartAsync(system, "gateway-rotated", new() { ["Auth__SigningKey"] = system.SigningKey, ["Auth__PreviousSigningKey"] = oldKey });
        await using var oldGateway = await oldGatewayStart;
        await using var rotated = await rotatedStart;

        var underOldKey = (await Api.SignInAsync(oldGateway.Http, "jinjiang.operator")).AccessToken;
        Assert.Equal(KeyId(oldKey), new JsonWebToken(underOldKey).Kid);

        // Accepted where the old key is the previous one; refused where only the new key is known (the fixture's gateway).
        Assert.Equal(HttpStatusCode.OK, await GetUnitAsync(rotated.Http, underOldKey));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetUnitAsync(Http, underOldKey));

        // New tokens are signed with the new key and carry its id; gateways with only the new key accept them.
        var underNewKey = (await Api.SignInAsync(rotated.Http, "jinjiang.operator")).AccessToken;
        Assert.Equal(KeyId(system.SigningKey), new JsonWebToken(underNewKey).Kid);
        Assert.NotEqual(KeyId(oldKey), KeyId(system.SigningKey));
        Assert.Equal(HttpStatusCode.OK, await GetUnitAsync(Http, underNewKey));
        Assert.Equal(KeyId(system.SigningKey), new JsonWebToken(await Api.TokenAsync(Http, "jinjiang.operator")).Kid);

        // A token under a key neither current nor previous is refused, whatever kid it claims.
        var stranger = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "opscentre",
            Audience = "opscentre",
            Expires = DateTime.UtcNow.AddMinutes(5),
            Claims = new Dictionary<string, object> { ["sub"] = "jinjiang.operator", ["role"] = "operator", ["unit_code"] = "510104" },
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = KeyId(oldKey) }, SecurityAlgorithms.HmacSha256),
        });
        Assert.Equal(HttpStatusCode.Unauthorized, await GetUnitAsync(rotated.Http, stranger));
    }

    /// <summary>The key id as docs/security.md defines it: the first 6 bytes of SHA-256 of the key's bytes, base64url.</summary>
    private static string KeyId(string base64Key) => Base64UrlEncoder.Encode(SHA256.HashData(Convert.FromBase64String(base64Key)).AsSpan(0, 6).ToArray());

    private static async Task<HttpStatusCode> GetUnitAsync(HttpClient http, string accessToken)
    {
        using var response = await http.SendAsync(Api.Authorized(HttpMethod.Get, "/api/v1/units/510104", accessToken));
        return response.StatusCode;
    }

    /// <summary>The new pair, or null when the refresh was refused (401).</summary>
    internal static async Task<Api.Tokens?> RefreshAsync(HttpClient http, string refreshToken)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken });
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<Api.Tokens>();
    }
}

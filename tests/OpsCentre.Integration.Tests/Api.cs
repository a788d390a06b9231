using System.Net.Http.Headers;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using System.Net.Http.Json;
using System.Text.Json;

namespace OpsCentre.Integration.Tests;

/// <summary>Small helpers that speak the public HTTP contract, as a console or a device would.</summary>
public static class Api
{
    public sealed record Tokens(string AccessToken, string RefreshToken, int ExpiresIn, string Role, string UnitCode);

    public static async Task<Tokens> SignInAsync(HttpClient http, string username, string password = SystemFixture.Password)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/auth/token", new { username, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Tokens>())!;
    }

    public static HttpRequestMessage Authorized(HttpMethod method, string path, string accessToken, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return request;
    }

    /// <summary>Appends an event through the admin endpoint; returns its sequence number.</summary>
    public static async Task<long> AppendAsync(HttpClient http, string adminToken, string unitCode, string type, string id, string? opId = null, int padding = 0)
    {
        using var request = Authorized(HttpMethod.Post, "/api/v1/admin/events", adminToken,
            new { opId = opId ?? Guid.NewGuid().ToString(), unitCode, type, data = new { id, pad = new string('x', padding) } });
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("seq").GetInt64();
    }

    /// <summary>Provisions a device through <c>POST /api/v1/devices</c> (asserting 201); returns its id and its key.</summary>
    public static async Task<(string DeviceId, string Key)> ProvisionDeviceAsync(HttpClient http, string token, string kind, string boundTo)
    {
        using var response = await http.SendAsync(Authorized(HttpMethod.Post, "/api/v1/devices", token, new { kind, boundTo }));
        Xunit.Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("deviceId").GetString()!, body.GetProperty("key").GetString()!);
    }

    /// <summary>An operator's call with a bearer token; the status and the JSON answer (default when empty).</summary>
    public static Task<(System.Net.HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient http, HttpMethod method, string path, string token, object? body = null) =>
        AnswerAsync(http, Authorized(method, path, token, body));

    /// <summary>A device's own call (<c>X-Device-Key</c>); the status and the JSON answer (default when empty).</summary>
    public static Task<(System.Net.HttpStatusCode Status, JsonElement Body)> DeviceSendAsync(HttpClient http, HttpMethod method, string path, string key, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("X-Device-Key", key);
        return AnswerAsync(http, request);
    }

    private static async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> AnswerAsync(HttpClient http, HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
        }
    }

    /// <summary>An access token for the 锦江区 operator signed with <paramref name="base64Key"/>, expiring when the test wants.</summary>
    public static string ForgeToken(string base64Key, DateTime expires) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "opscentre",
        Audience = "opscentre",
        IssuedAt = expires.AddMinutes(-15),
        NotBefore = expires.AddMinutes(-15),
        Expires = expires,
        Subject = new ClaimsIdentity([new Claim("sub", "jinjiang.operator"), new Claim("role", "operator"), new Claim("unit_code", "510104")]),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Convert.FromBase64String(base64Key)), SecurityAlgorithms.HmacSha256),
    });
}

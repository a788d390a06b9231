using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OpsCentre.Integration.Tests;

/// <summary>
/// The integration tests' kit for the public HTTP contract, spoken as a console or a device would:
/// tokens, operators' and devices' calls, provisioning, statuses, appends and the alert listing. The
/// other half of the kit is on <see cref="SystemFixture"/> (the allocator, the database, the audit
/// trail) and <see cref="ProcessLogs"/>.
/// </summary>
public static class Api
{
    public sealed record Tokens(string AccessToken, string RefreshToken, int ExpiresIn, string Role, string UnitCode);

    public static async Task<Tokens> SignInAsync(HttpClient http, string username, string password = SystemFixture.Password)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/auth/token", new { username, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Tokens>())!;
    }

    /// <summary>An access token for <paramref name="username"/>.</summary>
    public static async Task<string> TokenAsync(HttpClient http, string username) => (await SignInAsync(http, username)).AccessToken;

    /// <summary>A request with a bearer token; <paramref name="body"/> is sent as JSON (or as is, when it is already <see cref="HttpContent"/>).</summary>
    public static HttpRequestMessage Authorized(HttpMethod method, string path, string accessToken, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = Content(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return request;
    }

    /// <summary>A body sent exactly as written, such as malformed JSON.</summary>
    public static HttpContent Raw(string json) => new StringContent(json, Encoding.UTF8, "application/json");

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
        var (status, body) = await SendAsync(http, HttpMethod.Post, "/api/v1/devices", token, new { kind, boundTo });
        Assert.Equal(HttpStatusCode.Created, status);
        return (body.GetProperty("deviceId").GetString()!, body.GetProperty("key").GetString()!);
    }

    /// <summary>An operator's call with a bearer token; the status and the JSON answer (default when empty).</summary>
    public static Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient http, HttpMethod method, string path, string token, object? body = null) =>
        AnswerAsync(http, Authorized(method, path, token, body));

    /// <summary>A GET by <paramref name="username"/>, signed in for it.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(HttpClient http, string username, string path) =>
        await SendAsync(http, HttpMethod.Get, path, await TokenAsync(http, username));

    /// <summary>A device's own call (<c>X-Device-Key</c>); the status and the JSON answer (default when empty).</summary>
    public static Task<(HttpStatusCode Status, JsonElement Body)> DeviceSendAsync(HttpClient http, HttpMethod method, string path, string key, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = Content(body) };
        request.Headers.Add("X-Device-Key", key);
        return AnswerAsync(http, request);
    }

    /// <summary>
    /// A device status as the phones and wristbands send it, at now. Fields left null are not sent
    /// (a wristband has no duty flag, a phone no strap).
    /// </summary>
    public static Dictionary<string, object> Status(long seq, double lat, double lon, double batteryPct = 77, bool? onDuty = true, bool? strapIntact = null, double accuracyM = 5, string? opId = null)
    {
        var status = new Dictionary<string, object>
        {
            ["opId"] = opId ?? Guid.NewGuid().ToString(), ["seq"] = seq, ["at"] = DateTimeOffset.UtcNow,
            ["lat"] = lat, ["lon"] = lon, ["accuracyM"] = accuracyM, ["batteryPct"] = batteryPct,
        };
        if (onDuty is { } duty)
        {
            status["onDuty"] = duty;
        }

        if (strapIntact is { } strap)
        {
            status["strapIntact"] = strap;
        }

        return status;
    }

    /// <summary>Posts one status with the device's key to <c>/api/v1/device/status</c>.</summary>
    public static Task<(HttpStatusCode Status, JsonElement Body)> PostStatusAsync(HttpClient http, string key, object status) =>
        DeviceSendAsync(http, HttpMethod.Post, "/api/v1/device/status", key, status);

    /// <summary>The alert about <paramref name="subjectId"/> in <paramref name="unit"/>'s listing, once it is listed.</summary>
    public static Task<JsonElement> AlertOfAsync(HttpClient http, string token, string unit, string subjectId) =>
        Testing.Eventually.HoldsAsync(
            async () => (await SendAsync(http, HttpMethod.Get, $"/api/v1/alerts?unit={unit}", token)).Body.GetProperty("items").EnumerateArray()
                .FirstOrDefault(a => a.GetProperty("subject").GetProperty("id").GetString() == subjectId),
            a => a.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(10), $"the alert about {subjectId} listed");

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

    /// <summary>An answer with what a "try again later" answer carries besides its status: <c>Retry-After</c> (seconds), the media type, the JSON body.</summary>
    public sealed record Answer(HttpStatusCode Status, double? RetryAfterSeconds, string? MediaType, JsonElement Body)
    {
        public static async Task<Answer> ReadAsync(HttpResponseMessage response)
        {
            var text = await response.Content.ReadAsStringAsync();
            return new Answer(response.StatusCode, response.Headers.RetryAfter?.Delta?.TotalSeconds, response.Content.Headers.ContentType?.MediaType,
                text.Length > 0 && text[0] is '{' or '[' ? JsonDocument.Parse(text).RootElement.Clone() : default);
        }

        public override string ToString() => $"{(int)Status} Retry-After {RetryAfterSeconds?.ToString() ?? "none"} {MediaType} {Body}";
    }

    /// <summary>Sends <paramref name="request"/> (and disposes it); the whole <see cref="Answer"/>.</summary>
    public static async Task<Answer> AnswerOfAsync(HttpClient http, HttpRequestMessage request)
    {
        using (request)
        {
            // A large body waits for the gateway's go-ahead: a 413 then comes before the body is sent, instead of the
            // gateway closing the connection under a client still writing (a broken pipe, not an answer).
            if (request.Content?.Headers.ContentLength > 64 * 1024)
            {
                request.Headers.ExpectContinue = true;
            }
            using var response = await http.SendAsync(request);
            return await Answer.ReadAsync(response);
        }
    }

    /// <summary>
    /// Asserts a "try again later" answer: <paramref name="status"/> (429 or 503), a problem body saying
    /// so with its trace id, and a <c>Retry-After</c> of <paramref name="minSeconds"/> to <paramref name="maxSeconds"/>.
    /// </summary>
    public static void AssertRetryLater(Answer answer, HttpStatusCode status, int minSeconds, int maxSeconds)
    {
        Assert.True(answer.Status == status, answer.ToString());
        Assert.Equal("application/problem+json", answer.MediaType);
        Assert.Equal((int)status, answer.Body.GetProperty("status").GetInt32());
        Assert.True(answer.Body.TryGetProperty("traceId", out _), answer.ToString());
        Assert.True(answer.RetryAfterSeconds is { } seconds && seconds >= minSeconds && seconds <= maxSeconds, $"Retry-After not within {minSeconds}–{maxSeconds} s: {answer}");
    }

    private static HttpContent? Content(object? body) => body switch
    {
        null => null,
        HttpContent content => content,
        // Serialized whole, so the request says its length (as a device's client does).
        _ => new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web)) { Headers = { ContentType = new("application/json") } },
    };

    private static async Task<(HttpStatusCode Status, JsonElement Body)> AnswerAsync(HttpClient http, HttpRequestMessage request)
    {
        using (request)
        {
            // A large body waits for the gateway's go-ahead: a 413 then comes before the body is sent, instead of the
            // gateway closing the connection under a client still writing (a broken pipe, not an answer).
            if (request.Content?.Headers.ContentLength > 64 * 1024)
            {
                request.Headers.ExpectContinue = true;
            }
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            // A CSV export (or any answer that is not JSON) comes back as one JSON string holding its text.
            var json = response.Content.Headers.ContentType?.MediaType is not { } type || type.EndsWith("json", StringComparison.Ordinal);
            return (response.StatusCode, text.Length == 0 ? default : json ? JsonDocument.Parse(text).RootElement.Clone() : JsonSerializer.SerializeToElement(text));
        }
    }
}

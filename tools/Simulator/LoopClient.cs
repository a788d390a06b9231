using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace OpsCentre.Simulator;

/// <summary>
/// The closed loop's calls as the simulator's flows make them: the signed-in supervisor's (signing in again when the
/// access token has expired) and a worker phone's (with its key). Every action carries a fresh operation id.
/// </summary>
public sealed class LoopClient(HttpClient http, Func<Task<string>> signIn)
{
    private string _token = "";

    public async Task SignInAsync() => _token = await signIn();

    /// <summary>The supervisor's action on a case: <paramref name="action"/>'s fields with an operation id and a note.</summary>
    public Task ActAsync(string id, object action, CancellationToken ct)
    {
        var body = JsonSerializer.SerializeToElement(action, JsonSerializerOptions.Web);
        var withOpId = new Dictionary<string, object?> { ["opId"] = Guid.NewGuid().ToString("N"), ["note"] = "模拟处置" };
        foreach (var property in body.EnumerateObject())
        {
            withOpId[property.Name] = property.Value;
        }

        return OperatorAsync(HttpMethod.Post, $"/api/v1/incidents/{id}/actions", withOpId, ct);
    }

    public Task DeviceActAsync(string key, string id, string action, CancellationToken ct) =>
        DeviceAsync(key, $"/api/v1/device/incidents/{id}/actions", new { opId = Guid.NewGuid().ToString("N"), action, note = "现场已处理" }, ct);

    /// <summary>A worker phone's call, with its key.</summary>
    public async Task<JsonElement> DeviceAsync(string key, string path, object body, CancellationToken ct)
    {
        var reply = await DeviceSendAsync(key, HttpMethod.Post, path, body, ct);
        return reply.IsSuccess ? reply.Body : throw new HttpRequestException($"POST {path}: {reply.Problem}", null, reply.Status);
    }

    /// <summary>A worker phone's call (a GET when <paramref name="body"/> is null), with its key, answering a refusal instead of throwing.</summary>
    public async Task<Reply> DeviceSendAsync(string key, HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Add("X-Device-Key", key);
        using var response = await http.SendAsync(request, ct);
        return await ReplyOfAsync(response, ct);
    }

    /// <summary>An operator's call (a GET when <paramref name="body"/> is null); signs in again when the access token has expired.</summary>
    public async Task<JsonElement> OperatorAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        var reply = await SendAsync(method, path, body, ct);
        return reply.IsSuccess ? reply.Body : throw new HttpRequestException($"{method} {path}: {reply.Problem}", null, reply.Status);
    }

    /// <summary>
    /// An operator's call that answers a refusal instead of throwing: the status and the body (an RFC 9457 problem for a 4xx),
    /// so a flow says what was refused and goes on. Signs in again when the access token has expired.
    /// </summary>
    public async Task<Reply> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 0)
            {
                await SignInAsync();
                continue;
            }

            return await ReplyOfAsync(response, ct);
        }
    }

    private static async Task<Reply> ReplyOfAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        var json = text.Length > 0 && response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true
            ? JsonDocument.Parse(text).RootElement.Clone()
            : JsonSerializer.SerializeToElement(text);
        return new Reply(response.StatusCode, json);
    }
}

/// <summary>An answer of the API: its status and body (a problem's title, detail and field errors for a refusal).</summary>
public sealed record Reply(HttpStatusCode Status, JsonElement Body)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    /// <summary>The refusal in a few words: "409 The person already has an open hand-over request", "400 returnBy: required…".</summary>
    public string Problem
    {
        get
        {
            if (Body.ValueKind != JsonValueKind.Object)
            {
                return $"{(int)Status}";
            }

            var text = Body.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String ? detail.GetString()
                : Body.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String ? title.GetString() : "";
            if (Body.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                text += " " + string.Join("; ", errors.EnumerateObject().Select(e => $"{e.Name}: {string.Join(", ", e.Value.EnumerateArray().Select(v => v.GetString()))}"));
            }

            return $"{(int)Status} {text}".Trim();
        }
    }

    public string Id(string property = "id") => Body.GetProperty(property).GetString()!;
}

using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpsCentre.Integration.Tests.Contract;

/// <summary>
/// A fuzz pass over every operation of the OpenAPI document with hostile values — in the path, the
/// query and every field of the body — as an administrator (and a device, for the device endpoints):
/// whatever a client sends is answered 2xx or 4xx, never 5xx.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class HostileInputTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string[] HostileTexts =
    [
        "", " ", "'; DROP TABLE audit_log; --", "\u0000", "%", "../../etc/passwd", new string('x', 5_000), "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z", "-1", "99999999999999999999999", "NaN", "<script>alert(1)</script>", "510104", "锦江区\uD83D\uDE00",
    ];

    private static JsonNode?[] HostileValues() =>
    [
        null, "", new string('x', 100_000), -1, 0, long.MaxValue, long.MinValue, double.MaxValue, -double.MaxValue, 1e-320, true,
        new JsonArray(1, "a", null), new JsonObject { ["a"] = new JsonObject { ["b"] = new JsonArray(new JsonObject()) } },
        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00", "'; DROP TABLE audit_log; --", "\u0000",
    ];

    private static readonly string[] BrokenBodies = ["{", "[]", "null", "\"text\"", "{\"opId\":", "{\"a\":1}{", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"];

    [Fact]
    public async Task NoOperationOfTheApiDocumentAnswers5xxToHostileInput()
    {
        var http = system.Http;
        var document = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var token = await Api.TokenAsync(http, "city.admin");
        var worker = system.Fresh.Worker(within: "510104");
        var (_, deviceKey) = await Api.ProvisionDeviceAsync(http, token, "worker-phone", worker.Id);
        var schemas = document.GetProperty("components").GetProperty("schemas");

        var sent = 0;
        var closed = 0;
        var failures = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var method = new HttpMethod(operation.Name.ToUpperInvariant());
                var parameters = operation.Value.TryGetProperty("parameters", out var p) ? [.. p.EnumerateArray()] : new List<JsonElement>();
                var body = BodyProperties(operation.Value, schemas);
                async Task SendAsync(string url, HttpContent? content, string what)
                {
                    using var request = new HttpRequestMessage(method, url) { Content = content };
                    if (path.Name.StartsWith("/api/v1/device/", StringComparison.Ordinal))
                    {
                        request.Headers.Add("X-Device-Key", deviceKey);
                    }
                    else
                    {
                        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    }

                    HttpResponseMessage response;
                    try
                    {
                        response = await http.SendAsync(request);
                    }
                    catch (HttpRequestException ex) when (ex.InnerException is IOException)
                    {
                        // The server answered before reading all of a large body and closed the connection: not a 5xx.
                        sent++;
                        closed++;
                        return;
                    }

                    using var _ = response;
                    sent++;
                    if ((int)response.StatusCode >= 500)
                    {
                        failures.Add($"{method} {url[..Math.Min(url.Length, 160)]} ({what}): {(int)response.StatusCode} {(await response.Content.ReadAsStringAsync())[..Math.Min(200, (int)(response.Content.Headers.ContentLength ?? 200))]}");
                    }
                }

                // Every parameter (path and query) hostile at once, one hostile text at a time; the body, if any, empty.
                foreach (var text in HostileTexts)
                {
                    await SendAsync(Url(path.Name, parameters, _ => text), body is null ? null : Json("{}"), $"parameters = {Describe(text)}");
                }

                if (body is null)
                {
                    continue;
                }

                // With ordinary parameters: broken bodies, then every field hostile at once, one hostile value at a time.
                var url = Url(path.Name, parameters, name => name == "unit" ? "510104" : "x");
                foreach (var broken in BrokenBodies)
                {
                    await SendAsync(url, Json(broken), $"body {Describe(broken)}");
                }

                // One field at a time with a NUL or a huge text, the others absent.
                foreach (var field in body)
                {
                    foreach (var value in new JsonNode?[] { "\u0000", "a\u0000b", new string('y', 100_000) })
                    {
                        await SendAsync(url, Json(new JsonObject { [field] = value?.DeepClone(), ["opId"] = field == "opId" ? value?.DeepClone() : Guid.NewGuid().ToString() }.ToJsonString()),
                            $"{field} = {Describe(value?.ToJsonString() ?? "null")}");
                    }
                }

                foreach (var value in HostileValues())
                {
                    var hostile = new JsonObject();
                    foreach (var field in body)
                    {
                        hostile[field] = value?.DeepClone();
                    }

                    await SendAsync(url, Json(hostile.ToJsonString()), $"every field = {Describe(value?.ToJsonString() ?? "null")}");
                }
            }
        }

        output.WriteLine($"{sent} hostile requests over the API document ({closed} closed by the server mid-body), {failures.Count} answered 5xx");
        Assert.True(sent > 500, $"only {sent} requests: the document lists too few operations");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string Url(string template, List<JsonElement> parameters, Func<string, string> valueOf)
    {
        var url = new StringBuilder(template);
        var query = new List<string>();
        foreach (var parameter in parameters)
        {
            var name = parameter.GetProperty("name").GetString()!;
            var value = Uri.EscapeDataString(valueOf(name));
            if (parameter.GetProperty("in").GetString() == "path")
            {
                url.Replace("{" + name + "}", value.Length == 0 ? "%20" : value);
            }
            else if (parameter.GetProperty("in").GetString() == "query")
            {
                query.Add(name + "=" + value);
            }
        }

        return query.Count == 0 ? url.ToString() : url + "?" + string.Join("&", query);
    }

    /// <summary>The JSON body's property names, or null when the operation takes no JSON body.</summary>
    private static List<string>? BodyProperties(JsonElement operation, JsonElement schemas)
    {
        if (!operation.TryGetProperty("requestBody", out var body) || !body.GetProperty("content").TryGetProperty("application/json", out var json))
        {
            return null;
        }

        var schema = json.GetProperty("schema");
        if (schema.TryGetProperty("$ref", out var reference))
        {
            schema = schemas.GetProperty(reference.GetString()!.Split('/')[^1]);
        }

        return schema.TryGetProperty("properties", out var properties) ? [.. properties.EnumerateObject().Select(p => p.Name)] : [];
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static string Describe(string text) => text.Length > 24 ? text[..24] + $"… ({text.Length} chars)" : text;
}

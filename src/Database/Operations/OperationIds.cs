using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace OpsCentre.Database.Operations;

/// <summary>
/// The caller's operation id that every write carries (devices' statuses, the HTTP writes, the event
/// log), so a retried request is applied once; and the digest of a request stored beside it, so the
/// same id with another body is told apart.
/// </summary>
public static class OperationIds
{
    /// <summary>The longest operation id accepted anywhere: devices, HTTP writes and the event log alike.</summary>
    public const int MaxLength = 200;

    /// <summary>What a client is told about a bad or missing operation id.</summary>
    public static readonly string Requirement = $"required, at most {MaxLength} characters";

    public static bool IsValid(string? opId) => !string.IsNullOrWhiteSpace(opId) && opId.Length <= MaxLength;

    /// <summary>
    /// A digest of a request's fields, each written in one invariant way (numbers round-trip, times as
    /// UTC ISO 8601, JSON by <see cref="Json"/>), so that a retry hashes alike on any machine.
    /// </summary>
    public static string Hash(params object?[] parts)
    {
        var text = new StringBuilder();
        for (var i = 0; i < parts.Length; i++)
        {
            text.Append(i == 0 ? "" : "\u001f").Append(parts[i] switch
            {
                null => "\u0000",
                string s => s,
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                DateTimeOffset t => t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                bool b => b ? "true" : "false",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var other => throw new ArgumentException($"no invariant form for {other.GetType().Name}", nameof(parts)),
            });
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>A JSON value in one form whatever its spacing and property order: properties sorted, no whitespace.</summary>
    public static string Json(string json) => Sorted(JsonNode.Parse(json))?.ToJsonString() ?? "null";

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Sorted)]),
        _ => node?.DeepClone(),
    };
}

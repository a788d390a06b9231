using System.Security.Cryptography;
using System.Text;

namespace OpsCentre.Gateway.Hosting;

/// <summary>The caller's operation id that every write carries, so a retried request is applied once.</summary>
public static class OperationIds
{
    public const int MaxLength = 200;

    /// <summary>Adds the <c>opId</c> problem to <paramref name="errors"/> when the id is missing or too long.</summary>
    public static void Check(string? opId, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(opId) || opId.Length > MaxLength)
        {
            errors["opId"] = [$"required, at most {MaxLength} characters"];
        }
    }

    /// <summary>A digest of a request's fields, stored beside its opId: the same opId with another body is told apart (422).</summary>
    public static string Hash(params string?[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\u001f", parts.Select(p => p ?? "\u0000")))));
}

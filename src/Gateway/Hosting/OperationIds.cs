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
}

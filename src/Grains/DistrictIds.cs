using OpsCentre.Grains.Units;

namespace OpsCentre.Grains;

/// <summary>
/// Ids of objects whose store of record is their district's event log (alerts, cases):
/// <c>&lt;district code&gt;-&lt;32 hex digits&gt;</c>, so the object's grain knows which log holds its history.
/// </summary>
public static class DistrictIds
{
    public static string New(string unitCode) => $"{UnitCode.DistrictOf(unitCode)}-{Guid.NewGuid():N}";

    public static bool IsValid(string? id) =>
        id is { Length: 39 } && id[6] == '-' && id[..6].All(char.IsAsciiDigit) && id[7..].All(char.IsAsciiHexDigitLower);

    public static string DistrictOf(string id) => IsValid(id) ? id[..6] : throw new ArgumentException($"'{id}' is not a district-scoped id", nameof(id));
}

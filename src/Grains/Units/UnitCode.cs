using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace OpsCentre.Grains.Units;

/// <summary>The level of a unit in the four-level grid service management system, plus the city.</summary>
public enum UnitLevel
{
    City,
    District,
    Street,
    Community,
    Grid,
}

/// <summary>
/// Hierarchical unit codes after the national statistical division codes: city 4 digits (成都市 5101),
/// district 6 (区), street 9 (街道), community 12 (社区), grid 15 (网格). A code extends its parent's,
/// so "is within" is a prefix check.
/// </summary>
public static partial class UnitCode
{
    /// <summary>True for a well-formed code of any level.</summary>
    public static bool IsValid([NotNullWhen(true)] string? code) => code is not null && Pattern().IsMatch(code);

    public static UnitLevel LevelOf(string code) => code.Length switch
    {
        4 => UnitLevel.City,
        6 => UnitLevel.District,
        9 => UnitLevel.Street,
        12 => UnitLevel.Community,
        15 => UnitLevel.Grid,
        _ => throw new ArgumentException($"'{code}' is not a unit code", nameof(code)),
    };

    /// <summary>The district a unit below the city belongs to (its first 6 digits); null for the city.</summary>
    public static string? DistrictOf(string code) => code.Length >= 6 ? code[..6] : null;

    /// <summary>The parent's code, or null for the city.</summary>
    public static string? ParentOf(string code) => code.Length switch
    {
        4 => null,
        6 => code[..4],
        _ => code[..^3],
    };

    /// <summary>True when <paramref name="code"/> is <paramref name="scope"/> or lies below it.</summary>
    public static bool IsWithin(string code, string scope) => code.StartsWith(scope, StringComparison.Ordinal);

    /// <summary>The lower-case level name used on the wire: city|district|street|community|grid.</summary>
    public static string LevelName(UnitLevel level) => level.ToString().ToLowerInvariant();

    [GeneratedRegex("^[0-9]{4}([0-9]{2}([0-9]{3}){0,3})?$")]
    private static partial Regex Pattern();
}

using System.Text.RegularExpressions;

namespace OpsCentre.Database;

/// <summary>Names of the database and its two roles, and the check that keeps them safe to put in DDL.</summary>
public static partial class DatabaseNames
{
    /// <summary>The owner role of <paramref name="database"/>: runs migrations, owns every table.</summary>
    public static string OwnerRole(string database) => EnsureIdentifier(database) + "_owner";

    /// <summary>The application role of <paramref name="database"/>: what the silo and gateway connect as.</summary>
    public static string AppRole(string database) => EnsureIdentifier(database) + "_app";

    /// <summary>Throws unless <paramref name="name"/> is a plain lower-case SQL identifier.</summary>
    public static string EnsureIdentifier(string name)
    {
        if (!Identifier().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a plain identifier (a-z, 0-9, _; at most 50 characters).", nameof(name));
        }

        return name;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,49}$")]
    private static partial Regex Identifier();
}

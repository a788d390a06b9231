using System.Text;
using NpgsqlTypes;

namespace OpsCentre.Database.Registries;

/// <summary>
/// The search column's tokens computed in the writer, exactly as the SQL function <c>registry_grams</c> (migration 0021)
/// computes them: the text lower-cased for ASCII only (PostgreSQL's <c>lower()</c> under the C locale); of every run of
/// non-ASCII characters each character and each adjacent pair; of every ASCII letter/digit run the run itself; distinct.
/// The set-based write path (an import's thousands of lines) sends them with the rows, so the database does not call the
/// SQL function once per row (migration 0029's triggers fill the column only when a write leaves it empty).
/// </summary>
public static class RegistryGrams
{
    /// <summary>The tokens of <paramref name="text"/>, distinct, in no particular order.</summary>
    public static HashSet<string> Of(string? text)
    {
        var grams = new HashSet<string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(text))
        {
            return grams;
        }

        var runes = new List<Rune>(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            runes.Add(rune.Value is >= 'A' and <= 'Z' ? new Rune(rune.Value + 32) : rune);
        }

        var i = 0;
        while (i < runes.Count)
        {
            var start = i;
            if (runes[i].Value > 0x7f || runes[i].Value == 0)
            {
                // registry_grams' pattern [^\x01-\x7f]: every character outside U+0001–U+007F (PostgreSQL's text holds no U+0000).
                while (i < runes.Count && (runes[i].Value > 0x7f || runes[i].Value == 0))
                {
                    i++;
                }

                for (var j = start; j < i; j++)
                {
                    grams.Add(runes[j].ToString());
                    if (j + 1 < i)
                    {
                        grams.Add(runes[j].ToString() + runes[j + 1]);
                    }
                }
            }
            else if (runes[i].Value is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                while (i < runes.Count && runes[i].Value is >= 'a' and <= 'z' or >= '0' and <= '9')
                {
                    i++;
                }

                var run = new StringBuilder(i - start);
                for (var j = start; j < i; j++)
                {
                    run.Append((char)runes[j].Value);
                }

                grams.Add(run.ToString());
            }
            else
            {
                i++;
            }
        }

        return grams;
    }

    /// <summary>The tokens of <paramref name="text"/> as the column's value (a tsvector of lexemes without positions).</summary>
    public static NpgsqlTsVector Vector(string? text)
    {
        var literal = new StringBuilder();
        foreach (var gram in Of(text))
        {
            literal.Append(literal.Length == 0 ? "'" : " '")
                .Append(gram.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal)).Append('\'');
        }

        // Npgsql keeps no public constructor for a tsvector; its parser is marked unreliable for PostgreSQL's whole syntax
        // (weights, positions, unquoted escapes), which these quoted bare lexemes do not use. The test
        // TheWritersSearchTokensAreTheDatabasesOwn compares the result with registry_grams in PostgreSQL.
#pragma warning disable CS0618
        return NpgsqlTsVector.Parse(literal.ToString());
#pragma warning restore CS0618
    }
}

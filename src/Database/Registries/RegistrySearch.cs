using System.Globalization;
using System.Text;
using Npgsql;

namespace OpsCentre.Database.Registries;

/// <summary>
/// One hit of the 综合查询: its registry, id and grid, its rank (0 exact, 1 prefix, 2 fragment) and its parts as stored —
/// <see cref="Title"/> is a resident's name for a population hit (<see cref="Personal"/>), which the caller masks;
/// <see cref="Details"/> are the registry's own descriptive parts (address, kind, state…), never personal.
/// </summary>
public sealed record RegistryHit(string Registry, string Id, string UnitCode, int Rank, string Title, IReadOnlyList<string> Details)
{
    public bool Personal => Registry == RegistryNames.Population;

    /// <summary>The cursor after this hit: <c>rank.order.id</c>.</summary>
    public string Cursor => $"{Rank}.{RegistryNames.All.ToList().IndexOf(Registry)}.{Id}";
}

/// <summary>
/// 综合查询: one search across the six registries within a unit, by a resident's name fragment, an exact ID number or
/// phone (through their keyed hashes), an address fragment (addresses, and the dwellings at them), an organisation's or
/// key place's name, a component's code or category name. Text is found through the GIN-indexed <c>search</c> columns
/// (<c>registry_grams</c>: CJK bigrams and ASCII runs), confirmed by the fragment's position, and ranked exact → prefix →
/// fragment, then by registry and id; paged by that order (keyset, not offset).
/// </summary>
public sealed class RegistrySearch(PersonalDataCipher cipher)
{
    public const int MinLength = 2;
    public const int MaxLength = 100;

    /// <summary>Whether the cursor is one this search hands out.</summary>
    public static bool TryParseCursor(string? after, out (int Rank, int Order, string Id) cursor)
    {
        cursor = (-1, -1, "");
        if (after is null)
        {
            return true;
        }

        var parts = after.Split('.', 3);
        if (parts.Length == 3 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var rank)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var order) && parts[2].Length > 0)
        {
            cursor = (rank, order, parts[2]);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Up to <paramref name="take"/> hits for <paramref name="query"/> (at least <see cref="MinLength"/> characters) under
    /// <paramref name="unitPrefix"/>, of <paramref name="registry"/> or all, after <paramref name="after"/> (a hit's <see cref="RegistryHit.Cursor"/>).
    /// </summary>
    public async Task<List<RegistryHit>> SearchAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string query, string unitPrefix, string? registry,
        string? after, int take, CancellationToken ct)
    {
        var q = query.Trim();
        var normal = PersonalDataCipher.Normalise(q);
        var digits = normal.TrimStart('+');
        var allDigits = digits.Length > 0 && digits.All(char.IsAsciiDigit);
        var branches = new List<string>();
        bool Wants(string r) => registry is null || registry == r;
        var command = new NpgsqlCommand { Connection = connection, Transaction = tx };

        if (IdNumbers.IsValid(normal))
        {
            if (Wants(RegistryNames.Population))
            {
                branches.Add(PersonBranch("0", "p.id_number_hash = @hash"));
                command.Parameters.AddWithValue("hash", cipher.Hash(normal));
            }
        }
        else if (allDigits && digits.Length >= 7)
        {
            if (Wants(RegistryNames.Population))
            {
                branches.Add(PersonBranch("0", "p.phone_hash = @hash"));
                command.Parameters.AddWithValue("hash", cipher.Hash(normal));
            }
        }

        if (allDigits && digits.Length >= 4 && Wants(RegistryNames.Components))
        {
            branches.Add($"""
                SELECT 5 AS ord, c.id, c.unit_code, CASE WHEN c.code = @digits THEN 0 ELSE 1 END AS rank, c.category AS title,
                       ARRAY[c.code, c.state] AS details
                FROM registry_component c
                WHERE c.code LIKE @digitsPrefix AND c.unit_code LIKE @unit AND c.removed_at IS NULL
                """);
            command.Parameters.AddWithValue("digits", digits);
            command.Parameters.AddWithValue("digitsPrefix", digits + "%");
        }

        var terms = TsQuery(q);
        if (!(IdNumbers.IsValid(normal) || (allDigits && digits.Length >= 7)) && terms is not null)
        {
            command.Parameters.AddWithValue("tsq", terms);
            command.Parameters.AddWithValue("lq", AsciiLower(q));
            command.Parameters.AddWithValue("lqPrefix", LikePrefix(AsciiLower(q)));
            var solid = AsciiLower(string.Concat(q.Where(c => !char.IsWhiteSpace(c))));
            command.Parameters.AddWithValue("lqSolid", solid);
            command.Parameters.AddWithValue("lqSolidPrefix", LikePrefix(solid));
            if (Wants(RegistryNames.Population))
            {
                branches.Add(PersonBranch("CASE WHEN lower(p.name) = @lq THEN 0 WHEN lower(p.name) LIKE @lqPrefix THEN 1 ELSE 2 END",
                    "p.search @@ @tsq::tsquery AND strpos(lower(p.name), @lq) > 0"));
            }

            if (Wants(RegistryNames.Addresses))
            {
                branches.Add($"""
                    SELECT 0 AS ord, a.id, a.unit_code, {AddressRank} AS rank, {AddressText} AS title, ARRAY[]::text[] AS details
                    FROM registry_address a
                    WHERE a.search @@ @tsq::tsquery AND strpos(lower({AddressText}), @lqSolid) > 0 AND a.unit_code LIKE @unit AND a.removed_at IS NULL
                    """);
            }

            if (Wants(RegistryNames.Housing))
            {
                branches.Add($"""
                    SELECT 2 AS ord, h.id, h.unit_code, {AddressRank} AS rank, {AddressText} AS title, ARRAY[h.use] AS details
                    FROM registry_address a JOIN registry_housing h ON h.address_id = a.id AND h.removed_at IS NULL
                    WHERE a.search @@ @tsq::tsquery AND strpos(lower({AddressText}), @lqSolid) > 0 AND h.unit_code LIKE @unit AND a.removed_at IS NULL
                    """);
            }

            if (Wants(RegistryNames.Organisations))
            {
                branches.Add($"""
                    SELECT 3 AS ord, o.id, o.unit_code, CASE WHEN lower(o.name) = @lq THEN 0 WHEN lower(o.name) LIKE @lqPrefix THEN 1 ELSE 2 END AS rank,
                           o.name AS title, ARRAY[o.kind, coalesce({AddressText}, '')] AS details
                    FROM registry_organisation o LEFT JOIN registry_address a ON a.id = o.address_id
                    WHERE o.search @@ @tsq::tsquery AND strpos(lower(o.name), @lq) > 0 AND o.unit_code LIKE @unit AND o.removed_at IS NULL
                    """);
            }

            if (Wants(RegistryNames.KeyPlaces))
            {
                branches.Add($"""
                    SELECT 4 AS ord, k.id, k.unit_code, CASE WHEN lower(k.name) = @lq THEN 0 WHEN lower(k.name) LIKE @lqPrefix THEN 1 ELSE 2 END AS rank,
                           k.name AS title, ARRAY[k.kind, k.civil_defence, k.physical_defence, k.technical_defence, coalesce(k.next_inspection_due::text, '')] AS details
                    FROM registry_key_place k
                    WHERE k.search @@ @tsq::tsquery AND strpos(lower(k.name), @lq) > 0 AND k.unit_code LIKE @unit AND k.removed_at IS NULL
                    """);
            }

            if (Wants(RegistryNames.Components) && ComponentCategories.Matching(q) is { Length: > 0 } categories)
            {
                branches.Add("""
                    SELECT 5 AS ord, c.id, c.unit_code, 2 AS rank, c.category AS title, ARRAY[c.code, c.state] AS details
                    FROM registry_component c
                    WHERE c.category = ANY (@categories) AND c.unit_code LIKE @unit AND c.removed_at IS NULL
                    """);
                command.Parameters.AddWithValue("categories", categories);
            }
        }

        if (branches.Count == 0)
        {
            await command.DisposeAsync();
            return [];
        }

        TryParseCursor(after, out var cursor);
        // No parallel workers for a search: each branch is a few index probes, and starting workers (tens of milliseconds
        // on a small machine) would cost more than the whole query. SET LOCAL lasts the caller's transaction only.
        command.CommandText = $"""
            {(tx is null ? "" : "SET LOCAL max_parallel_workers_per_gather = 0;")}
            SELECT ord, id, unit_code, rank, title, details FROM (
            {string.Join("\nUNION ALL\n", branches)}
            ) AS hits
            WHERE (rank, ord, id) > (@afterRank, @afterOrder, @afterId)
            ORDER BY rank, ord, id LIMIT @take
            """;
        command.Parameters.AddWithValue("unit", unitPrefix + "%");
        command.Parameters.AddWithValue("afterRank", cursor.Rank);
        command.Parameters.AddWithValue("afterOrder", cursor.Order);
        command.Parameters.AddWithValue("afterId", cursor.Id);
        command.Parameters.AddWithValue("take", take);
        var hits = new List<RegistryHit>();
        await using (command)
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                hits.Add(new RegistryHit(RegistryNames.All[reader.GetInt32(0)], reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                    reader.GetString(4), reader.GetFieldValue<string[]>(5)));
            }
        }

        return hits;
    }

    /// <summary>The address as one run of text: road, number, building, unit, room (红星路二段12号3栋2单元502).</summary>
    private const string AddressText = "(a.road || a.number || coalesce(a.building, '') || coalesce(a.unit, '') || coalesce(a.room, ''))";

    private const string AddressRank = $"CASE WHEN lower({AddressText}) = @lqSolid THEN 0 WHEN lower({AddressText}) LIKE @lqSolidPrefix THEN 1 ELSE 2 END";

    private static string PersonBranch(string rank, string condition) => $"""
        SELECT 1 AS ord, p.id, p.unit_code, {rank} AS rank, p.name AS title,
               ARRAY[coalesce({AddressText}, ''), p.residence, coalesce(p.registration_expiry::text, '')] AS details
        FROM registry_person p LEFT JOIN registry_address a ON a.id = p.address_id
        WHERE {condition} AND p.unit_code LIKE @unit AND p.removed_at IS NULL
        """;

    /// <summary>
    /// The tsquery of a fragment, tokenised as <c>registry_grams</c> tokenises the stored text: each run of non-ASCII
    /// characters by its adjacent pairs (a lone character by itself), each ASCII letter/digit run as a prefix; null when
    /// the fragment has nothing to search by. A lone character is a term only when the fragment has no other: a character
    /// such as 号 or 路 is in nearly every address, so its posting list would cost more to intersect than it narrows, and
    /// the fragment's position (<c>strpos</c>) confirms every hit anyway.
    /// </summary>
    public static string? TsQuery(string fragment)
    {
        var terms = new List<string>();
        var lone = new List<string>();
        var lower = AsciiLower(fragment);
        var runes = lower.EnumerateRunes().ToList();
        var i = 0;
        while (i < runes.Count)
        {
            var start = i;
            if (runes[i].Value > 0x7f)
            {
                while (i < runes.Count && runes[i].Value > 0x7f)
                {
                    i++;
                }

                var run = runes.GetRange(start, i - start);
                if (run.Count == 1)
                {
                    lone.Add(Lexeme(run[0].ToString()));
                }

                for (var j = 0; j + 1 < run.Count; j++)
                {
                    terms.Add(Lexeme(run[j].ToString() + run[j + 1]));
                }
            }
            else if (runes[i].IsAscii && char.IsAsciiLetterOrDigit((char)runes[i].Value))
            {
                while (i < runes.Count && runes[i].IsAscii && char.IsAsciiLetterOrDigit((char)runes[i].Value))
                {
                    i++;
                }

                terms.Add(Lexeme(string.Concat(runes.GetRange(start, i - start))) + ":*");
            }
            else
            {
                i++;
            }
        }

        var chosen = terms.Count > 0 ? terms : lone;
        return chosen.Count == 0 ? null : string.Join(" & ", chosen.Distinct());
    }

    private static string Lexeme(string text) => "'" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Lower case for ASCII only, as PostgreSQL's lower() under the C locale.</summary>
    private static string AsciiLower(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c is >= 'A' and <= 'Z' ? (char)(c + 32) : c);
        }

        return builder.ToString();
    }

    private static string LikePrefix(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
}

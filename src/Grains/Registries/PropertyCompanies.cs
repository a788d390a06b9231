using Npgsql;
using NpgsqlTypes;
using OpsCentre.Database;
using OpsCentre.Database.Operations;

namespace OpsCentre.Grains.Registries;

/// <summary>A compound (小区, a key place of kind compound) a property company manages, with the radius its cases are counted within.</summary>
public sealed record ManagedCompound(string PlaceId, string Name, string UnitCode, int RadiusM, DateTimeOffset LinkedAt, bool Located);

/// <summary>A property company (物业服务企业: an organisation of kind property-management) with the compounds it manages now.</summary>
public sealed record PropertyCompany(string Id, string Name, string UnitCode, IReadOnlyList<ManagedCompound> Compounds);

/// <summary>
/// A company's figures over a period: its compounds, the cases reported in them (within each compound's radius of its address,
/// while the company managed it, drills left out), closed, closed on time, open, and those of the category <c>property-complaint</c>.
/// </summary>
public sealed record PropertyCompanyFigures(
    string Id, string Name, string UnitCode, long Compounds, long Cases, long Closed, long ClosedOnTime, long Open, long Complaints)
{
    /// <summary>Cases per compound managed: what the ranking orders by (fewer is better).</summary>
    public double? CasesPerCompound => Compounds == 0 ? null : Math.Round((double)Cases / Compounds, 4);

    /// <summary>按期结案率 of the company's cases: closed by their due time / closed; null when none closed.</summary>
    public double? OnTimeClosureRate => Closed == 0 ? null : Math.Round((double)ClosedOnTime / Closed, 4);
}

public enum LinkOutcome
{
    Done,

    /// <summary>No such property company, or no such compound.</summary>
    NotFound,
    OpIdReused,
}

/// <summary>
/// 物业监督 in PostgreSQL: the links of property companies to their compounds (<c>property_company_compound</c>, migration 0035)
/// and the cases counted against them — those of the case list (<c>incident</c>) reported within a compound's radius of its
/// standard address while the company managed it. A compound has one company at a time: linking it to another ends the link before.
/// </summary>
public sealed class PropertyCompanies(NpgsqlDataSource db)
{
    /// <summary>Where a company or a compound lies (its unit), or null when the registry has no live row of that kind.</summary>
    public async Task<(string? Company, string? Compound)> UnitsOfAsync(string companyId, string placeId, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            """
            SELECT (SELECT unit_code FROM registry_organisation WHERE id = @company AND kind = 'property-management' AND removed_at IS NULL),
                   (SELECT unit_code FROM registry_key_place WHERE id = @place AND kind = 'compound' AND removed_at IS NULL)
            """);
        command.Parameters.AddWithValue("company", companyId);
        command.Parameters.AddWithValue("place", placeId);
        return (await command.ReadAllAsync(r => (r.NullableString(0), r.NullableString(1)), ct)).Single();
    }

    /// <summary>Links the compound to the company from now (ending its link to any other); once per operation id.</summary>
    public async Task<LinkOutcome> LinkAsync(Operation operation, string companyId, string placeId, int radiusM, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var claim = await OperationLedger.ClaimAsync(connection, transaction, operation, companyId + "/" + placeId, ct);
        if (claim.Outcome != ClaimOutcome.Fresh)
        {
            return claim.Outcome == ClaimOutcome.Reused ? LinkOutcome.OpIdReused : LinkOutcome.Done;
        }

        await using (var end = new NpgsqlCommand(
            "UPDATE property_company_compound SET ended_at = @now, ended_by = @by WHERE place_id = @place AND ended_at IS NULL", connection, transaction))
        {
            end.Parameters.AddWithValue("place", placeId);
            end.Parameters.AddWithValue("by", operation.Caller);
            end.Parameters.AddWithValue("now", now.ToUniversalTime());
            await end.ExecuteNonQueryAsync(ct);
        }

        await using var insert = new NpgsqlCommand(
            "INSERT INTO property_company_compound (company_id, place_id, radius_m, linked_by, linked_at) VALUES (@company, @place, @radius, @by, @now)",
            connection, transaction);
        insert.Parameters.AddWithValue("company", companyId);
        insert.Parameters.AddWithValue("place", placeId);
        insert.Parameters.AddWithValue("radius", radiusM);
        insert.Parameters.AddWithValue("by", operation.Caller);
        insert.Parameters.AddWithValue("now", now.ToUniversalTime());
        await insert.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        return LinkOutcome.Done;
    }

    /// <summary>The property companies within <paramref name="unitPrefix"/> (by the company's unit or a compound's), by name, with their current compounds.</summary>
    public async Task<List<PropertyCompany>> ListAsync(string unitPrefix, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            """
            SELECT o.id, o.name, o.unit_code, p.id, p.name, p.unit_code, l.radius_m, l.linked_at, a.lat IS NOT NULL
            FROM registry_organisation o
            LEFT JOIN property_company_compound l ON l.company_id = o.id AND l.ended_at IS NULL
            LEFT JOIN registry_key_place p ON p.id = l.place_id
            LEFT JOIN registry_address a ON a.id = p.address_id
            WHERE o.kind = 'property-management' AND o.removed_at IS NULL
              AND (o.unit_code LIKE @prefix || '%' OR p.unit_code LIKE @prefix || '%')
            ORDER BY o.name, o.id, p.name
            LIMIT 5000
            """);
        command.Parameters.AddWithValue("prefix", unitPrefix);
        var rows = await command.ReadAllAsync(r => (Id: r.GetString(0), Name: r.GetString(1), Unit: r.GetString(2),
            Compound: r.IsDBNull(3) ? null : new ManagedCompound(r.GetString(3), r.GetString(4), r.GetString(5), r.GetInt32(6), r.GetFieldValue<DateTimeOffset>(7), r.GetBoolean(8))), ct);
        return [.. rows.GroupBy(r => (r.Id, r.Name, r.Unit)).Select(g => new PropertyCompany(g.Key.Id, g.Key.Name, g.Key.Unit, [.. g.Select(r => r.Compound).OfType<ManagedCompound>()]))];
    }

    /// <summary>The figures of each company managing a compound within <paramref name="unitPrefix"/> during <c>[from, to)</c>, counted over those compounds.</summary>
    public async Task<List<PropertyCompanyFigures>> FiguresAsync(string unitPrefix, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            """
            WITH links AS (
                SELECT l.company_id, l.place_id, l.radius_m, l.linked_at, l.ended_at, a.lat, a.lon
                FROM property_company_compound l
                JOIN registry_key_place p ON p.id = l.place_id
                LEFT JOIN registry_address a ON a.id = p.address_id
                WHERE p.unit_code LIKE @prefix || '%' AND l.linked_at < @to AND (l.ended_at IS NULL OR l.ended_at > @from)
            ), hits AS (
                SELECT DISTINCT l.company_id, i.id, i.stage, i.closed_at, i.due_at, i.category
                FROM links l JOIN incident i
                  ON l.lat IS NOT NULL AND i.lat IS NOT NULL AND i.drill_id IS NULL
                 AND i.reported_at >= greatest(@from, l.linked_at) AND i.reported_at < least(@to, coalesce(l.ended_at, @to))
                 AND i.lat BETWEEN l.lat - l.radius_m / 111000.0 AND l.lat + l.radius_m / 111000.0
                 AND 6371000 * sqrt(power(radians(i.lat - l.lat), 2) + power(radians(i.lon - l.lon) * cos(radians(l.lat)), 2)) <= l.radius_m
            )
            SELECT o.id, o.name, o.unit_code,
                   (SELECT count(DISTINCT place_id) FROM links WHERE links.company_id = o.id),
                   count(h.id),
                   count(h.id) FILTER (WHERE h.stage = 'closed'),
                   count(h.id) FILTER (WHERE h.stage = 'closed' AND h.closed_at <= h.due_at),
                   count(h.id) FILTER (WHERE h.stage NOT IN ('closed', 'cancelled')),
                   count(h.id) FILTER (WHERE h.category = 'property-complaint')
            FROM registry_organisation o
            JOIN (SELECT DISTINCT company_id FROM links) c ON c.company_id = o.id
            LEFT JOIN hits h ON h.company_id = o.id
            GROUP BY o.id, o.name, o.unit_code
            """);
        command.Parameters.AddWithValue("prefix", unitPrefix);
        command.Parameters.AddWithValue("from", NpgsqlDbType.TimestampTz, from.ToUniversalTime());
        command.Parameters.AddWithValue("to", NpgsqlDbType.TimestampTz, to.ToUniversalTime());
        return await command.ReadAllAsync(r => new PropertyCompanyFigures(
            r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7), r.GetInt64(8)), ct);
    }
}

using System.Text.Json;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using NetTopologySuite.IO.Converters;
using Npgsql;
using NpgsqlTypes;
using OpsCentre.Grains.Imports;
using OpsCentre.Grains.Units;

namespace OpsCentre.Grains.Map;

/// <summary>
/// Loads unit polygons from a GeoJSON FeatureCollection (properties <c>code</c> and <c>name</c>; Polygon or MultiPolygon
/// in WGS-84 lon/lat) into <c>unit_map</c>. All or nothing: every feature is validated first, and one bad feature means
/// nothing changes and every problem is reported (its <c>line</c> is the feature's number, 1 for the first; 0 is the file
/// as a whole). Units are added or updated (name, polygon), never ended; a feature the map already holds as it is counts
/// as unchanged, and a file that changes nothing leaves <c>map_version</c> alone. A file whose coordinates are GCJ-02 (as
/// boundary data from Chinese map sources usually is) says so with the FeatureCollection's member
/// <c>"coordSystem": "gcj02"</c> (default <c>wgs84</c>): every vertex is converted to WGS-84 before it is checked and stored,
/// the same conversion for a vertex shared by neighbours, so shared edges stay shared.
/// </summary>
public sealed class MapImporter : IImporter
{
    public static JsonSerializerOptions GeoJsonOptions { get; } = new() { Converters = { new GeoJsonConverterFactory() } };

    public async Task<ImportOutcome> RunAsync(ImportInput input, NpgsqlConnection connection, NpgsqlTransaction transaction, ImportProgress progress, CancellationToken ct)
    {
        FeatureCollection? collection;
        try
        {
            collection = JsonSerializer.Deserialize<FeatureCollection>(input.Content, GeoJsonOptions);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or NotSupportedException or FormatException)
        {
            return ImportOutcome.Refused(0, null, "not a GeoJSON FeatureCollection: " + ex.Message);
        }

        if (collection is null || collection.Count == 0)
        {
            return ImportOutcome.Refused(0, null, "the FeatureCollection has no features");
        }

        var system = CoordSystemOf(input.Content);
        if (!CoordSystems.IsKnown(system))
        {
            return ImportOutcome.Refused(0, "coordSystem", $"coordSystem must be {CoordSystems.Wgs84} (the default) or {CoordSystems.Gcj02}");
        }

        if (system == CoordSystems.Gcj02)
        {
            foreach (var feature in collection)
            {
                if (feature.Geometry is { } geometry && InWgs84(geometry))
                {
                    geometry.Apply(Gcj02ToWgs84Filter.Instance);
                }
            }
        }

        var known = await UnitCodes.AboveGridsAsync(connection, transaction, ct);
        var (units, errors) = Validate(collection, input.Unit, known);
        progress.Report(collection.Count, units.Count, errors.Select(e => e.Line).Distinct().Count());
        if (errors.Count > 0)
        {
            return new ImportOutcome(collection.Count, units.Count, errors, ImportChanges.None);
        }

        var changes = await StoreAsync(units, input, connection, transaction, ct);
        return new ImportOutcome(collection.Count, units.Count, [], changes);
    }

    /// <summary>The FeatureCollection's <c>coordSystem</c> member (a foreign member, RFC 7946 §6.1), or null when it has none; "?" when it is not a string.</summary>
    private static string? CoordSystemOf(byte[] content)
    {
        using var document = JsonDocument.Parse(content);
        return !document.RootElement.TryGetProperty("coordSystem", out var member) ? null
            : member.ValueKind == JsonValueKind.String ? member.GetString() : "?";
    }

    /// <summary>Moves every vertex from GCJ-02 to WGS-84 in place.</summary>
    private sealed class Gcj02ToWgs84Filter : ICoordinateSequenceFilter
    {
        public static Gcj02ToWgs84Filter Instance { get; } = new();

        public bool Done => false;

        public bool GeometryChanged => true;

        public void Filter(CoordinateSequence seq, int i)
        {
            var (lat, lon) = ChinaCoordinates.Gcj02ToWgs84(seq.GetY(i), seq.GetX(i));
            seq.SetX(i, lon);
            seq.SetY(i, lat);
        }
    }

    private static (List<(string Code, string Name, Geometry Geometry)>, List<ImportError>) Validate(FeatureCollection collection, string unit, HashSet<string> known)
    {
        var errors = new List<ImportError>();
        var units = new List<(string Code, string Name, Geometry Geometry)>();
        var codes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < collection.Count; i++)
        {
            var feature = collection[i];
            var code = Property(feature, "code");
            var name = Property(feature, "name");
            var (field, reason) = code is null || !UnitCode.IsValid(code) ? ("properties.code", "properties.code must be a unit code (4, 6, 9, 12 or 15 digits)")
                : !UnitCode.IsWithin(code, unit) ? ("properties.code", $"unit {code} lies outside the import's unit {unit}")
                : string.IsNullOrWhiteSpace(name) ? ("properties.name", "properties.name is required")
                : feature.Geometry is not (Polygon or MultiPolygon) ? ("geometry", "geometry must be a Polygon or MultiPolygon")
                : !InWgs84(feature.Geometry) ? ("geometry", "coordinates must be WGS-84 longitude/latitude")
                : !feature.Geometry.IsValid ? ("geometry", "the polygon is not valid (self-intersecting, unclosed or degenerate)")
                : !codes.Add(code) ? ("properties.code", "the code appears more than once")
                : ((string?)null, (string?)null);
            if (reason is not null)
            {
                errors.Add(new ImportError(i + 1, field, reason));
            }
            else
            {
                units.Add((code!, name!.Trim(), feature.Geometry));
            }
        }

        // Every unit below the city needs its parent, in this file or already in the map.
        for (var i = 0; i < collection.Count; i++)
        {
            var code = Property(collection[i], "code");
            if (code is not null && UnitCode.IsValid(code) && UnitCode.ParentOf(code) is { } parent && !codes.Contains(parent) && !known.Contains(parent))
            {
                errors.Add(new ImportError(i + 1, "properties.code", $"parent unit {parent} is neither in this file nor in the map"));
            }
        }

        errors.Sort((a, b) => a.Line.CompareTo(b.Line));
        return (units, errors);
    }

    private static async Task<ImportChanges> StoreAsync(List<(string Code, string Name, Geometry Geometry)> units, ImportInput input,
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        var writer = new WKBWriter();
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE unit_import (code text PRIMARY KEY, name text, parent_code text, geometry bytea) ON COMMIT DROP", connection, transaction))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        await using (var import = await connection.BeginBinaryImportAsync("COPY unit_import FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var (code, name, geometry) in units)
            {
                await import.StartRowAsync(ct);
                await import.WriteAsync(code, NpgsqlDbType.Text, ct);
                await import.WriteAsync(name, NpgsqlDbType.Text, ct);
                await import.WriteAsync(UnitCode.ParentOf(code), NpgsqlDbType.Text, ct);
                await import.WriteAsync(writer.Write(geometry), NpgsqlDbType.Bytea, ct);
            }

            await import.CompleteAsync(ct);
        }

        // History first (it reads the map as it was), then the upsert of what differs; the polygon's history is its digest.
        await using var apply = new NpgsqlCommand(
            """
            INSERT INTO import_change (job_id, subject, subject_id, action, old_value, new_value, at)
            SELECT @job, 'unit', i.code, CASE WHEN m.code IS NULL THEN 'added' ELSE 'updated' END,
                   CASE WHEN m.code IS NOT NULL THEN jsonb_build_object('name', m.name, 'geometry', md5(m.geometry)) END,
                   jsonb_build_object('name', i.name, 'geometry', md5(i.geometry)), @now
            FROM unit_import i LEFT JOIN unit_map m ON m.code = i.code
            WHERE m.code IS NULL OR m.name <> i.name OR m.geometry IS DISTINCT FROM i.geometry;

            SELECT count(*) FILTER (WHERE m.code IS NULL)::int,
                   count(*) FILTER (WHERE m.code IS NOT NULL AND (m.name <> i.name OR m.geometry IS DISTINCT FROM i.geometry))::int,
                   count(*) FILTER (WHERE m.code IS NOT NULL AND m.name = i.name AND m.geometry IS NOT DISTINCT FROM i.geometry)::int
            FROM unit_import i LEFT JOIN unit_map m ON m.code = i.code;

            INSERT INTO unit_map (code, name, parent_code, geometry)
            SELECT code, name, parent_code, geometry FROM unit_import
            ON CONFLICT (code) DO UPDATE SET name = excluded.name, geometry = excluded.geometry, updated_at = now()
            WHERE unit_map.name <> excluded.name OR unit_map.geometry IS DISTINCT FROM excluded.geometry;
            """, connection, transaction);
        apply.Parameters.AddWithValue("job", input.JobId);
        apply.Parameters.AddWithValue("now", input.Now.ToUniversalTime());
        ImportChanges changes;
        await using (var reader = await apply.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            changes = new ImportChanges(reader.GetInt32(0), reader.GetInt32(1), 0, reader.GetInt32(2));
        }

        if (changes.Added + changes.Updated > 0)
        {
            await UnitCodes.BumpMapVersionAsync(connection, transaction, ct);
        }

        return changes;
    }

    private static string? Property(IFeature feature, string name) =>
        feature.Attributes is { } attributes && attributes.Exists(name) ? attributes[name]?.ToString() : null;

    private static bool InWgs84(Geometry geometry)
    {
        var envelope = geometry.EnvelopeInternal;
        return envelope.MinX >= -180 && envelope.MaxX <= 180 && envelope.MinY >= -90 && envelope.MaxY <= 90;
    }
}

/// <summary>The map's codes and version as an import reads and bumps them, in its transaction.</summary>
internal static class UnitCodes
{
    public static async Task<HashSet<string>> AboveGridsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand("SELECT code FROM unit_map WHERE length(code) < 15", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            codes.Add(reader.GetString(0));
        }

        return codes;
    }

    /// <summary>Every silo's grid index and every unit grain's identity follow <c>map_version</c> (within <see cref="MapOptions.RefreshInterval"/>).</summary>
    public static async Task BumpMapVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var bump = new NpgsqlCommand("UPDATE map_version SET version = version + 1, imported_at = now()", connection, transaction);
        await bump.ExecuteNonQueryAsync(ct);
    }
}

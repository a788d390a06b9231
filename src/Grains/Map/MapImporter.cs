using System.Text.Json;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using NetTopologySuite.IO.Converters;
using Npgsql;
using NpgsqlTypes;
using OpsCentre.Grains.Units;

namespace OpsCentre.Grains.Map;

/// <summary>Why one feature of an import was refused. <see cref="Index"/> is the feature's position (-1: the file as a whole).</summary>
public sealed record MapImportError(int Index, string? Code, string Reason);

/// <summary>The outcome of a map import: either every feature was stored, or none and the reasons.</summary>
public sealed record MapImportResult(int Imported, IReadOnlyList<MapImportError> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}

/// <summary>
/// Loads unit polygons from a GeoJSON FeatureCollection (properties <c>code</c> and <c>name</c>;
/// Polygon or MultiPolygon in WGS-84 lon/lat) into <c>unit_map</c>. All or nothing: every feature
/// is validated first, and one bad feature means nothing changes and every problem is reported.
/// </summary>
public sealed class MapImporter(NpgsqlDataSource dataSource)
{
    public static JsonSerializerOptions GeoJsonOptions { get; } = new() { Converters = { new GeoJsonConverterFactory() } };

    public async Task<MapImportResult> ImportAsync(Stream geoJson, CancellationToken cancellationToken = default)
    {
        FeatureCollection? collection;
        try
        {
            collection = await JsonSerializer.DeserializeAsync<FeatureCollection>(geoJson, GeoJsonOptions, cancellationToken);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            return new MapImportResult(0, [new MapImportError(-1, null, "not a GeoJSON FeatureCollection: " + ex.Message)]);
        }

        if (collection is null || collection.Count == 0)
        {
            return new MapImportResult(0, [new MapImportError(-1, null, "the FeatureCollection has no features")]);
        }

        var (units, errors) = await ValidateAsync(collection, cancellationToken);
        if (errors.Count > 0)
        {
            return new MapImportResult(0, errors);
        }

        await StoreAsync(units, cancellationToken);
        return new MapImportResult(units.Count, []);
    }

    private async Task<(List<(string Code, string Name, Geometry Geometry)>, List<MapImportError>)> ValidateAsync(
        FeatureCollection collection, CancellationToken cancellationToken)
    {
        var errors = new List<MapImportError>();
        var units = new List<(string Code, string Name, Geometry Geometry)>();
        var codes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < collection.Count; i++)
        {
            var feature = collection[i];
            var code = Property(feature, "code");
            var name = Property(feature, "name");
            var reason = code is null || !UnitCode.IsValid(code) ? "properties.code must be a unit code (4, 6, 9, 12 or 15 digits)"
                : string.IsNullOrWhiteSpace(name) ? "properties.name is required"
                : feature.Geometry is not (Polygon or MultiPolygon) ? "geometry must be a Polygon or MultiPolygon"
                : !InWgs84(feature.Geometry) ? "coordinates must be WGS-84 longitude/latitude"
                : !feature.Geometry.IsValid ? "the polygon is not valid (self-intersecting, unclosed or degenerate)"
                : !codes.Add(code) ? "the code appears more than once"
                : null;
            if (reason is not null)
            {
                errors.Add(new MapImportError(i, code, reason));
            }
            else
            {
                units.Add((code!, name!, feature.Geometry));
            }
        }

        // Every unit below the city needs its parent, in this file or already in the map.
        var known = await ExistingCodesAsync(cancellationToken);
        for (var i = 0; i < collection.Count; i++)
        {
            var code = Property(collection[i], "code");
            if (code is not null && UnitCode.IsValid(code) && UnitCode.ParentOf(code) is { } parent && !codes.Contains(parent) && !known.Contains(parent))
            {
                errors.Add(new MapImportError(i, code, $"parent unit {parent} is neither in this file nor in the map"));
            }
        }

        errors.Sort((a, b) => a.Index.CompareTo(b.Index));
        return (units, errors);
    }

    private async Task StoreAsync(List<(string Code, string Name, Geometry Geometry)> units, CancellationToken cancellationToken)
    {
        var writer = new WKBWriter();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE unit_import (code text, name text, parent_code text, geometry bytea) ON COMMIT DROP", connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var import = await connection.BeginBinaryImportAsync("COPY unit_import FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var (code, name, geometry) in units)
            {
                await import.StartRowAsync(cancellationToken);
                await import.WriteAsync(code, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(name, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(UnitCode.ParentOf(code), NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(writer.Write(geometry), NpgsqlDbType.Bytea, cancellationToken);
            }

            await import.CompleteAsync(cancellationToken);
        }

        await using (var upsert = new NpgsqlCommand(
            """
            INSERT INTO unit_map (code, name, parent_code, geometry)
            SELECT code, name, parent_code, geometry FROM unit_import
            ON CONFLICT (code) DO UPDATE SET name = excluded.name, geometry = excluded.geometry, updated_at = now();
            UPDATE map_version SET version = version + 1, imported_at = now();
            """, connection, transaction))
        {
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<HashSet<string>> ExistingCodesAsync(CancellationToken cancellationToken)
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand("SELECT code FROM unit_map WHERE length(code) < 15");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            codes.Add(reader.GetString(0));
        }

        return codes;
    }

    private static string? Property(IFeature feature, string name) =>
        feature.Attributes is { } attributes && attributes.Exists(name) ? attributes[name]?.ToString() : null;

    private static bool InWgs84(Geometry geometry)
    {
        var envelope = geometry.EnvelopeInternal;
        return envelope.MinX >= -180 && envelope.MaxX <= 180 && envelope.MinY >= -90 && envelope.MaxY <= 90;
    }
}

using NetTopologySuite.Geometries;
using NetTopologySuite.IO;
using Npgsql;

namespace OpsCentre.Grains.Map;

/// <summary>A unit's identity as the map holds it.</summary>
public sealed record UnitRecord(string Code, string Name, string? ParentCode);

/// <summary>Reads <c>unit_map</c>: identities, children and polygons.</summary>
public sealed class MapStore(NpgsqlDataSource dataSource)
{
    public async Task<UnitRecord?> FindAsync(string code, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT code, name, parent_code FROM unit_map WHERE code = @c");
        command.Parameters.AddWithValue("c", code);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new UnitRecord(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2))
            : null;
    }

    public async Task<IReadOnlyList<UnitRecord>> ChildrenAsync(string code, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT code, name, parent_code FROM unit_map WHERE parent_code = @c ORDER BY code");
        command.Parameters.AddWithValue("c", code);
        var children = new List<UnitRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            children.Add(new UnitRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return children;
    }

    /// <summary>The identities of those of <paramref name="codes"/> that the map holds, in code order (names for a screen, one query).</summary>
    public async Task<IReadOnlyList<UnitRecord>> FindManyAsync(IReadOnlyCollection<string> codes, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT code, name, parent_code FROM unit_map WHERE code = ANY(@c) ORDER BY code");
        command.Parameters.AddWithValue("c", codes.ToArray());
        var units = new List<UnitRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            units.Add(new UnitRecord(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return units;
    }

    /// <summary>The polygons of <paramref name="code"/>'s children (those the map has drawn: a unit a division list added waits for its polygon).</summary>
    public Task<IReadOnlyList<(UnitRecord Unit, Geometry Geometry)>> ChildGeometriesAsync(string code, CancellationToken cancellationToken = default) =>
        GeometriesAsync("SELECT code, name, parent_code, geometry FROM unit_map WHERE parent_code = @c AND geometry IS NOT NULL ORDER BY code", code, cancellationToken);

    /// <summary>Every grid polygon (15-digit codes), for the spatial index; a grid without a polygon yet locates no position.</summary>
    public Task<IReadOnlyList<(UnitRecord Unit, Geometry Geometry)>> GridGeometriesAsync(CancellationToken cancellationToken = default) =>
        GeometriesAsync("SELECT code, name, parent_code, geometry FROM unit_map WHERE length(code) = 15 AND geometry IS NOT NULL", null, cancellationToken);

    /// <summary>The map's version; every import increments it.</summary>
    public async Task<long> VersionAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT version FROM map_version");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<IReadOnlyList<(UnitRecord, Geometry)>> GeometriesAsync(string sql, string? code, CancellationToken cancellationToken)
    {
        var reader = new WKBReader();
        await using var command = dataSource.CreateCommand(sql);
        if (code is not null)
        {
            command.Parameters.AddWithValue("c", code);
        }

        var result = new List<(UnitRecord, Geometry)>();
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            var geometry = reader.Read((byte[])rows[3]);
            geometry.SRID = 4326;
            result.Add((new UnitRecord(rows.GetString(0), rows.GetString(1), rows.IsDBNull(2) ? null : rows.GetString(2)), geometry));
        }

        return result;
    }
}

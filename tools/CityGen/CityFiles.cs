using System.Globalization;
using System.Text;
using System.Text.Json;
using NetTopologySuite.Features;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Rosters;
using OpsCentre.Grains.Units;

namespace OpsCentre.CityGen;

/// <summary>
/// The files a generated city is exchanged in: map.geojson, workers.csv, key-persons.csv, and divisions.csv (header
/// <c>code,name</c>: the city, its districts, streets and communities — the real division list, without the generated grids).
/// </summary>
public static class CityFiles
{
    public const string Map = "map.geojson";
    public const string Workers = "workers.csv";
    public const string KeyPersons = "key-persons.csv";
    public const string Divisions = "divisions.csv";
    public const string DivisionsHeader = "code,name";

    public static async Task WriteAsync(GeneratedCity city, string directory)
    {
        Directory.CreateDirectory(directory);
        var features = new FeatureCollection();
        foreach (var unit in city.Units)
        {
            features.Add(new Feature(unit.Geometry, new AttributesTable
            {
                { "code", unit.Code },
                { "name", unit.Name },
                { "level", UnitCode.LevelName(UnitCode.LevelOf(unit.Code)) },
            }));
        }

        await using (var map = File.Create(Path.Combine(directory, Map)))
        {
            await JsonSerializer.SerializeAsync(map, features, MapImporter.GeoJsonOptions);
        }

        await File.WriteAllLinesAsync(Path.Combine(directory, Workers),
            city.Workers.Select(w => string.Join(',', w.Id, w.Name, w.Phone, w.Grid, F(w.Lat), F(w.Lon))).Prepend(RosterImporter.WorkersHeader),
            new UTF8Encoding(false));
        await File.WriteAllLinesAsync(Path.Combine(directory, KeyPersons),
            city.KeyPersons.Select(p => string.Join(',', p.Id, p.Name, p.IdNumber, p.Category, p.Level, p.Grid, F(p.Lat), F(p.Lon))).Prepend(RosterImporter.KeyPersonsHeader),
            new UTF8Encoding(false));
        await File.WriteAllLinesAsync(Path.Combine(directory, Divisions),
            city.Units.Where(u => u.Code.Length < 15).Select(u => u.Code + "," + Quoted(u.Name)).Prepend(DivisionsHeader),
            new UTF8Encoding(false));
    }

    /// <summary>A CSV field: quoted (with doubled quotes) only when it holds a comma, a quote or a line break.</summary>
    private static string Quoted(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";

    private static string F(double value) => value.ToString("0.0######", CultureInfo.InvariantCulture);
}

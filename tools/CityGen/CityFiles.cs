using System.Globalization;
using System.Text;
using System.Text.Json;
using NetTopologySuite.Features;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Rosters;
using OpsCentre.Grains.Units;

namespace OpsCentre.CityGen;

/// <summary>The files a generated city is exchanged in: map.geojson, workers.csv, key-persons.csv.</summary>
public static class CityFiles
{
    public const string Map = "map.geojson";
    public const string Workers = "workers.csv";
    public const string KeyPersons = "key-persons.csv";

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
    }

    private static string F(double value) => value.ToString("0.0######", CultureInfo.InvariantCulture);
}

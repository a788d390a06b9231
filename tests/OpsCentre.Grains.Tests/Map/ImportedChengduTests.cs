using Npgsql;
using OpsCentre.CityGen;
using OpsCentre.Grains.Map;

namespace OpsCentre.Grains.Tests.Map;

/// <summary>The run command's city imported through the product's import jobs (divisions, map, rosters) into a database of its own, and read back as the silos read it.</summary>
[Collection(nameof(ClusterCollection))]
public sealed class ImportedChengduTests(ClusterFixture fixture)
{
    [Fact]
    public async Task TheImportedMapHoldsChengdusDistrictsAndStreetsAndResolvesRealPlaces()
    {
        var database = await fixture.Postgres.CreateDatabaseAsync("chengdu_map");
        await using var dataSource = NpgsqlDataSource.Create(database.AppConnectionString);
        var directory = Path.Combine(Path.GetTempPath(), "opscentre-chengdu-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await CityFiles.WriteAsync(GeneratedCityTests.Chengdu.Value, directory);
            var problems = await CityLoader.LoadAsync(dataSource, directory);
            Assert.True(problems.Count == 0, string.Join("; ", problems.Take(5)));
            var divisions = File.ReadAllLines(Path.Combine(directory, CityFiles.Divisions));
            Assert.Equal(CityFiles.DivisionsHeader, divisions[0]);
            Assert.Contains("510104017001,水井坊社区", divisions);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        var map = new MapStore(dataSource);
        var districts = await map.ChildrenAsync("5101");
        Assert.Equal(20, districts.Count);
        Assert.Contains(districts, d => d is { Code: "510104", Name: "锦江区" });
        Assert.Contains(districts, d => d is { Code: "510118", Name: "新津区" });
        var streets = await map.ChildrenAsync("510104");
        Assert.Equal(11, streets.Count);
        Assert.Equal(("510104017", "锦官驿街道"), (streets[0].Code, streets[0].Name));

        var index = new GridIndex((await map.GridGeometriesAsync()).Select(g => (g.Unit.Code, g.Geometry)));
        Assert.StartsWith("510104", index.Locate(30.61, 104.11));    // south-east 锦江区
        Assert.StartsWith("510105", index.Locate(30.660, 104.029));  // 杜甫草堂, 青羊区
    }
}

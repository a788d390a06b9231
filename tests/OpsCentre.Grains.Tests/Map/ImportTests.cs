using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpsCentre.Grains.Imports;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Rosters;
using OpsCentre.Testing;

namespace OpsCentre.Grains.Tests.Map;

[Collection(nameof(ClusterCollection))]
public sealed class ImportTests(ClusterFixture fixture)
{
    private static string Square(double lon, double lat, double size = 0.01) =>
        $"[[[{lon},{lat}],[{lon + size},{lat}],[{lon + size},{lat + size}],[{lon},{lat + size}],[{lon},{lat}]]]";

    private static string Feature(string? code, string? name, string type, string coordinates)
    {
        var codeProperty = code is null ? "" : "\"code\":\"" + code + "\",";
        var nameValue = name is null ? "null" : "\"" + name + "\"";
        return "{\"type\":\"Feature\",\"properties\":{" + codeProperty + "\"name\":" + nameValue
            + "},\"geometry\":{\"type\":\"" + type + "\",\"coordinates\":" + coordinates + "}}";
    }

    private static byte[] Collection(params string[] features) =>
        Encoding.UTF8.GetBytes($$"""{"type":"FeatureCollection","features":[{{string.Join(",", features)}}]}""");

    /// <summary>A file through the import job path that the HTTP API and CityGen take, for the whole of <paramref name="unit"/>.</summary>
    private static Task<ImportJob> ImportAsync(NpgsqlDataSource dataSource, string kind, byte[] content, string unit = "51") =>
        new ImportRunner(dataSource, new ImportJobStore(dataSource), TimeProvider.System, NullLogger<ImportRunner>.Instance)
            .SubmitAndRunAsync(new ImportSubmission(kind, unit, unit, kind + ".file", content, "import-tests", Guid.NewGuid().ToString()));

    [Fact]
    public async Task AMalformedMapIsRejectedWholeWithAReasonPerFeatureAndAcceptedOnceFixed()
    {
        await using var dataSource = NpgsqlDataSource.Create(fixture.Database.AppConnectionString);
        var map = new MapStore(dataSource);
        var before = await map.VersionAsync();
        var bad = await ImportAsync(dataSource, ImportKinds.Map, Collection(
            Feature("5188", "测试市", "Polygon", Square(100, 30, 1)),
            Feature("518801", "好区", "Polygon", Square(100, 30)),
            Feature("518802", "蝴蝶区", "Polygon", "[[[100,30],[100.01,30.01],[100.01,30],[100,30.01],[100,30]]]"),
            Feature("518803", null, "Polygon", Square(100.5, 30)),
            Feature("51x", "坏码", "Polygon", Square(100.6, 30)),
            Feature("518801", "重复", "Polygon", Square(100.7, 30)),
            Feature("518804", "点", "Point", "[100,30]"),
            Feature("518899001", "孤儿街道", "Polygon", Square(100.8, 30))));

        Assert.Equal(ImportStates.Failed, bad.State);
        Assert.Equal([3, 4, 5, 6, 7, 8], bad.Errors.Select(e => e.Line));
        Assert.Contains("not valid", bad.Errors[0].Reason);
        Assert.Contains("name", bad.Errors[1].Reason);
        Assert.Contains("code", bad.Errors[2].Reason);
        Assert.Contains("more than once", bad.Errors[3].Reason);
        Assert.Contains("Polygon", bad.Errors[4].Reason);
        Assert.Contains("parent unit 518899", bad.Errors[5].Reason);
        Assert.Null(await map.FindAsync("5188"));
        Assert.Null(await map.FindAsync("518801"));
        Assert.Equal(before, await map.VersionAsync());

        var fixedMap = await ImportAsync(dataSource, ImportKinds.Map, Collection(
            Feature("5188", "测试市", "Polygon", Square(100, 30, 1)),
            Feature("518801", "好区", "Polygon", Square(100, 30)),
            Feature("518802", "蝴蝶区", "Polygon", Square(100.1, 30)),
            Feature("518803", "无名区", "Polygon", Square(100.5, 30))));
        Assert.True(fixedMap.State == ImportStates.Succeeded, string.Join("; ", fixedMap.Errors));
        Assert.Equal(new ImportChanges(4, 0, 0, 0), fixedMap.Changes);
        Assert.Equal("好区", (await map.FindAsync("518801"))?.Name);
        Assert.Equal(["518801", "518802", "518803"], (await map.ChildrenAsync("5188")).Select(c => c.Code));
        Assert.Equal(before + 1, await map.VersionAsync());

        // The same file again changes nothing, not even the map's version.
        var again = await ImportAsync(dataSource, ImportKinds.Map, Collection(
            Feature("5188", "测试市", "Polygon", Square(100, 30, 1)),
            Feature("518801", "好区", "Polygon", Square(100, 30)),
            Feature("518802", "蝴蝶区", "Polygon", Square(100.1, 30)),
            Feature("518803", "无名区", "Polygon", Square(100.5, 30))));
        Assert.Equal(new ImportChanges(0, 0, 0, 4), again.Changes);
        Assert.Equal(before + 1, await map.VersionAsync());
    }

    [Fact]
    public async Task AFileThatIsNotGeoJsonChangesNothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(fixture.Database.AppConnectionString);
        var result = await ImportAsync(dataSource, ImportKinds.Map, "{\"type\":\"FeatureCollection\",\"features\":[{"u8.ToArray());
        Assert.Equal(0, Assert.Single(result.Errors).Line);
        Assert.Equal(ImportStates.Failed, result.State);
    }

    [Fact]
    public async Task AMapThatSaysItIsGcj02IsStoredInWgs84AndAnUnknownSystemIsRefused()
    {
        // A database of its own: the city and district polygons here are not the suite's.
        var database = await fixture.Postgres.CreateDatabaseAsync("gcj02_map");
        await using var dataSource = NpgsqlDataSource.Create(database.AppConnectionString);
        string File(string system) => $$"""{"type":"FeatureCollection","coordSystem":"{{system}}","features":[{{string.Join(",",
            Feature("5101", "成都市", "Polygon", Square(103.9, 30.5, 0.4)), Feature("510104", "锦江区", "Polygon", Square(104.0, 30.6, 0.1)))}}]}""";

        var unknown = await ImportAsync(dataSource, ImportKinds.Map, Encoding.UTF8.GetBytes(File("bd09")), unit: "5101");
        Assert.Equal(ImportStates.Failed, unknown.State);
        Assert.Equal("coordSystem", Assert.Single(unknown.Errors).Field);

        var job = await ImportAsync(dataSource, ImportKinds.Map, Encoding.UTF8.GetBytes(File("gcj02")), unit: "5101");
        Assert.True(job.State == ImportStates.Succeeded, string.Join("; ", job.Errors));
        var stored = new NetTopologySuite.IO.WKBReader().Read(
            await dataSource.CreateCommand("SELECT geometry FROM unit_map WHERE code = '510104'").ExecuteScalarAsync() as byte[]);
        var (lat, lon) = ChinaCoordinates.Gcj02ToWgs84(30.6, 104.0);
        Assert.True(Math.Abs(lon - 104.0) > 1e-3 && Math.Abs(lat - 30.6) > 1e-3, $"the offset at Chengdu is some hundreds of metres: {lat}, {lon}");
        Assert.Contains(stored.Coordinates, c => Math.Abs(c.X - lon) < 1e-9 && Math.Abs(c.Y - lat) < 1e-9);
        Assert.DoesNotContain(stored.Coordinates, c => Math.Abs(c.X - 104.0) < 1e-9 && Math.Abs(c.Y - 30.6) < 1e-9);
    }

    [Fact]
    public async Task ARosterWithOneBadLineImportsNothingAndNamesEveryBadLine()
    {
        await using var dataSource = NpgsqlDataSource.Create(fixture.Database.AppConnectionString);
        var grid = new GrainKit(fixture).Fresh.Grid();
        var csv = string.Join('\n',
            RosterImporter.WorkersHeader,
            $"wx1,甲,13800000000,{grid},30.6,104.0",
            $"wx2,乙,13800000001,510104999999999,30.6,104.0",
            $"wx3,丙,13800000002,{grid},95,104.0",
            $"wx4,丁,13800000003,{grid}",
            $"wx1,戊,13800000004,{grid},30.6,104.0");
        var result = await ImportAsync(dataSource, ImportKinds.Workers, Encoding.UTF8.GetBytes(csv), grid);

        Assert.Equal([3, 4, 5, 6], result.Errors.Select(e => e.Line));
        Assert.Equal(["assignedGrid", "homeLat", null, "id"], result.Errors.Select(e => e.Field));
        Assert.Equal(0, await fixture.Db.ScalarAsync<int>("SELECT count(*)::int FROM grid_worker WHERE id LIKE 'wx%'"));
    }
}

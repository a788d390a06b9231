using System.Text;
using Npgsql;
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

    private static MemoryStream Collection(params string[] features) =>
        new(Encoding.UTF8.GetBytes($$"""{"type":"FeatureCollection","features":[{{string.Join(",", features)}}]}"""));

    [Fact]
    public async Task AMalformedMapIsRejectedWholeWithAReasonPerFeatureAndAcceptedOnceFixed()
    {
        await using var dataSource = NpgsqlDataSource.Create(fixture.Database.AppConnectionString);
        var map = new MapStore(dataSource);
        var before = await map.VersionAsync();
        var importer = new MapImporter(dataSource);

        var bad = await importer.ImportAsync(Collection(
            Feature("5188", "测试市", "Polygon", Square(100, 30, 1)),
            Feature("518801", "好区", "Polygon", Square(100, 30)),
            Feature("518802", "蝴蝶区", "Polygon", "[[[100,30],[100.01,30.01],[100.01,30],[100,30.01],[100,30]]]"),
            Feature("518803", null, "Polygon", Square(100.5, 30)),
            Feature("51x", "坏码", "Polygon", Square(100.6, 30)),
            Feature("518801", "重复", "Polygon", Square(100.7, 30)),
            Feature("518804", "点", "Point", "[100,30]"),
            Feature("518899001", "孤儿街道", "Polygon", Square(100.8, 30))));

        Assert.False(bad.Succeeded);
        Assert.Equal([2, 3, 4, 5, 6, 7], bad.Errors.Select(e => e.Index));
        Assert.Contains("not valid", bad.Errors[0].Reason);
        Assert.Contains("name", bad.Errors[1].Reason);
        Assert.Contains("code", bad.Errors[2].Reason);
        Assert.Contains("more than once", bad.Errors[3].Reason);
        Assert.Contains("Polygon", bad.Errors[4].Reason);
        Assert.Contains("parent unit 518899", bad.Errors[5].Reason);
        Assert.Null(await map.FindAsync("5188"));
        Assert.Null(await map.FindAsync("518801"));
        Assert.Equal(before, await map.VersionAsync());

        var fixedMap = await importer.ImportAsync(Collection(
            Feature("5188", "测试市", "Polygon", Square(100, 30, 1)),
            Feature("518801", "好区", "Polygon", Square(100, 30)),
            Feature("518802", "蝴蝶区", "Polygon", Square(100.1, 30)),
            Feature("518803", "无名区", "Polygon", Square(100.5, 30))));
        Assert.True(fixedMap.Succeeded, string.Join("; ", fixedMap.Errors));
        Assert.Equal(4, fixedMap.Imported);
        Assert.Equal("好区", (await map.FindAsync("518801"))?.Name);
        Assert.Equal(["518801", "518802", "518803"], (await map.ChildrenAsync("5188")).Select(c => c.Code));
        Assert.Equal(before + 1, await map.VersionAsync());
    }

    [Fact]
    public async Task AFileThatIsNotGeoJsonChangesNothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(fixture.Database.AppConnectionString);
        var result = await new MapImporter(dataSource).ImportAsync(new MemoryStream("{\"type\":\"FeatureCollection\",\"features\":[{"u8.ToArray()));
        Assert.Equal(-1, Assert.Single(result.Errors).Index);
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
        var result = await new RosterImporter(dataSource).ImportWorkersAsync(new StringReader(csv));

        Assert.Equal([3, 4, 5, 6], result.Errors.Select(e => e.Line));
        Assert.Equal(0, await fixture.Db.ScalarAsync<int>("SELECT count(*)::int FROM grid_worker WHERE id LIKE 'wx%'"));
    }
}

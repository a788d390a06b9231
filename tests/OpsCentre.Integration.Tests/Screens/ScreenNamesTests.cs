using System.Net;
using System.Text.Json;
using NetTopologySuite.Geometries;
using OpsCentre.Database.Operators;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Screens;

/// <summary>
/// What a wall screen shows in place of codes and ids: units' names (<c>GET /api/v1/units/names</c>), who an alert is
/// about (<c>GET /api/v1/subjects/names</c>), and the map it draws them on (simplified, with a point for each name).
/// Codes come from the fixture's generated city, never literals.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class ScreenNamesTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output)
{
    private static OperatorAccount Account(string username) => SystemFixture.Operators.Single(o => o.Username == username);

    private static string District => Account("jinjiang.operator").UnitCode;

    private static string OtherDistrict => Account("qingyang.operator").UnitCode;

    private CityGen.GeneratedUnit Unit(string code) => system.City.Units.Single(u => u.Code == code);

    private static Dictionary<string, string> NamesOf(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("code").GetString()!, i => i.GetProperty("name").GetString()!);

    [Fact]
    public async Task UnitNamesComeInOneBatchWithinTheCallersScopeAndNothingBeyondIt()
    {
        var grid = system.Fresh.Grid(within: District);
        var path = new[] { grid[..6], grid[..9], grid[..12], grid };
        var elsewhere = system.Fresh.Grid(within: OtherDistrict);
        var codes = string.Join(",", [.. path, elsewhere, OtherDistrict, "5101"]);

        var (status, page) = await Api.GetAsync(system.Http, "jinjiang.operator", $"/api/v1/units/names?codes={codes}");
        Assert.Equal(HttpStatusCode.OK, status);
        var names = NamesOf(page);
        Assert.Equal(path, names.Keys.Order(StringComparer.Ordinal));   // 青羊区's and the city's are left out: outside the operator's scope
        Assert.All(path, c => Assert.Equal(Unit(c).Name, names[c]));
        Assert.Equal(["district", "street", "community", "grid"], page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("level").GetString()));

        var (_, asAdmin) = await Api.GetAsync(system.Http, "city.admin", $"/api/v1/units/names?codes={codes}");
        Assert.Equal(Unit(elsewhere).Name, NamesOf(asAdmin)[elsewhere]);

        // The street operator sees its street and below only, not its district.
        var street = Account("jinjiang.street.operator").UnitCode;
        var (_, asStreet) = await Api.GetAsync(system.Http, "jinjiang.street.operator", $"/api/v1/units/names?codes={street[..6]},{street}");
        Assert.Equal([street], NamesOf(asStreet).Keys);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("5101,51x")]
    public async Task BadCodesAreAProblemNamingTheField(string codes)
    {
        var (status, problem) = await Api.GetAsync(system.Http, "jinjiang.operator", $"/api/v1/units/names?codes={Uri.EscapeDataString(codes)}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("codes", out _), problem.ToString());
    }

    [Fact]
    public async Task TooManyCodesAreAProblem()
    {
        var codes = string.Join(",", Enumerable.Range(1, 201).Select(i => District + i.ToString("000", System.Globalization.CultureInfo.InvariantCulture)));
        var (status, problem) = await Api.GetAsync(system.Http, "jinjiang.operator", $"/api/v1/units/names?codes={codes}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("codes", out _));
    }

    [Fact]
    public async Task SubjectsAreNamedAsTheRoleMaySeeThemMaskedAndAuditedForKeyPersons()
    {
        var worker = system.Fresh.Worker(within: District);
        var (deviceId, _) = await Api.ProvisionDeviceAsync(system.Http, await Api.TokenAsync(system.Http, "jinjiang.operator"), "worker-phone", worker.Id);
        var person = system.Fresh.KeyPerson(within: District);
        var (wristband, _) = await Api.ProvisionDeviceAsync(system.Http, await Api.TokenAsync(system.Http, "jinjiang.operator"), "wristband", person.Id);
        var stranger = system.Fresh.KeyPerson(within: OtherDistrict);
        var otherWorker = system.Fresh.Worker(within: OtherDistrict);
        var ids = $"device:{deviceId},worker:{worker.Id},key-person:{person.Id},device:{wristband},key-person:{stranger.Id},worker:{otherWorker.Id},device:no-such-device";
        var masked = person.Name[..1] + new string('*', person.Name.Length - 1);
        var before = await AuditRowsAsync(person.Id);

        var (status, page) = await Api.GetAsync(system.Http, "jinjiang.operator", $"/api/v1/subjects/names?ids={ids}");
        Assert.Equal(HttpStatusCode.OK, status);
        var names = page.GetProperty("items").EnumerateArray().ToDictionary(i => $"{i.GetProperty("kind").GetString()}:{i.GetProperty("id").GetString()}", i => i.GetProperty("name").GetString());
        Assert.Equal(worker.Name, names[$"device:{deviceId}"]);
        Assert.Equal(worker.Name, names[$"worker:{worker.Id}"]);
        Assert.Equal(masked, names[$"key-person:{person.Id}"]);
        Assert.Equal(masked, names[$"device:{wristband}"]);
        Assert.Equal(4, names.Count);   // 青羊区's person and worker, and the unknown device, are left out
        Assert.DoesNotContain(person.Name, page.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(before + 1, await AuditRowsAsync(person.Id));   // one masked read, audited like the masked list's
        Assert.Equal(0, await AuditRowsAsync(stranger.Id));

        // Department staff read no key persons: their names are left out, and nothing is audited.
        var (_, asDepartment) = await Api.GetAsync(system.Http, CityGen.DemoIncidentCatalog.DepartmentStaff.Username, $"/api/v1/subjects/names?ids={ids}");
        var departmentSees = asDepartment.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToList();
        Assert.Equal([worker.Name, worker.Name], departmentSees);
        Assert.Equal(before + 1, await AuditRowsAsync(person.Id));

        var (bad, problem) = await Api.GetAsync(system.Http, "jinjiang.operator", "/api/v1/subjects/names?ids=incident:x");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.True(problem.GetProperty("errors").TryGetProperty("ids", out _));
    }

    private Task<long> AuditRowsAsync(string personId) =>
        system.Db.ScalarAsync<long>("SELECT count(*) FROM audit_log WHERE action = 'key-person.names' AND subject = @s", ("s", personId));

    [Fact]
    public async Task TheMapIsSimplifiedToItsScaleWithANamePointInsideEachUnit()
    {
        foreach (var (username, code) in new[] { ("city.admin", "5101"), ("jinjiang.operator", District), ("jinjiang.operator", system.City.Units.First(u => u.Code.Length == 12 && u.Code.StartsWith(District, StringComparison.Ordinal)).Code) })
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var response = await system.Http.SendAsync(Api.Authorized(HttpMethod.Get, $"/api/v1/units/{code}/map", await Api.TokenAsync(system.Http, username)));
            var text = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var features = JsonDocument.Parse(text).RootElement.GetProperty("features").EnumerateArray().ToList();
            var children = system.City.Units.Where(u => u.Code.Length > code.Length && u.Code.Length <= code.Length + (code.Length == 4 ? 2 : 3) && u.Code.StartsWith(code, StringComparison.Ordinal)).ToList();
            Assert.Equal(children.Select(c => c.Code), features.Select(f => f.GetProperty("properties").GetProperty("code").GetString()));
            var vertices = 0;
            foreach (var feature in features)
            {
                var unit = Unit(feature.GetProperty("properties").GetProperty("code").GetString()!);
                var point = feature.GetProperty("properties").GetProperty("labelPoint").EnumerateArray().Select(x => x.GetDouble()).ToArray();
                Assert.True(unit.Geometry.Contains(new Point(point[0], point[1])), $"the name of {unit.Code} is placed outside it");
                vertices += Vertices(feature.GetProperty("geometry"));
            }

            var original = children.Sum(c => c.Geometry.NumPoints);
            output.WriteLine($"map of {code}: {features.Count} units, {original} → {vertices} vertices, {text.Length:N0} characters, {clock.ElapsedMilliseconds} ms");
            Assert.True(vertices <= original, $"{vertices} vertices served of {original}");
        }
    }

    private static int Vertices(JsonElement geometry) => geometry.GetProperty("type").GetString() switch
    {
        "Polygon" => geometry.GetProperty("coordinates").EnumerateArray().Sum(ring => ring.GetArrayLength()),
        _ => geometry.GetProperty("coordinates").EnumerateArray().Sum(polygon => polygon.EnumerateArray().Sum(ring => ring.GetArrayLength())),
    };
}

using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OpsCentre.Database.Registries;
using OpsCentre.Grains.Imports;
using OpsCentre.Grains.Registries;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Registries;

/// <summary>
/// The registries' files through the product: uploaded over HTTP to the gateway process, run as import jobs in its
/// background through the registries' write path — all or nothing, by line, duplicates refused naming both lines — and
/// exported back, within the caller's scope and masked, in the same columns, so that an export imported again changes
/// nothing. Every test works on grids the allocator gives it.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class RegistryImportsTests(SystemFixture system)
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    private Task<string> AdminAsync() => Api.TokenAsync(system.Http, "city.admin");

    [Fact]
    public async Task AnImportWithOneDuplicateIdNumberImportsNothingAndNamesBothLines()
    {
        var admin = await AdminAsync();
        var grid = system.Fresh.Grid(within: "510106");
        var twice = IdNumber();
        var names = new[] { Unique("甲"), Unique("乙"), Unique("丙") };
        var file = Population(
            (names[0], twice, grid),   // line 2
            (names[1], IdNumber(), grid), // line 3
            (names[2], twice, grid));  // line 4
        var job = await ImportAsync(admin, RegistryNames.Population, grid, file);
        Assert.Equal("failed", job.GetProperty("state").GetString());
        var errors = Errors(job);
        Assert.Equal([(2, "idNumber"), (4, "idNumber")], errors.Select(e => (e.Line, e.Field)));
        Assert.Contains("line 4", errors[0].Reason);
        Assert.Contains("line 2", errors[1].Reason);
        Assert.Equal(2, job.GetProperty("rejected").GetInt32());
        Assert.Equal(0, await system.Db.ScalarAsync<long>("SELECT count(*) FROM registry_person WHERE name = ANY (@names)", ("names", names)));

        // Against the registry: a resident already holding the number is named by their record's id.
        var first = await ImportAsync(admin, RegistryNames.Population, grid, Population((names[0], twice, grid)));
        Assert.True(first.GetProperty("state").GetString() == "succeeded", first.ToString());
        var holder = await system.Db.ScalarAsync<string>("SELECT id FROM registry_person WHERE name = @n", ("n", names[0]));
        var again = await ImportAsync(admin, RegistryNames.Population, grid, Population((names[1], IdNumber(), grid), (names[2], twice.ToLowerInvariant(), grid)));
        Assert.Equal("failed", again.GetProperty("state").GetString());
        var error = Assert.Single(Errors(again));
        Assert.Equal((3, "idNumber"), (error.Line, error.Field));
        Assert.Contains(holder, error.Reason);
        Assert.Equal(0, await system.Db.ScalarAsync<long>("SELECT count(*) FROM registry_person WHERE name = ANY (@names)", ("names", names[1..])));

        // A standard address twice in one grid: within the file both lines are named, against the registry the record.
        var road = Unique("路");
        var addresses = Addresses((grid, road, "1", "2", "1", "101"), (grid, road, "1", "2", "1", "102"), (grid, road, "1", "2", "1", "101"));
        var duplicated = await ImportAsync(admin, RegistryNames.Addresses, grid, addresses);
        Assert.Equal("failed", duplicated.GetProperty("state").GetString());
        Assert.Equal([2, 4], Errors(duplicated).Select(e => e.Line));
        Assert.Equal(0, await system.Db.ScalarAsync<long>("SELECT count(*) FROM registry_address WHERE road = @r", ("r", road)));
        Assert.Equal("succeeded", (await ImportAsync(admin, RegistryNames.Addresses, grid, Addresses((grid, road, "1", "2", "1", "101")))).GetProperty("state").GetString());
        var existing = await system.Db.ScalarAsync<string>("SELECT id FROM registry_address WHERE road = @r", ("r", road));
        var against = await ImportAsync(admin, RegistryNames.Addresses, grid, Addresses((grid, road, "1", "2", "1", "103"), (grid, road, "1", "2", "1", "101")));
        var clash = Assert.Single(Errors(against));
        Assert.Equal(3, clash.Line);
        Assert.Contains(existing, clash.Reason);
    }

    [Fact]
    public async Task AGoodImportOfEachRegistryLandsItsRowsWithTheirProvenanceAndChangeFeedRows()
    {
        var admin = await AdminAsync();
        var grid = system.Fresh.Grid(within: "510106");
        var road = Unique("大道");
        var addresses = await ImportAsync(admin, RegistryNames.Addresses, grid, Addresses((grid, road, "8", "1", "1", "101"), (grid, road, "8", "1", "1", "102")));
        await AssertLandedAsync(addresses, "registry_address", 2);
        var addressIds = await system.Db.RowsAsync("SELECT id FROM registry_address WHERE road = @r ORDER BY room", r => r.GetString(0), ("r", road));

        var resident = Unique("居民");
        var population = await ImportAsync(admin, RegistryNames.Population, grid, Csv(RegistryNames.Population,
            ["", grid, resident, IdNumber(), "13800001111", "female", "1985", addressIds[0], "floating", "2026-01-01", "2027-01-01", ""],
            ["", "", Unique("居民"), IdNumber(), "", "male", "1990", addressIds[1], "registered", "", "", ""]));
        await AssertLandedAsync(population, "registry_person", 2);
        var residentId = await system.Db.ScalarAsync<string>("SELECT id FROM registry_person WHERE name = @n", ("n", resident));
        // A line without a grid takes its address's.
        Assert.Equal([grid, grid], await system.Db.RowsAsync("SELECT unit_code FROM registry_person WHERE address_id = ANY (@a)", r => r.GetString(0), ("a", addressIds.ToArray())));

        await AssertLandedAsync(await ImportAsync(admin, RegistryNames.Housing, grid, Csv(RegistryNames.Housing,
            ["", grid, addressIds[0], "rented", "", residentId], ["", grid, addressIds[1], "vacant", "", ""])), "registry_housing", 2);
        await AssertLandedAsync(await ImportAsync(admin, RegistryNames.Organisations, grid, Csv(RegistryNames.Organisations,
            ["", grid, Unique("小卖部"), "shop", "", addressIds[0]])), "registry_organisation", 1);
        await AssertLandedAsync(await ImportAsync(admin, RegistryNames.KeyPlaces, grid, Csv(RegistryNames.KeyPlaces,
            ["", grid, Unique("小学"), "school", "met", "partial", "unmet", "2027-03-01", addressIds[1]])), "registry_key_place", 1);
        var code = grid[..6] + "0101" + Random.Shared.Next(0, 999_999).ToString("D6", CultureInfo.InvariantCulture);
        await AssertLandedAsync(await ImportAsync(admin, RegistryNames.Components, grid, Csv(RegistryNames.Components,
            ["", grid, code, "0101", "30.65", "104.05", "normal", ""])), "registry_component", 1);
    }

    [Fact]
    public async Task AnImportMakesItsGridsCountTheirDuesAgainAtOnce()
    {
        var admin = await AdminAsync();
        var operatorToken = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var grid = system.Fresh.Grid(within: "510104");
        var cityToday = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).DateTime);
        async Task<JsonElement> CountersAsync() =>
            (await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/units/" + grid, operatorToken)).Body.GetProperty("counters");

        // The grid's unit is active and its dues counted (nothing due): after this, only a write's refresh or the hourly
        // reminder makes them count again, so the counters below can only come from the imports telling the grid.
        Assert.Equal(0, (await CountersAsync()).GetProperty("residentsToReRegister").GetInt64());
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(0, (await CountersAsync()).GetProperty("residentsToReRegister").GetInt64());

        var people = await ImportAsync(admin, RegistryNames.Population, grid, Csv(RegistryNames.Population,
            ["", grid, Unique("流动"), IdNumber(), "", "female", "1988", "", "floating", cityToday.AddYears(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
             cityToday.AddDays(10).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ""],
            ["", grid, Unique("流动"), IdNumber(), "", "male", "1990", "", "floating", cityToday.AddYears(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
             cityToday.AddDays(200).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ""]));
        Assert.True(people.GetProperty("state").GetString() == "succeeded", people.ToString());
        await Eventually.HoldsAsync(CountersAsync, c => c.GetProperty("residentsToReRegister").GetInt64() == 1, TimeSpan.FromSeconds(20),
            "the grid counts the imported resident to re-register (流动人口待续登记)");

        var places = await ImportAsync(admin, RegistryNames.KeyPlaces, grid, Csv(RegistryNames.KeyPlaces,
            ["", grid, Unique("市场"), "market", "met", "partial", "unmet", cityToday.AddDays(-3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ""]));
        Assert.True(places.GetProperty("state").GetString() == "succeeded", places.ToString());
        await Eventually.HoldsAsync(CountersAsync, c => c.GetProperty("keyPlacesOverdue").GetInt64() == 1, TimeSpan.FromSeconds(20),
            "the grid counts the imported key place overdue (重点场所检查逾期)");
    }

    [Fact]
    public async Task ALargeFileIsWrittenSetBasedWithTheProvenanceLedgerAndFeedOfSingleWrites()
    {
        var admin = await AdminAsync();
        var grid = system.Fresh.Grid(within: "510106");
        // Every third line without a phone: lines filling different fields each get their own changed fields and provenance.
        var people = Enumerable.Range(0, RegistryWriter.SetBasedFrom + 100)
            .Select(i => (Name: Unique("批量"), IdNumber: IdNumber(), Phone: i % 3 == 0 ? "" : "139" + (10_000_000 + i))).ToList();
        string[] Line((string Name, string IdNumber, string Phone) p, string birthYear = "1980") =>
            ["", grid, p.Name, p.IdNumber, p.Phone, "female", birthYear, "", "floating", "2026-01-01", "2026-12-31", ""];

        // One bad line among them (a birth year out of range, line 302): nothing of the file is written.
        var bad = await ImportAsync(admin, RegistryNames.Population, grid, Csv(RegistryNames.Population, [.. people.Select((p, i) => Line(p, i == 300 ? "1700" : "1980"))]));
        Assert.Equal("failed", bad.GetProperty("state").GetString());
        Assert.Equal((302, "birthYear"), Errors(bad).Select(e => (e.Line, e.Field)).Single());
        Assert.Equal(0, await system.Db.ScalarAsync<long>("SELECT count(*) FROM registry_person WHERE unit_code = @g AND name = ANY (@n)",
            ("g", grid), ("n", people.Select(p => p.Name).ToArray())));

        var job = await ImportAsync(admin, RegistryNames.Population, grid, Csv(RegistryNames.Population, [.. people.Select(p => Line(p))]));
        await AssertLandedAsync(job, "registry_person", people.Count);
        var jobId = job.GetProperty("id").GetString()!;
        // The lines are applied under the job's operation id, all or none: no line claims its own (the change feed keeps each line's).
        Assert.Equal(0, await system.Db.ScalarAsync<long>("SELECT count(*) FROM operation_ledger WHERE caller = 'import/city.admin' AND op_id LIKE @op",
            ("op", $"import:{jobId}:%")));
        // Provenance per field filled, as a single write's reads: stored once for all the fields the line filled, read per field.
        // The identifiers sealed, found by their keyed hash, opened with the key.
        var cipher = PersonalDataCipher.FromBase64(system.PersonalDataKey);
        var sample = people[124];
        foreach (var (person, expected) in new[]
                 {
                     (sample, new[] { "unitCode", "name", "idNumber", "phone", "gender", "birthYear", "residence", "registrationStart", "registrationExpiry" }),
                     (people[123], new[] { "unitCode", "name", "idNumber", "gender", "birthYear", "residence", "registrationStart", "registrationExpiry" }),
                 })
        {
            var (id, stored, sealedId, changed) = (await system.Db.RowsAsync(
                "SELECT p.id, p.provenance::text, p.id_number_cipher, c.changed_fields FROM registry_person p JOIN registry_change c ON c.id = p.id WHERE p.id_number_hash = @h",
                r => (r.GetString(0), r.GetString(1), (byte[])r[2], r.GetFieldValue<string[]>(3)), ("h", cipher.Hash(person.IdNumber)))).Single();
            Assert.Equal(person.IdNumber, cipher.Decrypt(sealedId));
            Assert.Equal(expected, changed);
            Assert.Equal([RegistryProvenance.Created], JsonDocument.Parse(stored).RootElement.EnumerateObject().Select(f => f.Name));
            var (_, record) = await Api.GetAsync(system.Http, "city.admin", $"/api/v1/registry/population/{id}");
            var fields = record.GetProperty("provenance");
            Assert.Equal(changed.Order(StringComparer.Ordinal), fields.EnumerateObject().Select(f => f.Name).Order(StringComparer.Ordinal));
            Assert.All(fields.EnumerateObject(), f => Assert.Equal(("import", "city.admin"), (f.Value.GetProperty("source").GetString(), f.Value.GetProperty("collectedBy").GetString())));
        }

        // The search tokens the writer sent with the rows are the database's own (registry_grams), and the search finds the line by them.
        Assert.Equal(0, await system.Db.ScalarAsync<long>("SELECT count(*) FROM registry_person WHERE unit_code = @g AND search IS DISTINCT FROM registry_grams(name)", ("g", grid)));
        var (_, found) = await Api.GetAsync(system.Http, "city.admin", $"/api/v1/registry/search?q={Uri.EscapeDataString(sample.Name)}&unit={grid}&registry=population");
        Assert.Contains(found.GetProperty("items").EnumerateArray(), h => h.GetProperty("unitCode").GetString() == grid);
    }

    [Theory]
    [InlineData("红星路二段12号3栋2单元502")]
    [InlineData("王小明")]
    [InlineData("成都ABC科技有限公司 No.7")]
    [InlineData("Ａ座１号（东）")]
    [InlineData("𠀀𠀁字 x-y_z")]
    [InlineData("a")]
    [InlineData("")]
    public async Task TheWritersSearchTokensAreTheDatabasesOwn(string text)
    {
        Assert.True(await system.Db.ScalarAsync<bool>("SELECT registry_grams(@t) = @v", ("t", text), ("v", RegistryGrams.Vector(text))),
            $"RegistryGrams.Vector({text}) differs from registry_grams");
    }

    [Fact]
    public async Task ANonOwningSourceWritingAnOwnedFieldIsRefusedByLine()
    {
        var admin = await AdminAsync();
        var grid = system.Fresh.Grid(within: "510106");
        var name = Unique("户籍");
        // The police's own file, sent by the city's administrator under its source: the name is the police's (一数一源).
        var owned = await ImportAsync(admin, RegistryNames.Population, grid, Population((name, IdNumber(), grid)), source: "public-security");
        Assert.True(owned.GetProperty("state").GetString() == "succeeded", owned.ToString());
        var (id, version) = (await system.Db.RowsAsync("SELECT id, version FROM registry_person WHERE name = @n", r => (r.GetString(0), r.GetInt32(1)), ("n", name))).Single();
        Assert.Equal("public-security", await system.Db.ScalarAsync<string>("SELECT provenance->'name'->>'source' FROM registry_person WHERE id = @id", ("id", id)));

        // The same resident renamed by a file under the default source (import): refused on its line, naming the field and its owner.
        var renamed = await ImportAsync(admin, RegistryNames.Population, grid, Csv(RegistryNames.Population,
            ["", grid, Unique("新人"), IdNumber(), "", "", "", "", "registered", "", "", ""],
            [id, grid, name + "改", "", "", "", "", "", "registered", "", "", ""]));
        Assert.Equal("failed", renamed.GetProperty("state").GetString());
        var error = Assert.Single(Errors(renamed));
        Assert.Equal((3, "name"), (error.Line, error.Field));
        Assert.Contains("public-security", error.Reason);
        Assert.Equal((name, version), (await system.Db.RowsAsync("SELECT name, version FROM registry_person WHERE id = @id", r => (r.GetString(0), r.GetInt32(1)), ("id", id))).Single());

        // Naming another source is the city's administrators' only: a district's is refused before anything is queued.
        var (status, problem) = await UploadAsync(admin, RegistryNames.Population, grid, Population((name, IdNumber(), grid)), source: "Not A Source!");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("source", out _), problem.ToString());
    }

    [Fact]
    public async Task AStreetOperatorsExportHoldsOnlyTheirStreetsRowsMasked()
    {
        var admin = await AdminAsync();
        var mine = system.Fresh.Grid(within: DemoUnits.FirstStreet, where: g => !g.StartsWith(DemoUnits.FirstCommunity, StringComparison.Ordinal));
        var other = system.Fresh.Grid(within: DemoUnits.SecondStreet);
        var (inside, outside) = (Unique("欧阳"), Unique("司马"));
        var (insideId, outsideId) = (IdNumber(), IdNumber());
        Assert.Equal("succeeded", (await ImportAsync(admin, RegistryNames.Population, mine, Population((inside, insideId, mine)))).GetProperty("state").GetString());
        Assert.Equal("succeeded", (await ImportAsync(admin, RegistryNames.Population, other, Population((outside, outsideId, other)))).GetProperty("state").GetString());

        var street = await Api.TokenAsync(system.Http, "jinjiang.street.operator");
        var csv = await ExportAsync(street, $"/api/v1/registry/population/export?unit={DemoUnits.FirstStreet}");
        var table = TableFile.Read(csv);
        Assert.Null(table.Problem);
        Assert.Null(RegistryFile.HeaderProblem(RegistryNames.Population, table.Header));
        Assert.All(table.Rows, r => Assert.StartsWith(DemoUnits.FirstStreet, r.Fields[1], StringComparison.Ordinal));
        var row = Assert.Single(table.Rows, r => r.Fields[2].StartsWith(inside[..1], StringComparison.Ordinal) && r.Fields[3].StartsWith(insideId[..4], StringComparison.Ordinal)
            && r.Fields[1] == mine);
        Assert.Equal(inside[..1] + new string('*', inside.Length - 1), row.Fields[2]);
        Assert.Equal(insideId[..4] + new string('*', 14), row.Fields[3]);
        var text = Encoding.UTF8.GetString(csv);
        Assert.DoesNotContain(inside, text);
        Assert.DoesNotContain(insideId, text);
        Assert.DoesNotContain(outside[..2], text);
        Assert.DoesNotContain(other, text);

        // One audit row for the export, naming the street and the count of residents it held.
        var audit = (await system.AuditAsync(DemoUnits.FirstStreet, "registry.population.export")).Last();
        Assert.Equal("jinjiang.street.operator", audit.Actor);
        Assert.False(audit.Unmasked);
        Assert.Contains($"residents={table.Rows.Count}", audit.Detail);

        // Another street, or the district above, is not the street operator's: 404, as for any object outside one's scope.
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/registry/population/export?unit={DemoUnits.SecondStreet}", street)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/registry/population/export?unit={DemoUnits.Jinjiang}", street)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/registry/people/export", street)).Status);

        // The workbook holds the same rows; a masked export sent back is refused, not written over the records.
        var workbook = TableFile.Read(await ExportAsync(street, $"/api/v1/registry/population/export?unit={mine}&format=xlsx"));
        Assert.Null(workbook.Problem);
        // A sheet's trailing empty cells are no fields (TableFile), where a CSV line keeps its empty ones.
        var sheetRow = Assert.Single(workbook.Rows, r => r.Fields[0] == row.Fields[0]).Fields;
        Assert.Equal(row.Fields, sheetRow.Concat(Enumerable.Repeat("", row.Fields.Length - sheetRow.Length)));
        var back = await ImportAsync(admin, RegistryNames.Population, mine, await ExportAsync(street, $"/api/v1/registry/population/export?unit={mine}"));
        Assert.Equal("failed", back.GetProperty("state").GetString());
        Assert.All(Errors(back), e => Assert.Equal("name", e.Field));
        Assert.Equal(inside, await system.Db.ScalarAsync<string>("SELECT name FROM registry_person WHERE id = @id", ("id", row.Fields[0])));
    }

    [Fact]
    public async Task AnExportOfAddressesImportedAgainChangesNothing()
    {
        var admin = await AdminAsync();
        var grid = system.Fresh.Grid(within: "510106");
        var road = Unique("街");
        // A building name with a comma and one that a spreadsheet would take for a formula: both come back as they went.
        var file = Csv(RegistryNames.Addresses,
            ["", grid, road, "3", "A,座", "1", "201", "30.6512345678", "104.0412345678"],
            ["", grid, road, "3", "-B", "", "", "", ""],
            ["", grid, road, "5", "", "", "", "30.6", "104.1"]);
        Assert.Equal("succeeded", (await ImportAsync(admin, RegistryNames.Addresses, grid, file)).GetProperty("state").GetString());
        var versions = await VersionsAsync(road);
        var changes = await system.Db.ScalarAsync<long>("SELECT count(*) FROM registry_change WHERE unit_code = @g", ("g", grid));
        // The grid's every live address, the three of this test and any the demo city gave it.
        var held = (int)await system.Db.ScalarAsync<long>("SELECT count(*) FROM registry_address WHERE unit_code = @g AND removed_at IS NULL", ("g", grid));

        foreach (var format in new[] { "csv", "xlsx" })
        {
            var export = await ExportAsync(admin, $"/api/v1/registry/addresses/export?unit={grid}&format={format}");
            Assert.Equal(held, TableFile.Read(export).Rows.Count);
            var job = await ImportAsync(admin, RegistryNames.Addresses, grid, export, fileName: "addresses." + format);
            Assert.True(job.GetProperty("state").GetString() == "succeeded", job.ToString());
            Assert.Equal((0, 0, 0, held), Changes(job));
            Assert.Equal(versions, await VersionsAsync(road));
            Assert.Equal(changes, await system.Db.ScalarAsync<long>("SELECT count(*) FROM registry_change WHERE unit_code = @g", ("g", grid)));
        }

        Assert.Equal(["", "-B", "A,座"], await system.Db.RowsAsync("SELECT coalesce(building, '') FROM registry_address WHERE road = @r ORDER BY 1",
            r => r.GetString(0), ("r", road)));
    }

    private async Task<List<(string, int)>> VersionsAsync(string road) =>
        await system.Db.RowsAsync("SELECT id, version FROM registry_address WHERE road = @r ORDER BY id", r => (r.GetString(0), r.GetInt32(1)), ("r", road));

    /// <summary>The job succeeded with <paramref name="count"/> rows added, each with its provenance (source import, the importer) and one change-feed row under the job.</summary>
    private async Task AssertLandedAsync(JsonElement job, string table, int count)
    {
        Assert.True(job.GetProperty("state").GetString() == "succeeded", job.ToString());
        Assert.Equal((count, 0, 0, 0), Changes(job));
        var id = job.GetProperty("id").GetString()!;
        var changed = await system.Db.RowsAsync(
            "SELECT id, action, source, collected_by FROM registry_change WHERE op_id LIKE @op ORDER BY position", r => (Id: r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3)),
            ("op", $"import:{id}:%"));
        Assert.Equal(count, changed.Count);
        Assert.All(changed, c => Assert.Equal(("create", "import", "city.admin"), (c.Item2, c.Item3, c.Item4)));
        var rows = await system.Db.RowsAsync($"SELECT source, collected_by, version FROM {table} WHERE id = ANY (@ids)",
            r => (r.GetString(0), r.GetString(1), r.GetInt32(2)), ("ids", changed.Select(c => c.Id).ToArray()));
        Assert.Equal(count, rows.Count);
        Assert.All(rows, r => Assert.Equal(("import", "city.admin", 1), r));
    }

    private async Task<JsonElement> ImportAsync(string token, string registry, string unit, byte[] content, string? source = null, string fileName = "registry.csv")
    {
        var (status, submitted) = await UploadAsync(token, registry, unit, content, source, fileName);
        Assert.True(status == HttpStatusCode.Accepted, submitted.ToString());
        var id = submitted.GetProperty("id").GetString()!;
        return await Eventually.HoldsAsync(async () => (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/imports/{id}", token)).Body,
            j => j.GetProperty("state").GetString() is "succeeded" or "failed", JobTimeout, $"import job {id} finished");
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> UploadAsync(string token, string registry, string unit, byte[] content, string? source = null, string fileName = "registry.csv")
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue(fileName.EndsWith(".xlsx", StringComparison.Ordinal)
            ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv");
        form.Add(file, "file", fileName);
        form.Add(new StringContent(Guid.NewGuid().ToString()), "opId");
        if (source is not null)
        {
            form.Add(new StringContent(source), "source");
        }

        return await Api.SendAsync(system.Http, HttpMethod.Post, $"/api/v1/imports/{registry}?unit={unit}", token, form);
    }

    private async Task<byte[]> ExportAsync(string token, string path)
    {
        using var request = Api.Authorized(HttpMethod.Get, path, token);
        using var response = await system.Http.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadAsByteArrayAsync();
    }

    private sealed record Error(int Line, string? Field, string Reason);

    private static List<Error> Errors(JsonElement job) => [.. job.GetProperty("errors").EnumerateArray().Select(e => new Error(e.GetProperty("line").GetInt32(),
        e.TryGetProperty("field", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null, e.GetProperty("reason").GetString()!))];

    private static (int, int, int, int) Changes(JsonElement job)
    {
        var c = job.GetProperty("changes");
        return (c.GetProperty("added").GetInt32(), c.GetProperty("updated").GetInt32(), c.GetProperty("ended").GetInt32(), c.GetProperty("unchanged").GetInt32());
    }

    /// <summary>A registry's file in its English header, one line per row (cells quoted as RFC 4180 wants).</summary>
    private static byte[] Csv(string registry, params string[][] rows) =>
        Encoding.UTF8.GetBytes(string.Join("\n", rows.Select(r => string.Join(',', r.Select(Quoted))).Prepend(RegistryFile.Header(registry))) + "\n");

    private static byte[] Population(params (string Name, string IdNumber, string Grid)[] people) =>
        Csv(RegistryNames.Population, [.. people.Select(p => new[] { "", p.Grid, p.Name, p.IdNumber, "", "", "", "", "registered", "", "", "" })]);

    private static byte[] Addresses(params (string Grid, string Road, string Number, string Building, string Unit, string Room)[] addresses) =>
        Csv(RegistryNames.Addresses, [.. addresses.Select(a => new[] { "", a.Grid, a.Road, a.Number, a.Building, a.Unit, a.Room, "", "" })]);

    private static string Quoted(string value) => value.IndexOfAny([',', '"', '\n']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";

    private static int _idNumbers = Random.Shared.Next(0, 1_000_000);

    /// <summary>A valid resident ID number (GB 11643) no other test of the run uses: 锦江区, a birth date and a sequence counted up, its check digit.</summary>
    private static string IdNumber()
    {
        var n = Interlocked.Increment(ref _idNumbers);
        var first17 = string.Create(CultureInfo.InvariantCulture, $"510104{new DateOnly(1940, 1, 1).AddDays(n / 1000 % 20_000):yyyyMMdd}{n % 1000:D3}");
        return first17 + IdNumbers.CheckCharacter(first17);
    }

    /// <summary>A text no other test or run uses: <paramref name="stem"/> and Chinese digits of a random number (names hold no ASCII digits).</summary>
    private static string Unique(string stem) => stem + string.Concat(Random.Shared.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture).Select(c => "〇一二三四五六七八九"[c - '0']));
}

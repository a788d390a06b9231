using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using OpsCentre.CityGen;
using OpsCentre.Database.Operators;
using OpsCentre.Grains.Imports;
using OpsCentre.Grains.Map;
using OpsCentre.Grains.Rosters;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.Imports;

/// <summary>
/// Imports through the product: files uploaded over HTTP to the gateway process become jobs that run in its background, all
/// or nothing per file, adding, updating and ending rows, and the live grains of the running silo follow without a restart.
/// Every test works on grids (or a community) the allocator gives it — in the districts where the demo accounts do not sit,
/// so the tests that need 锦江区's first streets keep them — and puts back what it renames or moves.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class ImportsApiTests(SystemFixture system)
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    /// <summary>An administrator of 金牛区 only, for scope checks.</summary>
    private static readonly OperatorAccount DistrictAdmin = new("imports.jinniu.admin", "金牛区管理员", "admin", "510106", Disabled: false);

    private Task<string> AdminAsync() => Api.TokenAsync(system.Http, "city.admin");

    [Fact]
    public async Task AnAdminUploadsARosterAsCsvAndAsExcelAndWatchesEachJobToSuccessWithItsCounts()
    {
        var admin = await AdminAsync();
        var grid = system.Fresh.Grid(within: "510106");
        var workers = system.City.Workers.Where(w => w.Grid == grid).ToList();
        var newcomer = new GeneratedWorker("imp-" + Guid.NewGuid().ToString("N")[..10], "新来的", "13900000001", grid, workers[0].Lat, workers[0].Lon);
        var csv = WorkersCsv([.. workers, newcomer]);

        var opId = Guid.NewGuid().ToString();
        var (status, submitted) = await UploadAsync(admin, "workers", grid, csv, "workers.csv", opId);
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Contains(submitted.GetProperty("state").GetString(), new[] { "queued", "running", "succeeded" });
        var job = await FinishedAsync(admin, submitted.GetProperty("id").GetString()!);
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        Assert.Equal(workers.Count + 1, job.GetProperty("rowsRead").GetInt32());
        Assert.Equal(workers.Count + 1, job.GetProperty("accepted").GetInt32());
        Assert.Equal(0, job.GetProperty("rejected").GetInt32());
        Assert.Equal((1, 0, 0, workers.Count), Changes(job));
        Assert.Equal("city.admin", job.GetProperty("submittedBy").GetString());
        Assert.Equal("workers.csv", job.GetProperty("fileName").GetString());
        Assert.Contains(newcomer.Id, await ListedWorkersAsync(admin, grid));

        // The same opId and file again: the same job, nothing run twice; the same opId with another file: 422.
        var (replayed, again) = await UploadAsync(admin, "workers", grid, csv, "workers.csv", opId);
        Assert.Equal(HttpStatusCode.Accepted, replayed);
        Assert.Equal(job.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await UploadAsync(admin, "workers", grid, WorkersCsv(workers), "workers.csv", opId)).Status);

        // Re-importing the same file (a new opId) changes nothing.
        var same = await FinishedAsync(admin, (await UploadAsync(admin, "workers", grid, csv, "workers.csv")).Body.GetProperty("id").GetString()!);
        Assert.Equal((0, 0, 0, workers.Count + 1), Changes(same));

        // The key persons' roster as an Excel workbook with the same header row; one person's supervision level changes, the last is left out.
        var persons = system.City.KeyPersons.Where(p => p.Grid == grid).ToList();
        var level = persons[0].Level == "strict" ? "ordinary" : "strict";
        var rows = persons.SkipLast(1).Select((p, i) => (IReadOnlyList<string>)[p.Id, p.Name, p.IdNumber, p.Category, i == 0 ? level : p.Level, p.Grid, F(p.Lat), F(p.Lon)]);
        var workbook = TableFile.Workbook(RosterImporter.KeyPersonsHeader.Split(','), rows);
        var excel = await FinishedAsync(admin, (await UploadAsync(admin, "key-persons", grid, workbook, "key-persons.xlsx")).Body.GetProperty("id").GetString()!);
        Assert.True(excel.GetProperty("state").GetString() == "succeeded", excel.ToString());
        Assert.Equal((0, 1, 1, persons.Count - 2), Changes(excel));
        Assert.Equal(level, await system.Db.ScalarAsync<string>("SELECT supervision_level FROM key_person WHERE id = @id", ("id", persons[0].Id)));
        var history = await system.Db.RowsAsync(
            "SELECT action, subject_id, old_value->>'supervisionLevel', new_value->>'supervisionLevel' FROM import_change WHERE job_id = @job ORDER BY action DESC",
            r => (r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3)), ("job", Guid.Parse(excel.GetProperty("id").GetString()!)));
        Assert.Equal([("updated", persons[0].Id, persons[0].Level, level), ("ended", persons[^1].Id, persons[^1].Level, null)], history);
        // The history keeps no copy of a key person's personal data: digests only.
        var kept = await system.Db.RowsAsync(
            "SELECT old_value->>'name', old_value->>'idNumber', old_value->>'homeLat' FROM import_change WHERE job_id = @job",
            r => new[] { r.GetString(0), r.GetString(1), r.GetString(2) }, ("job", Guid.Parse(excel.GetProperty("id").GetString()!)));
        Assert.All(kept.SelectMany(v => v), v => Assert.StartsWith("sha256:", v));
        Assert.DoesNotContain(kept.SelectMany(v => v), v => persons.Any(p => v.Contains(p.IdNumber, StringComparison.Ordinal)));
        var (_, listed) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/key-persons?unit={grid}", admin);
        Assert.Equal(persons.SkipLast(1).Select(p => p.Id).Order(StringComparer.Ordinal), listed.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetString()));

        // The list of jobs shows them, newest first.
        var (_, page) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/imports?unit={grid}", admin);
        Assert.Equal([excel.GetProperty("id").GetString(), same.GetProperty("id").GetString(), job.GetProperty("id").GetString()],
            page.GetProperty("items").EnumerateArray().Select(j => j.GetProperty("id").GetString()).Take(3));
    }

    [Fact]
    public async Task TheApiDocumentDescribesTheUploadAsAFormWithAFileAndAnOpId()
    {
        var document = JsonDocument.Parse(await system.Http.GetStringAsync("/openapi/v1.json")).RootElement;
        var submit = document.GetProperty("paths").GetProperty("/api/v1/imports/{kind}").GetProperty("post");
        Assert.Equal("SubmitImport", submit.GetProperty("operationId").GetString());
        Assert.Contains("202", submit.GetProperty("summary").GetString() + (submit.TryGetProperty("description", out var description) ? description.GetString() : ""));
        var form = submit.GetProperty("requestBody").GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema");
        var text = form.ToString() + document.GetProperty("components").ToString();
        Assert.Contains("file", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("opId", text, StringComparison.Ordinal);
        Assert.Equal("GetImport", document.GetProperty("paths").GetProperty("/api/v1/imports/{id}").GetProperty("get").GetProperty("operationId").GetString());
    }

    [Fact]
    public async Task AnUploadWithOneBadLineImportsNothingAndNamesTheLineAndField()
    {
        var admin = await AdminAsync();
        var grid = system.Fresh.Grid(within: "510106");
        var workers = system.City.Workers.Where(w => w.Grid == grid).ToList();
        var newcomer = new GeneratedWorker("imp-" + Guid.NewGuid().ToString("N")[..10], "新来的", "13900000002", grid, workers[0].Lat, workers[0].Lon);
        var lines = WorkersLines([newcomer, .. workers]).ToList();
        lines.Insert(2, $"imp-bad,坏行,13900000003,{grid},north,104.0"); // line 3 of the file
        var before = await system.Db.ScalarAsync<long>("SELECT count(*) FROM import_change");

        var (status, submitted) = await UploadAsync(await AdminAsync(), "workers", grid, Encoding.UTF8.GetBytes(string.Join('\n', lines)), "workers.csv");
        Assert.Equal(HttpStatusCode.Accepted, status);
        var job = await FinishedAsync(admin, submitted.GetProperty("id").GetString()!);
        Assert.Equal("failed", job.GetProperty("state").GetString());
        var error = Assert.Single(job.GetProperty("errors").EnumerateArray());
        Assert.Equal(3, error.GetProperty("line").GetInt32());
        Assert.Equal("homeLat", error.GetProperty("field").GetString());
        Assert.Equal(1, job.GetProperty("rejected").GetInt32());
        Assert.Equal((0, 0, 0, 0), Changes(job));
        Assert.DoesNotContain(newcomer.Id, await ListedWorkersAsync(admin, grid));
        Assert.Equal(0, await system.Db.ScalarAsync<long>("SELECT count(*) FROM grid_worker WHERE id = @id", ("id", newcomer.Id)));
        Assert.Equal(before, await system.Db.ScalarAsync<long>("SELECT count(*) FROM import_change"));

        // A file above the API's usual 1 MiB body limit is taken (up to Imports:MaxFileBytes); its over-long field is refused by line and field.
        var large = await FinishedAsync(admin, (await UploadAsync(admin, "workers", grid,
            Encoding.UTF8.GetBytes($"{RosterImporter.WorkersHeader}\nimp-large,{new string('长', 600_000)},13900000009,{grid},30.6,104.0\n"), "workers.csv")).Body.GetProperty("id").GetString()!);
        Assert.Equal("failed", large.GetProperty("state").GetString());
        Assert.Equal("name", Assert.Single(large.GetProperty("errors").EnumerateArray()).GetProperty("field").GetString());

        // Files that are no roster at all fail as line 1, and the gateway goes on: a damaged workbook, GBK text, a wrong header.
        foreach (var (content, reason) in new[]
        {
            (new byte[] { (byte)'P', (byte)'K', 3, 4, 1, 2, 3, 4, 5, 6, 7, 8 }, "Excel"),
            ([0xD0, 0xC2, 0xC0, 0xB4, 0x2C, 0x31], "UTF-8"),
            (Encoding.UTF8.GetBytes("id,name\nx,y\n"), "header"),
        })
        {
            var refused = await FinishedAsync(admin, (await UploadAsync(admin, "workers", grid, content, "workers.xlsx")).Body.GetProperty("id").GetString()!);
            Assert.Equal("failed", refused.GetProperty("state").GetString());
            var line = Assert.Single(refused.GetProperty("errors").EnumerateArray());
            Assert.Equal(1, line.GetProperty("line").GetInt32());
            Assert.Contains(reason, line.GetProperty("reason").GetString());
        }
    }

    [Fact]
    public async Task AReImportThatDropsAWorkerEndsThemAndTheirGridsCountersAndListsFollowWithoutARestart()
    {
        var admin = await AdminAsync();
        var worker = system.Fresh.Worker(within: "510107");
        var others = system.City.Workers.Where(w => w.Grid == worker.Grid && w.Id != worker.Id).ToList();
        var stayer = new GeneratedWorker("imp-" + Guid.NewGuid().ToString("N")[..10], "留下的", "13900000004", worker.Grid, worker.Lat, worker.Lon);
        var (_, key) = await Api.ProvisionDeviceAsync(system.Http, admin, "worker-phone", worker.Id);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(system.Http, key, Api.Status(1, worker.Lat, worker.Lon, onDuty: true))).Status);
        await Eventually.HoldsAsync(() => CounterAsync(admin, worker.Grid, "workersOnDuty"), n => n == 1, TimeSpan.FromSeconds(20), "the worker on duty in their grid");

        // The grid's roster without the worker: they are ended, not deleted; the wall screen's point of them goes.
        await using var screen = await Screens.ScreenClient.ConnectAsync(system.GatewayUrl, admin);
        await screen.SubscribeAsync(worker.Grid[..6]);
        var ended = await FinishedAsync(admin, (await UploadAsync(admin, "workers", worker.Grid, WorkersCsv([.. others, stayer]), "workers.csv")).Body.GetProperty("id").GetString()!);
        Assert.True(ended.GetProperty("state").GetString() == "succeeded", ended.ToString());
        Assert.Equal((1, 0, 1, others.Count), Changes(ended));
        await Eventually.HoldsAsync(() => CounterAsync(admin, worker.Grid, "workersOnDuty"), n => n == 0, TimeSpan.FromSeconds(30), "the grid's on-duty count without the ended worker");
        Assert.Equal(0, await CounterAsync(admin, worker.Grid, "workersOnline"));
        Assert.DoesNotContain(worker.Id, await ListedWorkersAsync(admin, worker.Grid));
        var gone = await screen.LiveItemAsync(i => i.GetProperty("kind").GetString() == "worker" && i.GetProperty("id").GetString() == worker.Id
            && !i.GetProperty("online").GetBoolean(), timeoutSeconds: 30);
        Assert.False(gone.GetProperty("onDuty").GetBoolean());
        Assert.Equal(1, await system.Db.ScalarAsync<long>("SELECT count(*) FROM grid_worker WHERE id = @id AND ended_at IS NOT NULL", ("id", worker.Id)));
        Assert.Equal(worker.Name, await system.Db.ScalarAsync<string>(
            "SELECT old_value->>'name' FROM import_change WHERE subject = 'worker' AND subject_id = @id AND action = 'ended'", ("id", worker.Id)));

        // Their device is revoked.
        await Eventually.HoldsAsync(async () => (await Api.PostStatusAsync(system.Http, key, Api.Status(2, worker.Lat, worker.Lon))).Status,
            s => s == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(30), "the ended worker's device refused");

        // A re-import that brings them back re-activates them: listed again, counted again from a new device's status.
        var back = await FinishedAsync(admin, (await UploadAsync(admin, "workers", worker.Grid, WorkersCsv([.. others, stayer, worker]), "workers.csv")).Body.GetProperty("id").GetString()!);
        Assert.Equal((1, 0, 0, others.Count + 1), Changes(back));
        Assert.Contains(worker.Id, await ListedWorkersAsync(admin, worker.Grid));
        var (_, newKey) = await Api.ProvisionDeviceAsync(system.Http, admin, "worker-phone", worker.Id);
        await Eventually.HoldsAsync(
            async () =>
            {
                await Api.PostStatusAsync(system.Http, newKey, Api.Status(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), worker.Lat, worker.Lon, onDuty: true));
                return await CounterAsync(admin, worker.Grid, "workersOnDuty");
            },
            n => n == 1, TimeSpan.FromSeconds(30), "the returned worker on duty again");
    }

    [Fact]
    public async Task ADivisionsImportRenamesAUnitAndAddsOneAndTheUnitsApiShowsItWithoutARestart()
    {
        var admin = await AdminAsync();
        var community = system.Fresh.Community(within: "510108");
        var original = system.City.Units.Single(u => u.Code == community).Name;
        var added = community + "999";
        var renamed = "改名社区" + Guid.NewGuid().ToString("N")[..4];
        try
        {
            var job = await FinishedAsync(admin, (await UploadAsync(admin, "divisions", community,
                Encoding.UTF8.GetBytes($"code,name,parentCode\n{community},{renamed},{community[..9]}\n{added},新网格,{community}\n"), "divisions.csv")).Body.GetProperty("id").GetString()!);
            Assert.True(job.GetProperty("state").GetString() == "succeeded", job.ToString());
            Assert.Equal((1, 1, 0, 0), Changes(job));

            await Eventually.HoldsAsync(async () => (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/units/{community}", admin)).Body.GetProperty("name").GetString(),
                name => name == renamed, TimeSpan.FromSeconds(30), "the community's new name on the units API");
            var (_, street) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/units/{community[..9]}", admin);
            Assert.Contains(street.GetProperty("children").EnumerateArray(), c => c.GetProperty("code").GetString() == community && c.GetProperty("name").GetString() == renamed);
            var (status, grid) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/units/{added}", admin);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("新网格", grid.GetProperty("name").GetString());

            // Drawn by no map yet: on no map, and no position falls in it.
            var (_, map) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/units/{community}/map", admin);
            Assert.DoesNotContain(map.GetProperty("features").EnumerateArray(), f => f.GetProperty("properties").GetProperty("code").GetString() == added);
        }
        finally
        {
            await system.Db.ExecuteAsync("UPDATE unit_map SET name = @name WHERE code = @code", ("name", original), ("code", community));
            await system.Db.ExecuteAsync("DELETE FROM unit_map WHERE code = @code", ("code", added));
            await system.Db.ExecuteAsync("UPDATE map_version SET version = version + 1");
        }
    }

    [Fact]
    public async Task AMapImportMovesAGridsPolygonAndAPositionThenResolvesByTheNewOneWithoutARestart()
    {
        var admin = await AdminAsync();
        var gridCode = system.Fresh.Grid(within: "510108");
        var grid = system.City.Units.Single(u => u.Code == gridCode);
        // Far south of the city, where no grid lies.
        var moved = new GeometryFactory(new PrecisionModel(), 4326).ToGeometry(new Envelope(103.0, 103.01, 29.0, 29.01));
        var (lat, lon) = (29.005, 103.005);
        Assert.Equal(HttpStatusCode.BadRequest, (await ReportAsync(admin, lat, lon)).Status);
        try
        {
            var job = await FinishedAsync(admin, (await UploadAsync(admin, "map", gridCode, Map(grid.Code, grid.Name, moved), "map.geojson")).Body.GetProperty("id").GetString()!);
            Assert.True(job.GetProperty("state").GetString() == "succeeded", job.ToString());
            Assert.Equal((0, 1, 0, 0), Changes(job));
            var reported = await Eventually.HoldsAsync(() => ReportAsync(admin, lat, lon), r => r.Status == HttpStatusCode.Created, TimeSpan.FromSeconds(30),
                "a case at the moved grid's new place");
            Assert.Equal(gridCode, reported.Body.GetProperty("unitCode").GetString());
        }
        finally
        {
            var restored = await FinishedAsync(admin, (await UploadAsync(admin, "map", gridCode, Map(grid.Code, grid.Name, grid.Geometry), "map.geojson")).Body.GetProperty("id").GetString()!);
            Assert.Equal("succeeded", restored.GetProperty("state").GetString());
        }

        var centre = grid.Geometry.InteriorPoint;
        var home = await Eventually.HoldsAsync(() => ReportAsync(admin, centre.Y, centre.X), r => r.Status == HttpStatusCode.Created, TimeSpan.FromSeconds(30), "a case in the grid's own place");
        Assert.Equal(gridCode, home.Body.GetProperty("unitCode").GetString());
    }

    [Fact]
    public async Task ANonAdminIsForbiddenAndAUnitOutsideTheAdminsScopeIsNotFound()
    {
        await new OperatorStore(system.Db).UpsertAsync(DistrictAdmin, SystemFixture.Password);
        var grid = system.Fresh.Grid(within: "510106");
        var csv = WorkersCsv(system.City.Workers.Where(w => w.Grid == grid));
        var jobs = await system.Db.ScalarAsync<long>("SELECT count(*) FROM import_job");

        // 青羊区's operator on a grid of their district: the role lacks the function.
        var qingyang = system.Fresh.Grid(within: "510105");
        Assert.Equal(HttpStatusCode.Forbidden, (await UploadAsync(await Api.TokenAsync(system.Http, "qingyang.operator"), "workers", qingyang, csv, "workers.csv")).Status);
        var districtAdmin = await Api.TokenAsync(system.Http, DistrictAdmin.Username);
        Assert.Equal(HttpStatusCode.NotFound, (await UploadAsync(districtAdmin, "workers", qingyang, csv, "workers.csv")).Status);
        Assert.Equal(jobs, await system.Db.ScalarAsync<long>("SELECT count(*) FROM import_job"));

        // A job of 青羊区 is not found by 金牛区's administrator, nor listed for them.
        var admin = await AdminAsync();
        var theirs = await FinishedAsync(admin, (await UploadAsync(admin, "workers", qingyang, WorkersCsv(system.City.Workers.Where(w => w.Grid == qingyang)), "workers.csv")).Body.GetProperty("id").GetString()!);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/imports/{theirs.GetProperty("id").GetString()}", districtAdmin)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/imports?unit=510105", districtAdmin)).Status);
        var (_, own) = await Api.SendAsync(system.Http, HttpMethod.Get, "/api/v1/imports", districtAdmin);
        Assert.DoesNotContain(own.GetProperty("items").EnumerateArray(), j => j.GetProperty("id").GetString() == theirs.GetProperty("id").GetString());

        // A roster line in a grid outside the import's unit is refused by line and field.
        var outside = await FinishedAsync(districtAdmin, (await UploadAsync(districtAdmin, "workers", grid, WorkersCsv(system.City.Workers.Where(w => w.Grid == qingyang)), "workers.csv"))
            .Body.GetProperty("id").GetString()!);
        Assert.Equal("failed", outside.GetProperty("state").GetString());
        Assert.All(outside.GetProperty("errors").EnumerateArray(), e => Assert.Equal("assignedGrid", e.GetProperty("field").GetString()));
    }

    [Fact]
    public async Task AnUploadWithoutAFileOrAnOpIdOrOfAnUnknownKindIsRefusedByFieldAndQueuesNothing()
    {
        var admin = await AdminAsync();
        var grid = system.Fresh.Grid(within: "510106");
        var jobs = await system.Db.ScalarAsync<long>("SELECT count(*) FROM import_job");
        async Task<string> RefusedFieldAsync(string kind, HttpContent content)
        {
            var (status, problem) = await Api.SendAsync(system.Http, HttpMethod.Post, $"/api/v1/imports/{kind}?unit={grid}", admin, content);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            return Assert.Single(problem.GetProperty("errors").EnumerateObject()).Name;
        }

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Api.SendAsync(system.Http, HttpMethod.Post, $"/api/v1/imports/workers?unit={grid}", admin, Api.Raw("{\"file\":\"x\"}"))).Status);

        // A roster names the unit it is the roster of: a city administrator's file without ?unit= would end the rest of the city.
        var (unnamed, unnamedProblem) = await UploadAsync(admin, "workers", unit: null, Encoding.UTF8.GetBytes(RosterImporter.WorkersHeader + "\n"), "workers.csv");
        Assert.Equal(HttpStatusCode.BadRequest, unnamed);
        Assert.True(unnamedProblem.GetProperty("errors").TryGetProperty("unit", out _), unnamedProblem.ToString());
        Assert.Equal("kind", await RefusedFieldAsync("people", new MultipartFormDataContent()));
        var noOpId = new MultipartFormDataContent { { new ByteArrayContent("x"u8.ToArray()), "file", "workers.csv" } };
        Assert.Equal("opId", await RefusedFieldAsync("workers", noOpId));
        var empty = new MultipartFormDataContent { { new ByteArrayContent([]), "file", "workers.csv" }, { new StringContent("op"), "opId" } };
        Assert.Equal("file", await RefusedFieldAsync("workers", empty));
        Assert.Equal(jobs, await system.Db.ScalarAsync<long>("SELECT count(*) FROM import_job"));

        // The opId may come as the Idempotency-Key header instead.
        var keyed = new MultipartFormDataContent { { new ByteArrayContent(WorkersCsv(system.City.Workers.Where(w => w.Grid == grid))), "file", "workers.csv" } };
        using var request = Api.Authorized(HttpMethod.Post, $"/api/v1/imports/workers?unit={grid}", admin, keyed);
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await system.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task TheJobOfAGatewayThatDiedDoesNotStayRunning()
    {
        // A job taken by a process that then died: it renewed it last ten minutes ago.
        var id = Guid.CreateVersion7();
        await system.Db.ExecuteAsync(
            """
            INSERT INTO import_job (id, kind, unit_code, caller_unit, state, file_name, file_sha256, content, submitted_by, submitted_at, started_at, runner, heartbeat_at)
            VALUES (@id, 'workers', '5101', '5101', 'running', 'workers.csv', 'x', '\x00', 'city.admin', now() - interval '11 minutes', now() - interval '11 minutes',
                    'a-gateway-that-died', now() - interval '10 minutes')
            """, ("id", id));
        var admin = await AdminAsync();
        var job = await Eventually.HoldsAsync(async () => (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/imports/{id}", admin)).Body,
            j => j.GetProperty("state").GetString() != "running", TimeSpan.FromSeconds(30), "the abandoned job failed");
        Assert.Equal("failed", job.GetProperty("state").GetString());
        Assert.Contains("stopped", job.GetProperty("failure").GetString());
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> UploadAsync(string token, string kind, string? unit, byte[] content, string fileName, string? opId = null)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue(fileName.EndsWith(".xlsx", StringComparison.Ordinal)
            ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv");
        form.Add(file, "file", fileName);
        form.Add(new StringContent(opId ?? Guid.NewGuid().ToString()), "opId");
        return await Api.SendAsync(system.Http, HttpMethod.Post, unit is null ? $"/api/v1/imports/{kind}" : $"/api/v1/imports/{kind}?unit={unit}", token, form);
    }

    private async Task<JsonElement> FinishedAsync(string token, string id) =>
        await Eventually.HoldsAsync(async () => (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/imports/{id}", token)).Body,
            j => j.GetProperty("state").GetString() is "succeeded" or "failed", JobTimeout, $"import job {id} finished");

    private static (int, int, int, int) Changes(JsonElement job)
    {
        var c = job.GetProperty("changes");
        return (c.GetProperty("added").GetInt32(), c.GetProperty("updated").GetInt32(), c.GetProperty("ended").GetInt32(), c.GetProperty("unchanged").GetInt32());
    }

    private async Task<List<string>> ListedWorkersAsync(string token, string unit)
    {
        var (status, page) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/workers?unit={unit}", token);
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. page.GetProperty("items").EnumerateArray().Select(w => w.GetProperty("id").GetString()!)];
    }

    private async Task<long> CounterAsync(string token, string unit, string counter)
    {
        var (status, snapshot) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/units/{unit}", token);
        Assert.Equal(HttpStatusCode.OK, status);
        return snapshot.GetProperty("counters").GetProperty(counter).GetInt64();
    }

    private Task<(HttpStatusCode Status, JsonElement Body)> ReportAsync(string token, double lat, double lon) =>
        Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = Guid.NewGuid().ToString(), category = "sanitation", urgency = "normal", description = "imports", lat, lon });

    private static IEnumerable<string> WorkersLines(IEnumerable<GeneratedWorker> workers) =>
        workers.Select(w => string.Join(',', w.Id, w.Name, w.Phone, w.Grid, F(w.Lat), F(w.Lon))).Prepend(RosterImporter.WorkersHeader);

    private static byte[] WorkersCsv(IEnumerable<GeneratedWorker> workers) => Encoding.UTF8.GetBytes(string.Join('\n', WorkersLines(workers)) + "\n");

    private static byte[] Map(string code, string name, Geometry geometry) =>
        JsonSerializer.SerializeToUtf8Bytes(new FeatureCollection { new Feature(geometry, new AttributesTable { { "code", code }, { "name", name } }) }, MapImporter.GeoJsonOptions);

    // As CityFiles writes them, so a roster written here matches the one the fixture imported.
    private static string F(double value) => value.ToString("0.0######", CultureInfo.InvariantCulture);
}

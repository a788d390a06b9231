using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Playwright;
using OpsCentre.Integration.Tests.Citizens;
using OpsCentre.Testing;

namespace OpsCentre.Integration.Tests.WorkerApp;

/// <summary>
/// The grid worker's app (<c>/app/</c>) in Chromium with a phone's viewport against the real gateway, silo and PostgreSQL:
/// it installs (manifest, service worker), signs in with a key provisioned through the API, records a report with a photo,
/// a visit and three statuses while offline, sends each once and in order when the network is back (one answer lost on
/// the way), and is signed out by the key's revocation. Beside it, the device report path with a photo straight through
/// the API (the GPS EXIF gone in what is stored) and the tasks' ETag.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class WorkerAppBrowserTests(SystemFixture system, Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: scripts/test.sh installs Debian's chromium and fonts-noto-cjk");
        Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, "src/Dashboard/dist/app/index.html")), "the worker app is not built: scripts/test.sh runs the Vite build in src/Dashboard");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task TheAppInstallsWorksOfflineSendsEachRecordOnceInOrderAndIsSignedOutByRevocation()
    {
        // The app's manifest and service worker answer, scoped to /app/; the wall screen and the console are not installable.
        var manifest = await system.Http.GetAsync("/app/manifest.webmanifest");
        Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
        var manifestJson = JsonDocument.Parse(await manifest.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("/app/", manifestJson.GetProperty("scope").GetString());
        Assert.Equal("standalone", manifestJson.GetProperty("display").GetString());
        var worker = await system.Http.GetAsync("/app/sw.js");
        Assert.Equal(HttpStatusCode.OK, worker.StatusCode);
        Assert.Contains("javascript", worker.Content.Headers.ContentType?.MediaType);
        var workerScript = await worker.Content.ReadAsStringAsync();
        Assert.Contains("app/index.html", workerScript);
        Assert.DoesNotContain("console/index.html", workerScript);
        Assert.Contains("rel=\"manifest\"", await system.Http.GetStringAsync("/app/"));
        Assert.DoesNotContain("rel=\"manifest\"", await system.Http.GetStringAsync("/"));
        Assert.DoesNotContain("rel=\"manifest\"", await system.Http.GetStringAsync("/console/"));

        // A worker with a key person in their grid; the phone provisioned as the console does it.
        var person = system.Fresh.KeyPerson(within: "510104", where: p => system.City.Workers.Any(w => w.Grid == p.Grid));
        var gridWorker = system.City.Workers.First(w => w.Grid == person.Grid);
        var operatorToken = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var (deviceId, key) = await Api.ProvisionDeviceAsync(system.Http, operatorToken, "worker-phone", gridWorker.Id);

        var context = await _browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true, DeviceScaleFactor = 3, Locale = "zh-CN",
            Permissions = ["geolocation"], Geolocation = new() { Latitude = (float)gridWorker.Lat, Longitude = (float)gridWorker.Lon, Accuracy = 8 },
        });
        var page = await context.NewPageAsync();
        page.Console += (_, message) => { if (message.Type is "error" or "warning") { output.WriteLine($"[app] {message.Text}"); } };
        var posts = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && request.Url.Contains("/api/v1/device/", StringComparison.Ordinal))
            {
                lock (posts)
                {
                    posts.Add(new Uri(request.Url).AbsolutePath);
                }
            }
        };

        await page.GotoAsync(new Uri(system.GatewayUrl, "/app/").ToString());
        var origin = system.GatewayUrl.GetLeftPart(UriPartial.Authority);
        await page.FillAsync("textarea[name=payload]", JsonSerializer.Serialize(new { v = 1, gateway = origin, deviceId, key }));
        await page.ClickAsync("[data-action=sign-in]");
        await Assertions.Expect(page.Locator("[data-screen=app]")).ToHaveAttributeAsync("data-device", deviceId, new() { Timeout = 20_000 });

        // Installed: the service worker controls the page and holds the app's page; the categories are kept for offline use.
        await page.WaitForFunctionAsync("() => navigator.serviceWorker.controller !== null", null, new() { Timeout = 20_000 });
        await page.WaitForFunctionAsync("async () => !!(await caches.match('/app/index.html'))", null, new() { Timeout = 20_000 });
        await page.ClickAsync("[data-tab=report]");
        await Assertions.Expect(page.Locator("select[name=category] option[value=sanitation]")).ToHaveCountAsync(1);

        // Offline: the app opens from its cache, signed in.
        await context.SetOfflineAsync(true);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-screen=app]")).ToHaveAttributeAsync("data-device", deviceId);
        await Assertions.Expect(page.Locator("[data-field=network]")).ToHaveAttributeAsync("data-state", "offline");

        // The first report's answer is lost on the way back (the server has it): the app sends it again, and it counts once.
        var lost = 0;
        await page.RouteAsync("**/api/v1/device/incidents", async route =>
        {
            if (Interlocked.Increment(ref lost) == 1)
            {
                await route.FetchAsync();
                await route.AbortAsync("connectionreset");
            }
            else
            {
                await route.ContinueAsync();
            }
        });

        var description = "网格员应用测试：井盖破损 " + Guid.NewGuid().ToString("N")[..8];
        await page.ClickAsync("[data-tab=report]");
        await page.SelectOptionAsync("select[name=category]", "sanitation");
        await page.FillAsync("textarea[name=description]", description);
        await page.SetInputFilesAsync("input[name=photos]", new FilePayload { Name = "IMG_0001.JPG", MimeType = "image/jpeg", Buffer = TestPhotos.JpegWithGps(2400, 1200) });
        await page.ClickAsync("[data-action=report]");
        await Assertions.Expect(page.Locator("[data-field=waiting]")).ToHaveAttributeAsync("data-count", "1");

        await page.ClickAsync("[data-tab=visit]");
        await page.FillAsync("input[name=keyPersonId]", person.Id);
        await page.SelectOptionAsync("select[name=outcome]", "met");
        await page.FillAsync("textarea[name=notes]", "在家，情况正常");
        await page.ClickAsync("[data-action=visit]");
        await Assertions.Expect(page.Locator("[data-field=waiting]")).ToHaveAttributeAsync("data-count", "2");

        await page.ClickAsync("[data-tab=tasks]");
        var positions = new List<(double Lat, double Lon)>();
        for (var i = 0; i < 3; i++)
        {
            var (lat, lon) = (gridWorker.Lat + 0.0002 * i, gridWorker.Lon + 0.0001 * i);
            positions.Add((lat, lon));
            await context.SetGeolocationAsync(new() { Latitude = (float)lat, Longitude = (float)lon, Accuracy = 8 });
            await page.ClickAsync("[data-action=status]");
            await Assertions.Expect(page.Locator("[data-field=waiting]")).ToHaveAttributeAsync("data-count", (3 + i).ToString());
        }

        Assert.DoesNotContain(posts, p => !p.EndsWith("/incidents", StringComparison.Ordinal));   // nothing left while offline

        // Online again: everything goes, in the order recorded.
        lock (posts)
        {
            posts.Clear();
        }

        await context.SetOfflineAsync(false);
        await Assertions.Expect(page.Locator("[data-field=waiting]")).ToHaveAttributeAsync("data-count", "0", new() { Timeout = 30_000 });
        List<string> sent;
        lock (posts)
        {
            sent = [.. posts];
        }

        output.WriteLine("sent: " + string.Join(", ", sent));
        Assert.Equal(["/api/v1/device/incidents", "/api/v1/device/visits", "/api/v1/device/status/batch"], sent.Distinct().ToList());
        Assert.Equal(2, sent.Count(p => p.EndsWith("/incidents", StringComparison.Ordinal)));   // the lost answer's retry
        Assert.True(sent.LastIndexOf("/api/v1/device/incidents") < sent.IndexOf("/api/v1/device/visits"), "the report before the visit");
        Assert.Single(sent, p => p.EndsWith("/status/batch", StringComparison.Ordinal));

        // Each reached the server once: one case with one photo (re-encoded, no GPS EXIF), one visit, three track points in order.
        var cases = await system.Db.RowsAsync("SELECT payload ->> 'id' FROM event_log WHERE type = 'incident.reported' AND actor = @worker",
            r => r.GetString(0), ("worker", gridWorker.Id));
        var caseId = Assert.Single(cases);
        Assert.Equal(1L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM case_photo WHERE case_id = @case", ("case", caseId)));
        var (_, photos) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/incidents/{caseId}/photos", operatorToken);
        var url = photos[0].GetProperty("url").GetString()!;
        var stored = await system.Http.SendAsync(Api.Authorized(HttpMethod.Get, url, operatorToken));
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Equal("image/jpeg", stored.Content.Headers.ContentType?.MediaType);
        var jpeg = await stored.Content.ReadAsByteArrayAsync();
        Assert.False(TestPhotos.HoldsMetadata(jpeg), "the stored photo still holds EXIF");
        Assert.True(TestPhotos.SizeOf(jpeg).Width <= 1600);
        Assert.Equal(1L, await system.Db.ScalarAsync<long>("SELECT count(*) FROM event_log WHERE type = 'keyperson.visited' AND payload ->> 'id' = @id", ("id", person.Id)));
        var track = await Eventually.HoldsAsync(
            () => system.Db.RowsAsync("SELECT seq, lat, lon FROM device_track WHERE device_id = @device ORDER BY at, seq", r => (r.GetInt64(0), r.GetDouble(1), r.GetDouble(2)), ("device", deviceId)),
            rows => rows.Count >= 3, TimeSpan.FromSeconds(15), "three track points");
        Assert.Equal(3, track.Count);
        Assert.Equal(track.Select(t => t.Item1).Order(), track.Select(t => t.Item1));
        for (var i = 0; i < 3; i++)
        {
            // Within 1e-4 degrees (about 10 m) of the emulated position: the browser does not hand back every digit it was given.
            Assert.Equal(positions[i].Lat, track[i].Item2, 0.0001);
            Assert.Equal(positions[i].Lon, track[i].Item3, 0.0001);
        }

        // Revoked in the console: the app's next call signs it out.
        Assert.Equal(HttpStatusCode.NoContent, (await Api.SendAsync(system.Http, HttpMethod.Delete, $"/api/v1/devices/{deviceId}", operatorToken)).Status);
        await page.ClickAsync("[data-action=refresh]");
        await Assertions.Expect(page.Locator("[data-screen=sign-in] [data-field=signed-out]")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        Assert.False(await page.EvaluateAsync<bool>(
            "() => new Promise(r => { const o = indexedDB.open('opscentre-app'); o.onsuccess = () => { const g = o.result.transaction('kv').objectStore('kv').get('device'); g.onsuccess = () => r(!!g.result); }; })"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(AppContext.BaseDirectory, "worker-app-signed-out.png") });
        await context.CloseAsync();
    }

    [Fact]
    public async Task APhonesReportKeepsItsPhotoOnceWithoutItsGpsAndItsTasksAnswerNotModified()
    {
        var gridWorker = system.Fresh.Worker(within: "510104");
        var operatorToken = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var (_, key) = await Api.ProvisionDeviceAsync(system.Http, operatorToken, "worker-phone", gridWorker.Id);
        var upload = TestPhotos.JpegWithGps(2400, 1200);
        Assert.True(TestPhotos.HoldsMetadata(upload));

        async Task<(HttpStatusCode Status, JsonElement Body)> ReportAsync()
        {
            var form = new MultipartFormDataContent
            {
                { new StringContent("report-with-photo-1"), "opId" }, { new StringContent("sanitation"), "category" }, { new StringContent("normal"), "urgency" },
                { new StringContent("手机上报：占道堆放"), "description" },
                { new StringContent(gridWorker.Lat.ToString(System.Globalization.CultureInfo.InvariantCulture)), "lat" },
                { new StringContent(gridWorker.Lon.ToString(System.Globalization.CultureInfo.InvariantCulture)), "lon" },
            };
            var photo = new ByteArrayContent(upload);
            photo.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(photo, "media", "IMG_0002.JPG");
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/device/incidents") { Content = form };
            request.Headers.Add("X-Device-Key", key);
            var response = await system.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement : default);
        }

        var (first, created) = await ReportAsync();
        Assert.True(first == HttpStatusCode.Created, $"{first} {created}");
        var (again, replayed) = await ReportAsync();
        Assert.Equal(HttpStatusCode.Created, again);
        var caseId = created.GetProperty("id").GetString()!;
        Assert.Equal(caseId, replayed.GetProperty("id").GetString());

        var stored = await system.Db.RowsAsync("SELECT content FROM case_photo WHERE case_id = @case", r => (byte[])r[0], ("case", caseId));
        var jpeg = Assert.Single(stored);
        Assert.False(TestPhotos.HoldsMetadata(jpeg), "the stored photo still holds the upload's GPS EXIF");
        Assert.Equal((1600, 800), TestPhotos.SizeOf(jpeg));

        // A photo that is no photo refuses the report, and nothing is written.
        var bad = new MultipartFormDataContent { { new StringContent("report-with-photo-2"), "opId" }, { new StringContent("sanitation"), "category" },
            { new StringContent("normal"), "urgency" }, { new StringContent("坏照片"), "description" }, { new StringContent("30.65"), "lat" }, { new StringContent("104.07"), "lon" },
            { new ByteArrayContent(TestPhotos.BrokenJpeg()), "media", "x.jpg" } };
        var badRequest = new HttpRequestMessage(HttpMethod.Post, "/api/v1/device/incidents") { Content = bad };
        badRequest.Headers.Add("X-Device-Key", key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await system.Http.SendAsync(badRequest)).StatusCode);

        // The tasks carry an ETag; polling with it is 304 until they change.
        var tasks = new HttpRequestMessage(HttpMethod.Get, "/api/v1/device/tasks");
        tasks.Headers.Add("X-Device-Key", key);
        var answer = await system.Http.SendAsync(tasks);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var etag = answer.Headers.ETag ?? throw new Xunit.Sdk.XunitException("no ETag on the tasks");
        var poll = new HttpRequestMessage(HttpMethod.Get, "/api/v1/device/tasks");
        poll.Headers.Add("X-Device-Key", key);
        poll.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await system.Http.SendAsync(poll)).StatusCode);
        var stale = new HttpRequestMessage(HttpMethod.Get, "/api/v1/device/tasks");
        stale.Headers.Add("X-Device-Key", key);
        stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"not-the-tasks\""));
        Assert.Equal(HttpStatusCode.OK, (await system.Http.SendAsync(stale)).StatusCode);
    }
    /// <summary>
    /// 反馈 with a photo from the phone: the worker opens a dispatched case in the app, starts it, and feeds back with a photo
    /// taken there; the first answer to the 反馈 is lost, the app sends it again under its opId, and the case keeps the photo
    /// once (re-encoded, no GPS EXIF) and shows it to the operator.
    /// </summary>
    [Fact]
    public async Task TheAppFeedsBackWithAPhotoThatTheCaseShowsOnce()
    {
        var operatorToken = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var (caseId, gridWorker) = await DispatchedToAWorkerAsync(operatorToken);
        var (deviceId, key) = await Api.ProvisionDeviceAsync(system.Http, operatorToken, "worker-phone", gridWorker.Id);

        var context = await _browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true, DeviceScaleFactor = 3, Locale = "zh-CN",
            Permissions = ["geolocation"], Geolocation = new() { Latitude = (float)gridWorker.Lat, Longitude = (float)gridWorker.Lon, Accuracy = 8 },
        });
        var page = await context.NewPageAsync();
        page.Console += (_, message) => { if (message.Type is "error" or "warning") { output.WriteLine($"[app] {message.Text}"); } };
        // The first 反馈 (the form with the photo) reaches the server, but its answer is lost on the way back.
        var feedbacks = 0;
        await page.RouteAsync("**/api/v1/device/incidents/*/actions", async route =>
        {
            var multipart = route.Request.Headers.TryGetValue("content-type", out var type) && type.StartsWith("multipart/form-data", StringComparison.Ordinal);
            if (multipart && Interlocked.Increment(ref feedbacks) == 1)
            {
                await route.FetchAsync();
                await route.AbortAsync("connectionreset");
            }
            else
            {
                await route.ContinueAsync();
            }
        });

        await page.GotoAsync(new Uri(system.GatewayUrl, "/app/").ToString());
        await page.FillAsync("textarea[name=payload]", JsonSerializer.Serialize(new { v = 1, gateway = system.GatewayUrl.GetLeftPart(UriPartial.Authority), deviceId, key }));
        await page.ClickAsync("[data-action=sign-in]");
        await Assertions.Expect(page.Locator("[data-screen=app]")).ToHaveAttributeAsync("data-device", deviceId, new() { Timeout = 20_000 });

        var task = page.Locator($".app-list li[data-id='{caseId}'][data-kind=incident]");
        await Assertions.Expect(task).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        // The task says where to go and what was reported: its unit's name in the list, and opened, the place, position and description.
        await Assertions.Expect(task.Locator("[data-field=place]")).Not.ToBeEmptyAsync();
        await task.ClickAsync();
        var section = page.Locator($".app-task[data-id='{caseId}']");
        await Assertions.Expect(section.Locator("[data-field=description]")).ToContainTextAsync("垃圾堆放（反馈照片测试）");
        var geo = await section.Locator("[data-field=position]").GetAttributeAsync("href");
        Assert.StartsWith("geo:", geo);
        var coordinates = geo![4..].Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(gridWorker.Lat, coordinates[0], 5);
        Assert.Equal(gridWorker.Lon, coordinates[1], 5);
        await section.Locator("[data-action=start]").ClickAsync();
        await section.Locator("textarea[name=note]").FillAsync("已清理完毕，附现场照片");
        await section.Locator("input[name=feedback-photos]").SetInputFilesAsync(new FilePayload { Name = "IMG_0003.JPG", MimeType = "image/jpeg", Buffer = TestPhotos.JpegWithGps(2400, 1800) });
        await Assertions.Expect(section.Locator("[data-field=feedback-photos]")).ToContainTextAsync("1 张照片");
        await section.Locator("[data-action=feedback]").ClickAsync();
        await Eventually.HoldsAsync(() => Volatile.Read(ref feedbacks) >= 2, TimeSpan.FromSeconds(30), "the 反馈 sent again after its answer was lost");
        await Assertions.Expect(page.Locator("[data-field=waiting]")).ToHaveAttributeAsync("data-count", "0", new() { Timeout = 30_000 });
        Assert.Equal(2, feedbacks);
        // The retry was answered as the first time (the case has left the worker's tasks by then), not refused.
        Assert.Equal(0, await page.EvaluateAsync<int>(
            "() => new Promise(r => { const o = indexedDB.open('opscentre-app'); o.onsuccess = () => { const g = o.result.transaction('failed').objectStore('failed').count(); g.onsuccess = () => r(g.result); }; })"));

        // The case is handled; its one feedback photo is stored once, re-encoded without EXIF, resized on the phone.
        var (_, detail) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/incidents/{caseId}", operatorToken);
        Assert.Equal("handled", detail.GetProperty("incident").GetProperty("stage").GetString());
        var rows = await system.Db.RowsAsync("SELECT purpose, added_by, content FROM case_photo WHERE case_id = @case", r => (r.GetString(0), r.GetString(1), (byte[])r[2]), ("case", caseId));
        var (purpose, addedBy, content) = Assert.Single(rows);
        Assert.Equal(("feedback", gridWorker.Id), (purpose, addedBy));
        Assert.False(TestPhotos.HoldsMetadata(content), "the stored photo still holds EXIF");
        Assert.Equal((1600, 1200), TestPhotos.SizeOf(content));
        var (listed, photos) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/incidents/{caseId}/photos", operatorToken);
        Assert.Equal(HttpStatusCode.OK, listed);
        var served = await system.Http.SendAsync(Api.Authorized(HttpMethod.Get, Assert.Single(photos.EnumerateArray()).GetProperty("url").GetString()!, operatorToken));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(content, await served.Content.ReadAsByteArrayAsync());
        await context.CloseAsync();
    }

    [Fact]
    public async Task ACampaignVisitCompletedOfflineInTheAppIsAppliedOnceWhenTheNetworkReturns()
    {
        var operatorToken = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var gridWorker = system.Fresh.Worker(within: DemoUnits.ThirdStreet);
        var resident = await Campaigns.CampaignTests.SeedFloatingResidentAsync(system, gridWorker.Grid, "赵流动");
        var (started, campaign) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/campaigns", operatorToken, new
        {
            opId = "campaign-" + Guid.NewGuid().ToString("N"), unitCode = gridWorker.Grid, title = "流动人口专项整治日",
            registrationDueBefore = Campaigns.CampaignTests.Expiry.ToString("yyyy-MM-dd"), dueAt = DateTimeOffset.UtcNow.AddDays(1),
        });
        Assert.True(started == HttpStatusCode.Created, $"{started} {campaign}");
        var campaignId = campaign.GetProperty("id").GetString()!;
        var taskId = await system.Db.ScalarAsync<string>("SELECT id FROM campaign_task WHERE campaign_id = @c AND person_id = @p", ("c", campaignId), ("p", resident));
        var (deviceId, key) = await Api.ProvisionDeviceAsync(system.Http, operatorToken, "worker-phone", gridWorker.Id);

        var context = await _browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true, DeviceScaleFactor = 3, Locale = "zh-CN",
            Permissions = ["geolocation"], Geolocation = new() { Latitude = (float)gridWorker.Lat, Longitude = (float)gridWorker.Lon, Accuracy = 8 },
        });
        var page = await context.NewPageAsync();
        page.Console += (_, message) => { if (message.Type is "error" or "warning") { output.WriteLine($"[app] {message.Text}"); } };
        await page.GotoAsync(new Uri(system.GatewayUrl, "/app/").ToString());
        await page.FillAsync("textarea[name=payload]", JsonSerializer.Serialize(new { v = 1, gateway = system.GatewayUrl.GetLeftPart(UriPartial.Authority), deviceId, key }));
        await page.ClickAsync("[data-action=sign-in]");
        await Assertions.Expect(page.Locator("[data-screen=app]")).ToHaveAttributeAsync("data-device", deviceId, new() { Timeout = 20_000 });

        // The campaign's visit is among the tasks, the resident's name masked; done without a network, it waits in the queue.
        var task = page.Locator($".app-list li[data-id='{taskId}'][data-kind=campaign-visit]");
        await Assertions.Expect(task).ToContainTextAsync("流动人口专项整治走访 赵**", new() { Timeout = 20_000 });
        await context.SetOfflineAsync(true);
        await task.ClickAsync();
        await page.Locator(".app-task textarea[name=note]").FillAsync("已督促办理居住登记");
        await page.Locator(".app-task [data-action=complete-visit]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-field=waiting]")).ToHaveAttributeAsync("data-count", "1");
        await Assertions.Expect(task).ToHaveCountAsync(0);
        Assert.Equal("open", await system.Db.ScalarAsync<string>("SELECT state FROM campaign_task WHERE id = @t", ("t", taskId)));

        await context.SetOfflineAsync(false);
        await Assertions.Expect(page.Locator("[data-field=waiting]")).ToHaveAttributeAsync("data-count", "0", new() { Timeout = 30_000 });
        var (state, doneBy, note) = (await system.Db.RowsAsync("SELECT state, done_by, note FROM campaign_task WHERE id = @t",
            r => (r.GetString(0), r.GetString(1), r.GetString(2)), ("t", taskId))).Single();
        Assert.Equal(("done", gridWorker.Id, "已督促办理居住登记"), (state, doneBy, note));
        var (_, detail) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/campaigns/{campaignId}", operatorToken);
        Assert.Equal(1, detail.GetProperty("done").GetInt32());
        await context.CloseAsync();
    }

    /// <summary>The device's actions as a form: photos go with feedback only, a refused feedback keeps none, a replay stores nothing more.</summary>
    [Fact]
    public async Task ADevicesFeedbackFormKeepsItsPhotosOncePerOpIdAndARefusedOneNone()
    {
        var operatorToken = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var (caseId, gridWorker) = await DispatchedToAWorkerAsync(operatorToken);
        var (_, key) = await Api.ProvisionDeviceAsync(system.Http, operatorToken, "worker-phone", gridWorker.Id);

        async Task<(HttpStatusCode Status, string Body)> FormAsync(string action, string opId, byte[]? photo)
        {
            using var form = new MultipartFormDataContent { { new StringContent(opId), "opId" }, { new StringContent(action), "action" }, { new StringContent("已处理"), "note" } };
            if (photo is not null)
            {
                var file = new ByteArrayContent(photo);
                file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                form.Add(file, "media", "after.jpg");
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/device/incidents/{caseId}/actions") { Content = form };
            request.Headers.Add("X-Device-Key", key);
            var response = await system.Http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Task<long> PhotosAsync() => system.Db.ScalarAsync<long>("SELECT count(*) FROM case_photo WHERE case_id = @c", ("c", caseId));

        // The case is one of the device's tasks, with what the worker needs: its description, its unit's name and its position.
        var (_, tasks) = await Api.DeviceSendAsync(system.Http, HttpMethod.Get, "/api/v1/device/tasks", key);
        var listed = tasks.GetProperty("items").EnumerateArray().Single(t => t.GetProperty("id").GetString() == caseId);
        Assert.Equal("垃圾堆放（反馈照片测试）", listed.GetProperty("description").GetString());
        Assert.False(string.IsNullOrEmpty(listed.GetProperty("place").GetString()), $"no place: {listed}");
        Assert.Equal(gridWorker.Lat, listed.GetProperty("lat").GetDouble(), 5);
        Assert.Equal(gridWorker.Lon, listed.GetProperty("lon").GetDouble(), 5);

        // Before it is started the case refuses a 反馈 (409), and its photo is removed again.
        var early = await FormAsync("feedback", "dev-fb-early", TestPhotos.JpegWithGps(800, 600));
        Assert.True(early.Status == HttpStatusCode.Conflict, $"early: {early}");
        Assert.Equal(0, await PhotosAsync());
        // A photo with start: 400 naming media; a photo that is no photo: 422; neither writes anything.
        var start = await FormAsync("start", "dev-start-photo", TestPhotos.JpegWithGps(80, 60));
        Assert.True(start.Status == HttpStatusCode.BadRequest && start.Body.Contains("media", StringComparison.Ordinal), $"start with a photo: {start}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await FormAsync("feedback", "dev-fb-broken", TestPhotos.BrokenJpeg())).Status);
        Assert.Equal(HttpStatusCode.OK, (await FormAsync("start", "dev-start", null)).Status);
        Assert.Equal(0, await PhotosAsync());

        var photo = TestPhotos.JpegWithGps(1200, 900);
        Assert.Equal(HttpStatusCode.OK, (await FormAsync("feedback", "dev-fb", photo)).Status);
        Assert.Equal(HttpStatusCode.OK, (await FormAsync("feedback", "dev-fb", photo)).Status);   // the queue's replay
        var stored = await system.Db.RowsAsync("SELECT op_id, content FROM case_photo WHERE case_id = @c", r => (r.GetString(0), (byte[])r[1]), ("c", caseId));
        var (storedOp, jpeg) = Assert.Single(stored);
        Assert.Equal("dev-fb", storedOp);
        Assert.False(TestPhotos.HoldsMetadata(jpeg), "the stored photo still holds EXIF");
        // The same opId with another body is not the same action: 422, nothing more stored.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await FormAsync("start", "dev-fb", null)).Status);
        Assert.Equal(1, await PhotosAsync());
    }

    /// <summary>
    /// 紧急告警 in the open app: a critical alert raised in the worker's grid (their phone's battery below a grid rule's
    /// threshold) appears, announced, without a reload; one in another grid does not; once resolved (the battery back up)
    /// it disappears.
    /// </summary>
    [Fact]
    public async Task TheOpenAppShowsItsGridsUrgentAlertsAndDropsThemOnceResolved()
    {
        var operatorToken = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var gridWorker = system.Fresh.Worker(within: DemoUnits.FirstStreet);
        var otherWorker = system.Fresh.Worker(within: DemoUnits.FirstStreet);
        Assert.NotEqual(gridWorker.Grid, otherWorker.Grid);
        var ruleIds = new List<string>();
        foreach (var grid in new[] { gridWorker.Grid, otherWorker.Grid })
        {
            var ruleId = "app-urgent-" + Guid.NewGuid().ToString("N")[..8];
            var (created, body) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/alert-rules", operatorToken, new
            {
                opId = ruleId, id = ruleId, title = "手机电量告急 Phone battery critical", kind = "threshold",
                target = new { subjectKind = "device", unitScope = grid }, severity = "critical",
                parameters = new { metric = "batteryPct", op = "<", value = 5, deviceKinds = new[] { "worker-phone" } }, pendingSeconds = 0, recoverySeconds = 1,
            });
            Assert.True(created == HttpStatusCode.Created, $"rule: {created} {body}");
            ruleIds.Add(ruleId);
        }

        await SystemFixture.RuleRefreshAsync();
        var (deviceId, key) = await Api.ProvisionDeviceAsync(system.Http, operatorToken, "worker-phone", gridWorker.Id);
        var (otherDeviceId, otherKey) = await Api.ProvisionDeviceAsync(system.Http, operatorToken, "worker-phone", otherWorker.Id);

        var context = await _browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 390, Height = 844 }, IsMobile = true, HasTouch = true, DeviceScaleFactor = 3, Locale = "zh-CN",
            Permissions = ["geolocation"], Geolocation = new() { Latitude = (float)gridWorker.Lat, Longitude = (float)gridWorker.Lon, Accuracy = 8 },
        });
        var page = await context.NewPageAsync();
        page.Console += (_, message) => { if (message.Type is "error" or "warning") { output.WriteLine($"[app] {message.Text}"); } };
        await page.GotoAsync(new Uri(system.GatewayUrl, "/app/").ToString());
        await page.FillAsync("textarea[name=payload]", JsonSerializer.Serialize(new { v = 1, gateway = system.GatewayUrl.GetLeftPart(UriPartial.Authority), deviceId, key }));
        await page.ClickAsync("[data-action=sign-in]");
        await Assertions.Expect(page.Locator("[data-screen=app]")).ToHaveAttributeAsync("data-device", deviceId, new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator(".app-list")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-field=alerts]")).ToBeHiddenAsync();

        // Both phones' batteries fall below 5 %: a critical alert in each grid, while the app stays open.
        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(system.Http, otherKey, Api.Status(1, otherWorker.Lat, otherWorker.Lon, batteryPct: 3))).Status);
        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(system.Http, key, Api.Status(1, gridWorker.Lat, gridWorker.Lon, batteryPct: 3))).Status);
        var ours = await OfRuleAsync(operatorToken, gridWorker.Grid, ruleIds[0], deviceId);
        var theirs = await OfRuleAsync(operatorToken, otherWorker.Grid, ruleIds[1], otherDeviceId);

        var item = page.Locator($"[data-field=alerts] li[data-alert='{ours}']");
        await Assertions.Expect(item).ToHaveCountAsync(1, new() { Timeout = 40_000 });
        await Assertions.Expect(page.Locator("[data-field=alerts] h2")).ToContainTextAsync("紧急告警");
        await Assertions.Expect(item).ToContainTextAsync("手机电量告急");
        await Assertions.Expect(item).ToContainTextAsync("严重 Critical");
        await Assertions.Expect(item.Locator("[data-field=place]")).Not.ToBeEmptyAsync();
        await Assertions.Expect(item.Locator("time")).Not.ToBeEmptyAsync();
        await Assertions.Expect(page.Locator("[data-field=alert-banner]")).ToContainTextAsync("新的紧急告警");
        await Assertions.Expect(page.Locator($"[data-alert='{theirs}']")).ToHaveCountAsync(0);
        Assert.Equal("rgb(198, 40, 40)", await page.Locator("[data-field=alerts]").EvaluateAsync<string>("e => getComputedStyle(e).borderTopColor"));

        // The battery is back: the alert resolves and leaves the open app.
        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(system.Http, key, Api.Status(2, gridWorker.Lat, gridWorker.Lon, batteryPct: 90))).Status);
        await Eventually.HoldsAsync(async () =>
            {
                var (_, alert) = await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/alerts/{ours}", operatorToken);
                return alert.GetProperty("state").GetString();
            }, state => state == "resolved", TimeSpan.FromSeconds(30), "the alert resolved once the battery is back");
        await Assertions.Expect(item).ToHaveCountAsync(0, new() { Timeout = 40_000 });
        await Assertions.Expect(page.Locator("[data-field=alerts]")).ToBeHiddenAsync();
        await context.CloseAsync();
    }

    /// <summary>GET /api/v1/device/alerts: a worker's phone only (a wristband 403), the grid's critical alerts only, and 304 with its ETag.</summary>
    [Fact]
    public async Task TheDeviceAlertsAreAWorkersPhonesOnlyAndAnswerNotModified()
    {
        var operatorToken = await Api.TokenAsync(system.Http, "jinjiang.operator");
        var gridWorker = system.Fresh.Worker(within: DemoUnits.FirstStreet);
        var ruleId = "app-urgent-" + Guid.NewGuid().ToString("N")[..8];
        var (created, _) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/alert-rules", operatorToken, new
        {
            opId = ruleId, id = ruleId, title = "手机电量告急", kind = "threshold", target = new { subjectKind = "device", unitScope = gridWorker.Grid }, severity = "critical",
            parameters = new { metric = "batteryPct", op = "<", value = 5, deviceKinds = new[] { "worker-phone" } }, pendingSeconds = 0, recoverySeconds = 60,
        });
        Assert.Equal(HttpStatusCode.Created, created);
        await SystemFixture.RuleRefreshAsync();
        var (deviceId, key) = await Api.ProvisionDeviceAsync(system.Http, operatorToken, "worker-phone", gridWorker.Id);

        // A key person's wristband has no grid's alerts to read; no key at all is 401.
        var person = system.Fresh.KeyPerson(within: "510104");
        var (_, wristbandKey) = await Api.ProvisionDeviceAsync(system.Http, operatorToken, "wristband", person.Id);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.DeviceSendAsync(system.Http, HttpMethod.Get, "/api/v1/device/alerts", wristbandKey)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await system.Http.GetAsync("/api/v1/device/alerts")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Api.PostStatusAsync(system.Http, key, Api.Status(1, gridWorker.Lat, gridWorker.Lon, batteryPct: 3))).Status);
        var alertId = await OfRuleAsync(operatorToken, gridWorker.Grid, ruleId, deviceId);
        var answer = await Eventually.HoldsAsync(async () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/device/alerts");
                request.Headers.Add("X-Device-Key", key);
                var response = await system.Http.SendAsync(request);
                return (response.Headers.ETag, Body: JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
            }, a => a.Body.GetProperty("items").EnumerateArray().Any(i => i.GetProperty("id").GetString() == alertId), TimeSpan.FromSeconds(10), "the alert on the phone");
        var items = answer.Body.GetProperty("items").EnumerateArray().ToList();
        Assert.All(items, i => Assert.Equal("critical", i.GetProperty("severity").GetString()));
        Assert.All(items, i => Assert.StartsWith(gridWorker.Grid, i.GetProperty("unitCode").GetString()));
        Assert.All(items, i => Assert.NotEqual("key-person", i.GetProperty("subject").GetProperty("kind").GetString()));
        var mine = items.Single(i => i.GetProperty("id").GetString() == alertId);
        Assert.Equal(("device", deviceId), (mine.GetProperty("subject").GetProperty("kind").GetString(), mine.GetProperty("subject").GetProperty("id").GetString()));
        Assert.False(string.IsNullOrEmpty(mine.GetProperty("place").GetString()));

        var etag = answer.ETag ?? throw new Xunit.Sdk.XunitException("no ETag on the alerts");
        var poll = new HttpRequestMessage(HttpMethod.Get, "/api/v1/device/alerts");
        poll.Headers.Add("X-Device-Key", key);
        poll.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await system.Http.SendAsync(poll)).StatusCode);

        // Resolved by hand, the list changes: the old ETag no longer matches.
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(system.Http, HttpMethod.Post, $"/api/v1/alerts/{alertId}/resolve", operatorToken, new { opId = "r-" + alertId, note = "charged" })).Status);
        var after = new HttpRequestMessage(HttpMethod.Get, "/api/v1/device/alerts");
        after.Headers.Add("X-Device-Key", key);
        after.Headers.IfNoneMatch.Add(etag);
        var changed = await system.Http.SendAsync(after);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.DoesNotContain(JsonDocument.Parse(await changed.Content.ReadAsStringAsync()).RootElement.GetProperty("items").EnumerateArray(),
            i => i.GetProperty("id").GetString() == alertId);
    }

    /// <summary>The id of the alert of <paramref name="ruleId"/> about <paramref name="subjectId"/> in <paramref name="grid"/>'s listing, once listed.</summary>
    private async Task<string> OfRuleAsync(string token, string grid, string ruleId, string subjectId) =>
        (await Eventually.HoldsAsync(
            async () => (await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/alerts?unit={grid}&rule={ruleId}", token)).Body.GetProperty("items").EnumerateArray()
                .FirstOrDefault(a => a.GetProperty("subject").GetProperty("id").GetString() == subjectId),
            a => a.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(15), $"the alert of {ruleId} about {subjectId}")).GetProperty("id").GetString()!;

    /// <summary>A case reported at a fresh worker's position by 锦江区's operator, accepted and dispatched to that worker.</summary>
    private async Task<(string CaseId, OpsCentre.CityGen.GeneratedWorker Worker)> DispatchedToAWorkerAsync(string operatorToken)
    {
        var gridWorker = system.Fresh.Worker(within: "510104");
        var (created, report) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/incidents", operatorToken,
            new { opId = Guid.NewGuid().ToString("N"), category = "sanitation", urgency = "normal", description = "垃圾堆放（反馈照片测试）", lat = gridWorker.Lat, lon = gridWorker.Lon });
        Assert.True(created == HttpStatusCode.Created, $"report: {created} {report}");
        var caseId = report.GetProperty("id").GetString()!;
        foreach (var (action, body) in new (string, object)[]
                 {
                     ("accept", new { opId = Guid.NewGuid().ToString("N"), action = "accept" }),
                     ("dispatch", new { opId = Guid.NewGuid().ToString("N"), action = "dispatch", unitCode = gridWorker.Grid, workerId = gridWorker.Id }),
                 })
        {
            var (status, answer) = await Api.SendAsync(system.Http, HttpMethod.Post, $"/api/v1/incidents/{caseId}/actions", operatorToken, body);
            Assert.True(status == HttpStatusCode.OK, $"{action}: {status} {answer}");
        }

        return (caseId, gridWorker);
    }
}

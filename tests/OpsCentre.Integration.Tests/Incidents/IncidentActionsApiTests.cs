using OpsCentre.Testing;
using System.Net;
using System.Text.Json;

namespace OpsCentre.Integration.Tests.Incidents;

/// <summary>
/// <c>actions</c> on GET /api/v1/incidents/{id}: what the caller may do to the case now, through the real gateway and
/// silo. Along the loop each listed action is then taken and succeeds, and every action not listed is refused by the
/// POST and changes nothing; a street's operator sees no other street's case at all.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class IncidentActionsApiTests(SystemFixture system)
{
    private const string District = "jinjiang.operator";        // 510104, above both streets
    private const string FirstStreet = "jinjiang.street.operator";
    private const string SecondStreet = SystemFixture.SecondStreetOperator;

    private readonly Dictionary<string, string> _tokens = [];

    private async Task<string> TokenAsync(string username) =>
        _tokens.TryGetValue(username, out var token) ? token : (_tokens[username] = await Api.TokenAsync(system.Http, username));

    private async Task<(HttpStatusCode Status, JsonElement Body)> DetailAsync(string by, string id) =>
        await Api.SendAsync(system.Http, HttpMethod.Get, $"/api/v1/incidents/{id}", await TokenAsync(by));

    private async Task<string[]> ActionsAsync(string by, string id)
    {
        var (status, detail) = await DetailAsync(by, id);
        Assert.True(status == HttpStatusCode.OK, $"detail for {by}: {status} {detail}");
        return [.. detail.GetProperty("actions").EnumerateArray().Select(a => a.GetString()!)];
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> TryAsync(string by, string id, string action) =>
        await Api.SendAsync(system.Http, HttpMethod.Post, $"/api/v1/incidents/{id}/actions", await TokenAsync(by), new Dictionary<string, object?>
        {
            ["opId"] = $"{action}-{Guid.NewGuid():N}", ["action"] = action, ["note"] = "by the test",
            ["unitCode"] = action is "transfer" or "add-co-handler" or "remove-co-handler" ? "510104-CG" : null,
        });

    /// <summary>Every action the list leaves out is refused by the POST, and the case stays as it was.</summary>
    private async Task UnlistedAreRefusedAsync(string by, string id, string[] listed)
    {
        var before = (await DetailAsync(District, id)).Body.GetProperty("incident").GetRawText();
        foreach (var action in Grains.Incidents.IncidentActions.All.Except(listed))
        {
            var (status, answer) = await TryAsync(by, id, action);
            Assert.True(status is HttpStatusCode.Forbidden or HttpStatusCode.Conflict or HttpStatusCode.NotFound,
                $"{action} by {by} was not listed but answered {status} {answer}");
        }

        Assert.Equal(before, (await DetailAsync(District, id)).Body.GetProperty("incident").GetRawText());
    }

    [Fact]
    public async Task ActionsAreWhatTheCallerMayTakeNow()
    {
        var (reported, answer) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/incidents", await TokenAsync(SecondStreet),
            new { opId = Guid.NewGuid().ToString("N"), category = "sanitation", urgency = "normal", description = "垃圾堆放", gridCode = system.Fresh.Grid(within: DemoUnits.SecondStreet) });
        Assert.True(reported == HttpStatusCode.Created, $"report: {reported} {answer}");
        var id = answer.GetProperty("id").GetString()!;

        // The first street's operator neither sees the case nor learns what could be done to it.
        Assert.Equal(HttpStatusCode.NotFound, (await DetailAsync(FirstStreet, id)).Status);

        var loop = new (string Stage, string[] Expected, string Take)[]
        {
            ("reported", ["accept", "cancel"], "accept"),
            ("accepted", ["cancel", "dispatch"], "dispatch"),
            ("dispatched", ["start", "transfer", "request-extension", "add-co-handler"], "start"),
            ("in-progress", ["feedback", "transfer", "request-extension", "add-co-handler"], "feedback"),
        };
        foreach (var (stage, expected, take) in loop)
        {
            var actions = await ActionsAsync(SecondStreet, id);
            Assert.True(expected.SequenceEqual(actions), $"{stage}: [{string.Join(", ", actions)}], expected [{string.Join(", ", expected)}]");
            await UnlistedAreRefusedAsync(SecondStreet, id, actions);
            var (status, after) = await TryAsync(SecondStreet, id, take);
            Assert.True(status == HttpStatusCode.OK, $"{take} (listed) by {SecondStreet}: {status} {after}");
        }

        // Handled: the reporter may not verify their own case; the district above may.
        var reporters = await ActionsAsync(SecondStreet, id);
        Assert.Empty(reporters);
        await UnlistedAreRefusedAsync(SecondStreet, id, reporters);
        var districts = await ActionsAsync(District, id);
        Assert.Equal(["verify-pass", "verify-fail"], districts);
        await UnlistedAreRefusedAsync(District, id, districts);
        var (verified, closed) = await TryAsync(District, id, "verify-pass");
        Assert.True(verified == HttpStatusCode.OK, $"verify-pass: {verified} {closed}");
        Assert.Equal("closed", closed.GetProperty("stage").GetString());

        Assert.Empty(await ActionsAsync(District, id));
        Assert.Empty(await ActionsAsync(SecondStreet, id));
    }
    /// <summary>反馈 with photos: a form with the photo in <c>media</c>; stored once however often the opId is sent, re-encoded without its GPS; refused actions keep none.</summary>
    [Fact]
    public async Task FeedbackCarriesPhotosStoredOnceAndARefusedActionKeepsNone()
    {
        var token = await TokenAsync(SecondStreet);
        var (reported, answer) = await Api.SendAsync(system.Http, HttpMethod.Post, "/api/v1/incidents", token,
            new { opId = Guid.NewGuid().ToString("N"), category = "sanitation", urgency = "normal", description = "污水外溢", gridCode = system.Fresh.Grid(within: DemoUnits.SecondStreet) });
        Assert.True(reported == HttpStatusCode.Created, $"report: {reported} {answer}");
        var id = answer.GetProperty("id").GetString()!;

        async Task<HttpResponseMessage> FormAsync(string action, string opId, byte[]? photo)
        {
            using var form = new MultipartFormDataContent
            {
                { new StringContent(opId), "opId" }, { new StringContent(action), "action" }, { new StringContent("现场已清理"), "note" },
            };
            if (photo is not null)
            {
                var file = new ByteArrayContent(photo);
                file.Headers.ContentType = new("image/jpeg");
                form.Add(file, "media", "after.jpg");
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/incidents/{id}/actions") { Content = form };
            request.Headers.Authorization = new("Bearer", token);
            return await system.Http.SendAsync(request);
        }

        async Task<long> PhotosAsync() => await system.Db.ScalarAsync<long>("SELECT count(*) FROM case_photo WHERE case_id = @c", ("c", id));

        // Feedback is not allowed while the case is only reported: 409, and its photo is not kept.
        var early = await FormAsync("feedback", Guid.NewGuid().ToString("N"), Citizens.TestPhotos.JpegWithGps(800, 600));
        Assert.True(early.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.Forbidden, $"early feedback: {early.StatusCode}");
        Assert.Equal(0, await PhotosAsync());
        // Photos go with feedback only.
        var withPhoto = await FormAsync("accept", Guid.NewGuid().ToString("N"), Citizens.TestPhotos.JpegWithGps(80, 60));
        Assert.True(withPhoto.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, $"accept with a photo: {withPhoto.StatusCode}");
        Assert.Equal(0, await PhotosAsync());

        foreach (var take in new[] { "accept", "dispatch", "start" })
        {
            var (status, after) = await TryAsync(SecondStreet, id, take);
            Assert.True(status == HttpStatusCode.OK, $"{take}: {status} {after}");
        }

        var opId = Guid.NewGuid().ToString("N");
        var photo = Citizens.TestPhotos.JpegWithGps(1200, 900);
        Assert.Equal(HttpStatusCode.OK, (await FormAsync("feedback", opId, photo)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await FormAsync("feedback", opId, photo)).StatusCode);   // the phone's or browser's retry
        var stored = await system.Db.RowsAsync("SELECT purpose, op_id, content FROM case_photo WHERE case_id = @c", r => (r.GetString(0), r.GetString(1), (byte[])r[2]), ("c", id));
        var (purpose, storedOp, content) = Assert.Single(stored);
        Assert.Equal(("feedback", opId), (purpose, storedOp));
        Assert.False(Citizens.TestPhotos.HoldsMetadata(content), "the stored photo still holds metadata");
        var (_, detail) = await DetailAsync(SecondStreet, id);
        Assert.Equal("handled", detail.GetProperty("incident").GetProperty("stage").GetString());
    }
}

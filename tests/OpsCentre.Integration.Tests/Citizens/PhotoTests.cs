using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace OpsCentre.Integration.Tests.Citizens;

/// <summary>
/// Photos with residents' reports through the real gateway: an Open311 multipart POST stores the photo re-encoded (upright
/// JPEG, bounded, without EXIF or comments), served at media_url and listed for operators; a photo too big, of another type
/// or undecodable is refused with its status and leaves nothing behind — no case, no ledger entry, no row.
/// </summary>
[Collection(nameof(SystemCollection))]
public sealed class PhotoTests(SystemFixture system)
{
    private HttpClient Http => system.Http;

    [Fact]
    public async Task AnOpen311MultipartReportKeepsItsPhotoReEncodedWithoutItsMetadataAndServesItAtMediaUrl()
    {
        var service = (await Http.GetFromJsonAsync<JsonElement>("/open311/v2/services.json"))[0].GetProperty("service_code").GetString()!;
        var worker = system.Fresh.Worker(within: "510104");
        var upload = TestPhotos.JpegWithGps(2400, 1200);
        Assert.True(TestPhotos.HoldsMetadata(upload));

        using var form = Form(service, worker.Lat, worker.Lon, "井盖缺失，有照片", Guid.NewGuid().ToString("N"));
        form.Add(Photo(upload, "image/jpeg", "IMG_0001.JPG"));
        form.Add(Photo(TestPhotos.Png(300, 400), "application/octet-stream", "second.bin"));   // judged by its bytes, not its name or type
        var answer = await Api.AnswerOfAsync(Http, new HttpRequestMessage(HttpMethod.Post, "/open311/v2/requests.json") { Content = form });
        Assert.True(answer.Status == HttpStatusCode.OK, answer.ToString());
        var id = answer.Body[0].GetProperty("service_request_id").GetString()!;

        var request = (await Http.GetFromJsonAsync<JsonElement>($"/open311/v2/requests/{id}.json"))[0];
        var urls = request.GetProperty("media_urls").EnumerateArray().Select(u => u.GetString()!).ToList();
        Assert.Equal(2, urls.Count);
        Assert.Equal(urls[0], request.GetProperty("media_url").GetString());
        Assert.StartsWith(system.GatewayUrl.GetLeftPart(UriPartial.Authority), urls[0], StringComparison.Ordinal);

        // Anyone with the case number fetches the photo: a new JPEG, at most 1600 px on its longest edge, none of the upload's metadata.
        using var first = await Http.GetAsync(urls[0]);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("image/jpeg", first.Content.Headers.ContentType?.MediaType);
        var stored = await first.Content.ReadAsByteArrayAsync();
        Assert.True(stored is [0xFF, 0xD8, 0xFF, ..], "not a JPEG");
        Assert.False(TestPhotos.HoldsMetadata(stored), "the stored photo still holds the upload's EXIF or comment");
        Assert.Equal((1600, 800), TestPhotos.SizeOf(stored));
        Assert.NotEqual(upload, stored);
        var second = await Http.GetByteArrayAsync(urls[1]);
        Assert.True(second is [0xFF, 0xD8, 0xFF, ..], "the PNG was not re-encoded as JPEG");
        Assert.Equal((300, 400), TestPhotos.SizeOf(second));

        // Operators see them on the case; a photo id of another case is not found.
        var operatorToken = await Api.TokenAsync(Http, "jinjiang.operator");
        var (status, photos) = await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{id}/photos", operatorToken);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(urls, photos.EnumerateArray().Select(p => p.GetProperty("url").GetString()!));
        Assert.Equal((1600, 800), (photos[0].GetProperty("width").GetInt32(), photos[0].GetProperty("height").GetInt32()));
        var qingyang = await Api.TokenAsync(Http, "qingyang.operator");
        Assert.Equal(HttpStatusCode.NotFound, (await Api.SendAsync(Http, HttpMethod.Get, $"/api/v1/incidents/{id}/photos", qingyang)).Status);
        var photoId = urls[0][(urls[0].LastIndexOf('/') + 1)..];
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"/api/v1/public/cases/510104-{new string('0', 32)}/photos/{photoId}")).StatusCode);
    }

    [Theory]
    [InlineData("too-big", HttpStatusCode.RequestEntityTooLarge)]
    [InlineData("not-an-image", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("undecodable", HttpStatusCode.UnprocessableEntity)]
    [InlineData("too-many", HttpStatusCode.BadRequest)]
    public async Task ARefusedPhotoGetsItsStatusAndNothingIsWritten(string what, HttpStatusCode expected)
    {
        var service = (await Http.GetFromJsonAsync<JsonElement>("/open311/v2/services.json"))[0].GetProperty("service_code").GetString()!;
        var worker = system.Fresh.Worker(within: "510104");
        var opId = Guid.NewGuid().ToString("N");
        var description = $"照片被拒 {what} {opId}";
        using var form = Form(service, worker.Lat, worker.Lon, description, opId);
        switch (what)
        {
            case "too-big":
                // A JPEG's signature and then more than 5 MB: refused on its size, before any decoding.
                form.Add(Photo([0xFF, 0xD8, 0xFF, 0xE0, .. new byte[5 * 1024 * 1024]], "image/jpeg", "big.jpg"));
                break;
            case "not-an-image":
                form.Add(Photo("%PDF-1.7 not a photo"u8.ToArray(), "image/jpeg", "photo.jpg"));
                break;
            case "undecodable":
                form.Add(Photo(TestPhotos.BrokenJpeg(), "image/jpeg", "broken.jpg"));
                break;
            default:
                for (var i = 0; i < 4; i++)
                {
                    form.Add(Photo(TestPhotos.Png(20, 20), "image/png", $"{i}.png"));
                }

                break;
        }

        var photosBefore = await CountAsync("SELECT count(*) FROM case_photo");
        var answer = await Api.AnswerOfAsync(Http, new HttpRequestMessage(HttpMethod.Post, "/open311/v2/requests.json") { Content = form });
        Assert.True(answer.Status == expected, answer.ToString());
        Assert.Equal((int)expected, answer.Body[0].GetProperty("code").GetInt32());

        Assert.Equal(0, await CountAsync("SELECT count(*) FROM event_log WHERE payload->>'description' = @p", description));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM operation_ledger WHERE op_id = @p", opId));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM citizen_report WHERE description = @p", description));
        Assert.Equal(photosBefore, await CountAsync("SELECT count(*) FROM case_photo"));
    }

    private static MultipartFormDataContent Form(string service, double lat, double lon, string description, string opId)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in new Dictionary<string, string>
        {
            ["service_code"] = service, ["lat"] = Invariant(lat), ["long"] = Invariant(lon), ["description"] = description, ["op_id"] = opId,
        })
        {
            form.Add(new StringContent(value), name);
        }

        return form;
    }

    private static ByteArrayContent Photo(byte[] bytes, string type, string fileName)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        content.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"media\"", FileName = $"\"{fileName}\"" };
        return content;
    }

    private async Task<long> CountAsync(string sql, string? parameter = null)
    {
        await using var command = system.Db.CreateCommand(sql);
        if (parameter is not null)
        {
            command.Parameters.AddWithValue("p", parameter);
        }

        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static string Invariant(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

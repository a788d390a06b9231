using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OpsCentre.Gateway.Hosting;

namespace OpsCentre.Gateway.Photos;

/// <summary>
/// Photos sent with a form (<c>multipart/form-data</c>, field <c>media</c> as Open311 names it): the form is read with a body
/// limit raised just enough for <see cref="PhotoOptions.MaxPerReport"/> photos of <see cref="PhotoOptions.MaxUploadBytes"/>,
/// and every photo is re-encoded before the caller writes anything, so a refused photo leaves nothing behind.
/// </summary>
public sealed class PhotoUploads(PhotoEncoder encoder, IOptions<PhotoOptions> options)
{
    /// <summary>The form field that carries photos (Open311's <c>media</c>; sent once per photo).</summary>
    public const string Field = "media";

    /// <summary>The request's form, or why it cannot be read (413 over the body limit, 400 not a form).</summary>
    public async Task<(IFormCollection? Form, PhotoRefusal? Refusal)> ReadFormAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            return (null, new(StatusCodes.Status400BadRequest, "the body must be application/x-www-form-urlencoded or multipart/form-data"));
        }

        var settings = options.Value;
        var formLimit = (long)settings.MaxPerReport * settings.MaxUploadBytes + 256 * 1024;
        if (request.HasFormContentType && request.ContentType!.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase)
            && request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // One file more than allowed still reads, so that "too many photos" is answered as such rather than as a size.
            limit.MaxRequestBodySize = formLimit + settings.MaxUploadBytes;
        }

        try
        {
            return (await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = formLimit + settings.MaxUploadBytes, ValueCountLimit = 64 }, ct), null);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, new(StatusCodes.Status413PayloadTooLarge, $"at most {settings.MaxPerReport} photos of at most {settings.MaxUploadBytes} bytes each"));
        }
        catch (InvalidDataException ex) when (ex.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            return (null, new(StatusCodes.Status413PayloadTooLarge, $"at most {settings.MaxPerReport} photos of at most {settings.MaxUploadBytes} bytes each"));
        }
        catch (Exception ex) when (ex is InvalidDataException or BadHttpRequestException or IOException)
        {
            return (null, new(StatusCodes.Status400BadRequest, "the form could not be read: " + ex.Message));
        }
    }

    /// <summary>
    /// A body that is either JSON (<typeparamref name="T"/>, no photos) or a form with photos (its fields for the caller to
    /// read, its photos re-encoded before anything is written); or the problem to answer. <paramref name="what"/> names the
    /// body in the problem ("report", "action").
    /// </summary>
    public async Task<(T? Json, IFormCollection? Form, IReadOnlyList<EncodedPhoto> Photos, ProblemHttpResult? Refused)> ReadJsonOrFormAsync<T>(
        HttpRequest http, string what, CancellationToken ct) where T : class
    {
        if (!http.HasFormContentType)
        {
            try
            {
                return await http.ReadFromJsonAsync<T>(ct) is { } json ? (json, null, [], null) : (null, null, [], Problems.BadRequest("A JSON body is required"));
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or BadHttpRequestException)
            {
                return (null, null, [], Problems.BadRequest($"The body is not a JSON {what}", ex.Message));
            }
        }

        var (form, unreadable) = await ReadFormAsync(http, ct);
        if (form is null)
        {
            return (null, null, [], Problems.WithStatus(unreadable!.Status, unreadable.Reason));
        }

        if (form.Any(f => f.Value.Any(v => v?.Contains('\0') == true)))
        {
            return (null, null, [], Problems.BadRequest("A field holds characters that cannot be stored (such as NUL)"));
        }

        var (photos, refused) = await EncodeAsync(form, ct);
        return refused is not null ? (null, null, [], Problems.WithStatus(refused.Status, "media: " + refused.Reason)) : (null, form, photos, null);
    }

    /// <summary>The form's photos re-encoded, in the order sent; or the first refusal (too many, too large, wrong type, undecodable).</summary>
    public async Task<(List<EncodedPhoto> Photos, PhotoRefusal? Refusal)> EncodeAsync(IFormCollection form, CancellationToken ct)
    {
        var settings = options.Value;
        var files = form.Files.GetFiles(Field).Where(f => f.Length > 0 || f.FileName.Length > 0).ToList();
        if (form.Files.Any(f => f.Name != Field))
        {
            return ([], new(StatusCodes.Status400BadRequest, $"photos are sent in the field {Field}"));
        }

        if (files.Count > settings.MaxPerReport)
        {
            return ([], new(StatusCodes.Status400BadRequest, $"at most {settings.MaxPerReport} photos"));
        }

        var photos = new List<EncodedPhoto>(files.Count);
        foreach (var file in files)
        {
            if (file.Length > settings.MaxUploadBytes)
            {
                return ([], new(StatusCodes.Status413PayloadTooLarge, $"a photo of at most {settings.MaxUploadBytes} bytes"));
            }

            using var buffer = new MemoryStream((int)file.Length);
            await file.CopyToAsync(buffer, ct);
            var (photo, refusal) = encoder.Encode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            if (refusal is not null)
            {
                return ([], refusal);
            }

            photos.Add(photo!);
        }

        return (photos, null);
    }
}

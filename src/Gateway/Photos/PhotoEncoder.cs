using Microsoft.Extensions.Options;
using SkiaSharp;

namespace OpsCentre.Gateway.Photos;

/// <summary>A photo as it is stored: re-encoded as JPEG, without the upload's metadata.</summary>
public sealed record EncodedPhoto(byte[] Jpeg, int Width, int Height);

/// <summary>Why an upload is not a photo OpsCentre keeps, with the HTTP status it is answered with.</summary>
public sealed record PhotoRefusal(int Status, string Reason);

/// <summary>
/// Re-encodes an uploaded photo (照片) before anything keeps it: the type is judged by the bytes (JPEG, PNG or WebP by their
/// signatures, never by a file name or a declared content type), the image is decoded by Skia (SkiaSharp), turned upright by
/// its EXIF orientation, scaled to at most <see cref="PhotoOptions.MaxEdgePixels"/> on its longest edge, flattened on white
/// and written as a new JPEG. Nothing of the upload but its pixels survives: EXIF (GPS position, camera, time), XMP, ICC
/// profiles and comments are gone, since the encoder writes none of them.
/// </summary>
public sealed class PhotoEncoder(IOptions<PhotoOptions> options)
{
    public static IReadOnlyList<string> Types { get; } = ["image/jpeg", "image/png", "image/webp"];

    /// <summary>The photo re-encoded, or why it is refused: 413 too large, 415 not JPEG/PNG/WebP, 422 not decodable.</summary>
    public (EncodedPhoto? Photo, PhotoRefusal? Refusal) Encode(ReadOnlySpan<byte> upload)
    {
        var settings = options.Value;
        if (upload.Length > settings.MaxUploadBytes)
        {
            return (null, new(StatusCodes.Status413PayloadTooLarge, $"a photo of at most {settings.MaxUploadBytes} bytes"));
        }

        if (TypeOf(upload) is null)
        {
            return (null, new(StatusCodes.Status415UnsupportedMediaType, "a photo must be JPEG, PNG or WebP"));
        }

        using var data = SKData.CreateCopy(upload);
        using var codec = SKCodec.Create(data);
        if (codec is null || codec.Info.Width <= 0 || codec.Info.Height <= 0)
        {
            return (null, Undecodable);
        }

        if ((long)codec.Info.Width * codec.Info.Height > settings.MaxSourcePixels)
        {
            return (null, new(StatusCodes.Status422UnprocessableEntity, $"a photo of at most {settings.MaxSourcePixels} pixels"));
        }

        // Decode at the smallest size the codec offers that is still at least the stored size (JPEG decodes at 1/2, 1/4, 1/8).
        var longest = Math.Max(codec.Info.Width, codec.Info.Height);
        var scale = Math.Min(1f, (float)settings.MaxEdgePixels / longest);
        var decodeSize = codec.GetScaledDimensions(scale);
        if (Math.Max(decodeSize.Width, decodeSize.Height) < Math.Min(settings.MaxEdgePixels, longest))
        {
            decodeSize = new SKSizeI(codec.Info.Width, codec.Info.Height);
        }

        using var source = new SKBitmap(new SKImageInfo(decodeSize.Width, decodeSize.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        if (codec.GetPixels(source.Info, source.GetPixels()) is not SKCodecResult.Success)
        {
            return (null, Undecodable);
        }

        var origin = codec.EncodedOrigin;
        var turned = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var fit = Math.Min(1f, (float)settings.MaxEdgePixels / Math.Max(source.Width, source.Height));
        var drawnWidth = Math.Max(1, (int)MathF.Round(source.Width * fit));
        var drawnHeight = Math.Max(1, (int)MathF.Round(source.Height * fit));
        var (width, height) = turned ? (drawnHeight, drawnWidth) : (drawnWidth, drawnHeight);

        using var target = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(target))
        using (var image = SKImage.FromBitmap(source))
        {
            canvas.Clear(SKColors.White);
            canvas.SetMatrix(Upright(origin, width, height));
            canvas.DrawImage(image, new SKRect(0, 0, drawnWidth, drawnHeight), new SKSamplingOptions(SKCubicResampler.Mitchell));
        }

        using var encoded = target.Encode(SKEncodedImageFormat.Jpeg, settings.JpegQuality);
        return encoded is null ? (null, Undecodable) : (new EncodedPhoto(encoded.ToArray(), width, height), null);
    }

    /// <summary>The content type the bytes' signature names, or null for anything else.</summary>
    public static string? TypeOf(ReadOnlySpan<byte> bytes) =>
        bytes is [0xFF, 0xD8, 0xFF, ..] ? "image/jpeg"
        : bytes is [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, ..] ? "image/png"
        : bytes.Length >= 12 && bytes[..4].SequenceEqual("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8) ? "image/webp"
        : null;

    private static readonly PhotoRefusal Undecodable = new(StatusCodes.Status422UnprocessableEntity, "the photo could not be decoded");

    /// <summary>The transform that draws an image stored with the EXIF orientation <paramref name="origin"/> upright into width × height.</summary>
    private static SKMatrix Upright(SKEncodedOrigin origin, float width, float height) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, width, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, width, 0, -1, height, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, height, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, width, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, width, -1, 0, height, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, height, 0, 0, 1),
        _ => SKMatrix.Identity,
    };
}

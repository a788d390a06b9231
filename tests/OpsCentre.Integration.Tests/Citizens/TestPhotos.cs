using System.Text;
using SkiaSharp;

namespace OpsCentre.Integration.Tests.Citizens;

/// <summary>Photos as a phone sends them: a JPEG with EXIF (camera, GPS) and a comment naming where it was taken; a PNG; bytes that are no photo.</summary>
public static class TestPhotos
{
    /// <summary>Text the upload's metadata holds and a stored photo must not: the camera's name and the GPS position's note.</summary>
    public const string Camera = "OPSCENTRE-TEST-CAMERA";
    public const string Where = "GPS 30.657N 104.066E";

    /// <summary>A JPEG of <paramref name="width"/> × <paramref name="height"/> with an EXIF block (Make, a GPS IFD) and a comment, as a phone writes one.</summary>
    public static byte[] JpegWithGps(int width, int height)
    {
        var plain = Encode(width, height, SKEncodedImageFormat.Jpeg);
        var exif = App1Exif();
        var comment = Segment(0xFE, Encoding.ASCII.GetBytes(Where));
        // After SOI (FF D8): the EXIF block and the comment, then the encoder's own segments.
        return [.. plain[..2], .. exif, .. comment, .. plain[2..]];
    }

    public static byte[] Png(int width, int height) => Encode(width, height, SKEncodedImageFormat.Png);

    /// <summary>A JPEG's signature followed by nothing a decoder can read.</summary>
    public static byte[] BrokenJpeg() => [0xFF, 0xD8, 0xFF, 0xE0, .. Enumerable.Repeat((byte)0x5A, 4096)];

    /// <summary>The upload's metadata is in these bytes (so a test that looks for it in the stored photo can fail).</summary>
    public static bool HoldsMetadata(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes);
        return text.Contains("Exif\0\0", StringComparison.Ordinal) || text.Contains(Camera, StringComparison.Ordinal) || text.Contains(Where, StringComparison.Ordinal);
    }

    /// <summary>The width and height of an image as Skia decodes it.</summary>
    public static (int Width, int Height) SizeOf(byte[] image)
    {
        using var codec = SKCodec.Create(SKData.CreateCopy(image)) ?? throw new InvalidDataException("not an image");
        return (codec.Info.Width, codec.Info.Height);
    }

    private static byte[] Encode(int width, int height, SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height), [SKColors.SteelBlue, SKColors.Orange], SKShaderTileMode.Clamp) })
        {
            canvas.DrawRect(0, 0, width, height, paint);
        }

        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    /// <summary>APP1 "Exif": a little-endian TIFF with IFD0 (Make, a pointer to the GPS IFD) and a GPS IFD (latitude ref N).</summary>
    private static byte[] App1Exif()
    {
        var make = Encoding.ASCII.GetBytes(Camera + "\0");
        using var tiff = new MemoryStream();
        using var w = new BinaryWriter(tiff);
        w.Write("II"u8);
        w.Write((ushort)42);
        w.Write(8u);                                 // IFD0 at 8
        const uint ifd0Size = 2 + (2 * 12) + 4;
        const uint gpsAt = 8 + ifd0Size;
        const uint gpsSize = 2 + 12 + 4;
        const uint makeAt = gpsAt + gpsSize;
        w.Write((ushort)2);
        Entry(w, 0x010F, 2, (uint)make.Length, makeAt);  // Make, ASCII
        Entry(w, 0x8825, 4, 1, gpsAt);                   // GPSInfo, LONG
        w.Write(0u);
        w.Write((ushort)1);
        Entry(w, 0x0001, 2, 2, 'N');                     // GPSLatitudeRef "N\0", inline
        w.Write(0u);
        w.Write(make);
        w.Flush();
        return Segment(0xE1, [.. "Exif\0\0"u8, .. tiff.ToArray()]);
    }

    private static void Entry(BinaryWriter w, ushort tag, ushort type, uint count, uint value)
    {
        w.Write(tag);
        w.Write(type);
        w.Write(count);
        w.Write(value);
    }

    private static byte[] Segment(byte marker, byte[] payload)
    {
        var length = payload.Length + 2;
        return [0xFF, marker, (byte)(length >> 8), (byte)length, .. payload];
    }
}

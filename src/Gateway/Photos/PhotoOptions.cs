using System.ComponentModel.DataAnnotations;

namespace OpsCentre.Gateway.Photos;

/// <summary>Limits on the photos of cases (section <c>Photos</c>): how many, how large before and after re-encoding.</summary>
public sealed class PhotoOptions
{
    public const string Section = "Photos";

    /// <summary>At most this many photos with one report. Default 3.</summary>
    [Range(1, 10)]
    public int MaxPerReport { get; set; } = 3;

    /// <summary>At most this many bytes per photo as uploaded, before re-encoding; more is answered 413. Default 5 MiB.</summary>
    [Range(1024, 50 * 1024 * 1024)]
    public int MaxUploadBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>At most this many pixels in a photo as encoded (a small file can declare a huge image); more is answered 422. Default 50 million.</summary>
    [Range(1, 500_000_000)]
    public long MaxSourcePixels { get; set; } = 50_000_000;

    /// <summary>The longest edge of a stored photo, in pixels; larger photos are scaled down. Default 1600.</summary>
    [Range(64, 8192)]
    public int MaxEdgePixels { get; set; } = 1600;

    /// <summary>The JPEG quality of a stored photo (1–100). Default 85.</summary>
    [Range(1, 100)]
    public int JpegQuality { get; set; } = 85;
}

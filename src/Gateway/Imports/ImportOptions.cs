using System.ComponentModel.DataAnnotations;

namespace OpsCentre.Gateway.Imports;

/// <summary>How a gateway runs import jobs (section <c>Imports</c>).</summary>
public sealed class ImportOptions
{
    public const string Section = "Imports";

    /// <summary>Jobs one gateway runs at once. Default 1: an import is one long transaction, and the machine's cores serve the city first.</summary>
    [Range(1, 8)]
    public int Concurrency { get; set; } = 1;

    /// <summary>How often an idle runner looks for queued jobs (a job this gateway accepted wakes it at once), and for abandoned ones. Default 2 s.</summary>
    [Range(1, 300)]
    public int PollSeconds { get; set; } = 2;

    /// <summary>How often a running job is renewed with its progress. Default 5 s.</summary>
    [Range(1, 300)]
    public int RenewSeconds { get; set; } = 5;

    /// <summary>A running job not renewed for this long is failed (its process died); well above <see cref="RenewSeconds"/>. Default 60 s.</summary>
    [Range(5, 3600)]
    public int AbandonedAfterSeconds { get; set; } = 60;

    /// <summary>The largest file accepted, in bytes (the upload's own limit, above <c>Gateway:MaxRequestBodyBytes</c>). Default 64 MiB.</summary>
    [Range(1024, 1L << 30)]
    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024;
}

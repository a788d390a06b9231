using System.ComponentModel.DataAnnotations;

namespace OpsCentre.Gateway.Citizens;

/// <summary>The social service platform's settings (section <c>Citizens</c>): Open311 keys, duplicates, reopening.</summary>
public sealed class CitizenOptions
{
    public const string Section = "Citizens";

    /// <summary>
    /// The Open311 <c>api_key</c>s a <c>POST /open311/v2/requests.json</c> must carry one of. Empty (the default): no key is
    /// asked for, as for the public page.
    /// </summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>A report within this many metres of an open resident's case of the same category is that case again (a supporter). Default 50.</summary>
    [Range(1, 10_000)]
    public double DuplicateRadiusMetres { get; set; } = 50;

    /// <summary>… when that case was reported at most this many hours before. Default 24.</summary>
    [Range(1, 24 * 365)]
    public int DuplicateWithinHours { get; set; } = 24;

    /// <summary>How many days after closure a resident who is not satisfied may ask to reopen the case. Default 7.</summary>
    [Range(1, 365)]
    public int ReopenWithinDays { get; set; } = 7;
}

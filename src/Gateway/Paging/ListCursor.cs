using System.Globalization;

namespace OpsCentre.Gateway.Paging;

/// <summary>
/// Keyset cursor for newest-first lists (alerts by raise time, cases by report time): the last item's time (µs since the
/// epoch), a dot and its id. Ids break ties; a random id alone (a case's) orders nothing, so the time comes first.
/// </summary>
public static class ListCursor
{
    public static string Format(DateTimeOffset at, string id) =>
        ((at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10).ToString(CultureInfo.InvariantCulture) + "." + id;

    /// <summary>False for text that is not a cursor <see cref="Format"/> made; null text is no cursor (the first page).</summary>
    public static bool TryParse(string? text, out (DateTimeOffset At, string Id)? cursor)
    {
        cursor = null;
        if (text is null)
        {
            return true;
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot < 1 || !long.TryParse(text[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var micros) || micros > 253_402_300_799_000_000)
        {
            return false;
        }

        cursor = (DateTimeOffset.UnixEpoch.AddTicks(micros * 10), text[(dot + 1)..]);
        return true;
    }
}

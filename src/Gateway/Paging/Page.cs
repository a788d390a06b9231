namespace OpsCentre.Gateway.Paging;

/// <summary>A page of a list: <c>{"items":[...],"next":"&lt;cursor or null&gt;"}</c>; pass <c>next</c> as <c>after</c> for the following page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>The limit to use, or null when the requested one is out of range.</summary>
    public static int? Limit(int? requested) => requested switch
    {
        null => DefaultLimit,
        >= 1 and <= MaxLimit => requested,
        _ => null,
    };

    /// <summary>Builds a page from up to limit + 1 rows: the extra row only says that there is more.</summary>
    public static Page<T> From(List<T> rows, int limit, Func<T, string> key) =>
        rows.Count > limit ? new Page<T>(rows[..limit], key(rows[limit - 1])) : new Page<T>(rows, null);
}

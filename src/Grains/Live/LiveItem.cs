using System.Text.Json;

namespace OpsCentre.Grains.Live;

/// <summary>
/// One piece of live state (a worker's position, a unit's counters, a case's state, a unit's KPIs), latest wins
/// per (kind, id). <c>UnitCode</c> is where it is: a screen receives it when it watches that unit or one above it.
/// <c>Json</c> is the item exactly as a screen receives it — a JSON object whose first members are <c>kind</c>
/// and <c>id</c>, then the item's data — so the gateways write it to the wire as it is.
/// </summary>
[GenerateSerializer, Immutable, Alias("ops.LiveItem")]
public sealed record LiveItem([property: Id(0)] string Kind, [property: Id(1)] string Id, [property: Id(2)] string UnitCode, [property: Id(3)] string Json)
{
    /// <summary>
    /// The item of <paramref name="kind"/> and <paramref name="id"/> whose data is <paramref name="dataJson"/>, a compact
    /// JSON object (as <see cref="JsonSerializer"/> writes it): <c>{"kind":…,"id":…,</c> followed by the data's members.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="dataJson"/> is not a JSON object.</exception>
    public static LiveItem Create(string kind, string id, string unitCode, string dataJson)
    {
        if (dataJson is not ['{', .., '}'])
        {
            throw new ArgumentException("a live item's data must be a JSON object", nameof(dataJson));
        }

        // Serialised as SignalR's JSON protocol writes strings (the default encoder), so a screen receives the same
        // characters as when the gateway inserted kind and id into the parsed data itself.
        var head = "{\"kind\":" + JsonSerializer.Serialize(kind) + ",\"id\":" + JsonSerializer.Serialize(id);
        var json = dataJson.Length == 2 ? head + "}" : string.Concat(head.AsSpan(), ",".AsSpan(), dataJson.AsSpan(1));
        return new LiveItem(kind, id, unitCode, json);
    }
}

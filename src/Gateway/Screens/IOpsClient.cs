using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using OpsCentre.Grains.Live;

namespace OpsCentre.Gateway.Screens;

/// <summary>What the hub calls on a wall screen.</summary>
public interface IOpsClient
{
    /// <summary>A durable event, in per-district sequence order, none missing, none twice.</summary>
    Task Event(EventEnvelope envelope);

    /// <summary>The district's sequence has reached <c>seq</c>: sent to screens that see only part of a district.</summary>
    Task Watermark(WatermarkMessage watermark);

    /// <summary>Conflated live state (positions, counters), latest wins.</summary>
    Task Live(LiveBatch batch);
}

/// <summary>A durable event as a screen receives it (<see cref="EventProjection"/>); <c>data.id</c> names its object.</summary>
public sealed record EventEnvelope(long Seq, string DistrictCode, string UnitCode, string Type, DateTimeOffset At, JsonObject Data);

public sealed record WatermarkMessage(string DistrictCode, long Seq);

/// <summary>
/// Conflated live state as a screen receives it: <c>{"items":[{"kind":…,"id":…,…},…]}</c>, each item written as the
/// JSON its grain made.
/// </summary>
public sealed record LiveBatch([property: JsonConverter(typeof(LiveItemsJsonConverter))] IReadOnlyList<LiveItem> Items, DateTimeOffset At);

/// <summary>
/// What <c>Subscribe</c> answers: the unit, the cursor delivery starts after, and each district's head
/// at that moment — a screen has caught up once its cursor reaches the head (events or watermarks).
/// </summary>
public sealed record SubscribeResult(Units.UnitView Unit, IReadOnlyDictionary<string, long> Cursor, IReadOnlyDictionary<string, long> Head);

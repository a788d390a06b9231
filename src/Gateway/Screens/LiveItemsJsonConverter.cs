using System.Text.Json;
using System.Text.Json.Serialization;
using OpsCentre.Grains.Live;

namespace OpsCentre.Gateway.Screens;

/// <summary>
/// Writes live items for SignalR's JSON protocol as the JSON their grains made (<see cref="LiveItem.Json"/>, kind
/// and id inside), so a gateway neither parses nor re-serialises an item for each screen it goes to. Write only:
/// screens never send live items.
/// </summary>
public sealed class LiveItemsJsonConverter : JsonConverter<IReadOnlyList<LiveItem>>
{
    public override IReadOnlyList<LiveItem> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("live items are only sent to screens");

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<LiveItem> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var item in value)
        {
            // Made by LiveItem.Create from a serialiser's output: valid, so not checked again here.
            writer.WriteRawValue(item.Json, skipInputValidation: true);
        }

        writer.WriteEndArray();
    }
}

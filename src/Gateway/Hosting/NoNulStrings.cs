using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpsCentre.Gateway.Hosting;

/// <summary>
/// Request bodies' strings may not hold the NUL character: PostgreSQL stores no such text, and in an
/// event it would fail the whole batch committed with it. Refused while the body is read (a 400), so no
/// handler, store or grain ever sees one.
/// </summary>
public sealed class NoNulStrings : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return text is not null && text.Contains('\0', StringComparison.Ordinal) ? throw new JsonException("strings may not hold the NUL character") : text;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

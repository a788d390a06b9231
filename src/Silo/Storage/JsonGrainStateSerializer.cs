using System.Text.Json;
using Orleans.Storage;

namespace OpsCentre.Silo.Storage;

/// <summary>
/// Stores grain state as plain System.Text.Json (camelCase, no type names). Chosen over the
/// provider's default (Newtonsoft with embedded .NET type names) so that renaming or moving a
/// class never makes stored rows unreadable, and so that an operator can read a row with psql.
/// A state class stays compatible as long as its property names do; new properties start at
/// their defaults.
/// </summary>
public sealed class JsonGrainStateSerializer : IGrainStorageSerializer
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public BinaryData Serialize<T>(T? input) => BinaryData.FromObjectAsJson(input, Options);

    public T Deserialize<T>(BinaryData input) =>
        input.ToObjectFromJson<T>(Options) ?? throw new InvalidOperationException($"Stored state of {typeof(T).Name} is JSON null.");
}

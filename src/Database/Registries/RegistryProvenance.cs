using System.Text.Json.Nodes;

namespace OpsCentre.Database.Registries;

/// <summary>
/// A registry row's provenance (来源, 一数一源), per field: <c>{"source","collectedBy","collectedAt"}</c> (and <c>"channel"</c>,
/// e.g. paper) of the write that last set it. A create written set-based (a file's lines, <see cref="RegistryWriter.ApplyManyAsync"/>)
/// stores one entry under <see cref="Created"/> for all the fields it filled — a field's own entry was nine tenths of a
/// resident's row — and every field written since has its own; so a field holding a value without an entry of its own was
/// filled by that create. Readers see it per field (<see cref="PerField"/>).
/// </summary>
public static class RegistryProvenance
{
    /// <summary>The key of the entry a set-based create shares among the fields it filled.</summary>
    public const string Created = "*";

    /// <summary>One write's provenance entry.</summary>
    public static JsonObject Entry(string source, string collectedBy, DateTimeOffset collectedAt, string? channel = null)
    {
        var entry = new JsonObject { ["source"] = source, ["collectedBy"] = collectedBy, ["collectedAt"] = collectedAt.ToUniversalTime() };
        if (channel is not null)
        {
            entry["channel"] = channel;
        }

        return entry;
    }

    /// <summary>A set-based create's provenance: one entry for every field it fills.</summary>
    public static JsonObject OfCreate(string source, string collectedBy, DateTimeOffset collectedAt) =>
        new() { [Created] = Entry(source, collectedBy, collectedAt) };

    /// <summary>The provenance of each field of <paramref name="fields"/> as stored in <paramref name="stored"/>, one entry per field written.</summary>
    public static JsonObject PerField(JsonObject stored, RegistryTable table, JsonObject fields)
    {
        var created = stored[Created];
        var perField = new JsonObject();
        foreach (var field in table.Fields)
        {
            if (stored[field.Name] is { } own)
            {
                perField[field.Name] = own.DeepClone();
            }
            else if (created is not null && fields[field.Name] is not null)
            {
                perField[field.Name] = created.DeepClone();
            }
        }

        return perField;
    }
}

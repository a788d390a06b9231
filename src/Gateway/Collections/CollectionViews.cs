using System.Text.Json.Nodes;
using OpsCentre.Database.Collections;
using OpsCentre.Database.Registries;
using OpsCentre.Gateway.Registries;

namespace OpsCentre.Gateway.Collections;

/// <summary>A collection record as the API shows it; personal fields of its data (name, ID number, phone) masked by role.</summary>
public sealed record CollectionView(
    string Id, string UnitCode, string Registry, string Action, string? RecordId, JsonObject Data, string CollectedBy, DateTimeOffset CollectedAt,
    DateTimeOffset ReceivedAt, string State, string? ReviewedBy, DateTimeOffset? ReviewedAt, string? Note, string? Refusal, string? CaseId,
    string Channel = CollectionChannels.Device, string? PaperForm = null, string? EnteredBy = null)
{
    private static RegistryField? Personal(string registry, string field) => RegistryFields.Of(registry)?.Field(field) is { Personal: true } personal ? personal : null;

    private static bool IsPersonal(string registry, string field) => Personal(registry, field) is not null;

    /// <summary>Whether the record's data holds any personal field: its reading is then an audited read.</summary>
    public static bool HoldsPersonalData(CollectionRecord record) => record.Data.Any(p => IsPersonal(record.Registry, p.Key));

    public static CollectionView Of(CollectionRecord r, bool inClear) => new(
        r.Id, r.UnitCode, r.Registry, r.Action, r.RecordId, inClear ? r.Data : Masked(r.Registry, r.Data), r.WorkerId, r.CollectedAt, r.ReceivedAt, r.State,
        r.ReviewedBy, r.ReviewedAt, r.Note, r.Refusal, r.CaseId, r.Channel, r.PaperForm, r.EnteredBy);

    private static JsonObject Masked(string registry, JsonObject data)
    {
        var masked = new JsonObject();
        foreach (var (key, value) in data)
        {
            // The registries' own masking (RegistryReads.Mask), as their reads and exports show the same fields.
            masked[key] = Personal(registry, key) is not { } field ? value?.DeepClone()
                : value is JsonValue v && v.TryGetValue<string>(out var text) ? RegistryReads.Mask(field, text)
                : null;
        }

        return masked;
    }
}

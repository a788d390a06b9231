using System.Text.Json.Nodes;
using OpsCentre.Database.Collections;
using OpsCentre.Database.Registries;
using OpsCentre.Gateway.KeyPersons;

namespace OpsCentre.Gateway.Collections;

/// <summary>A collection record as the API shows it; personal fields of its data (name, ID number, phone) masked by role.</summary>
public sealed record CollectionView(
    string Id, string UnitCode, string Registry, string Action, string? RecordId, JsonObject Data, string CollectedBy, DateTimeOffset CollectedAt,
    DateTimeOffset ReceivedAt, string State, string? ReviewedBy, DateTimeOffset? ReviewedAt, string? Note, string? Refusal, string? CaseId)
{
    /// <summary>How each kind of personal field is masked; any other personal field of a registry is hidden whole.</summary>
    private static readonly Dictionary<string, Func<string, string>> Masks = new(StringComparer.Ordinal)
    {
        ["name"] = PersonalDataMasking.Name,
        ["idNumber"] = PersonalDataMasking.IdNumber,
        ["phone"] = PersonalDataMasking.Phone,
    };

    private static bool IsPersonal(string registry, string field) => RegistryFields.Of(registry)?.Field(field) is { Personal: true };

    /// <summary>Whether the record's data holds any personal field: its reading is then an audited read.</summary>
    public static bool HoldsPersonalData(CollectionRecord record) => record.Data.Any(p => IsPersonal(record.Registry, p.Key));

    public static CollectionView Of(CollectionRecord r, bool inClear) => new(
        r.Id, r.UnitCode, r.Registry, r.Action, r.RecordId, inClear ? r.Data : Masked(r.Registry, r.Data), r.WorkerId, r.CollectedAt, r.ReceivedAt, r.State,
        r.ReviewedBy, r.ReviewedAt, r.Note, r.Refusal, r.CaseId);

    private static JsonObject Masked(string registry, JsonObject data)
    {
        var masked = new JsonObject();
        foreach (var (key, value) in data)
        {
            masked[key] = !IsPersonal(registry, key) ? value?.DeepClone()
                : value is JsonValue v && v.TryGetValue<string>(out var text) ? Masks.GetValueOrDefault(key, _ => "***")(text)
                : null;
        }

        return masked;
    }
}

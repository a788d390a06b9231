using System.Text.Json.Nodes;

namespace OpsCentre.Database.Registries;

/// <summary>The three actions of a registry write.</summary>
public static class RegistryActions
{
    public const string Create = "create";
    public const string Update = "update";

    /// <summary>A soft removal: the row keeps its data and history and gets <c>removed_at</c>.</summary>
    public const string Remove = "remove";

    public static IReadOnlyList<string> All { get; } = [Create, Update, Remove];
}

/// <summary>
/// One write to a registry, from wherever it comes (a device's collection once approved, an import's line, the demo
/// city): <paramref name="Data"/> holds the fields by their write names (camelCase, see <see cref="RegistryFields"/>),
/// only those that change on an update (a JSON null clears an optional field). <paramref name="Id"/> is null on a create
/// that lets the writer choose it. Idempotent under (<paramref name="Source"/>/<paramref name="CollectedBy"/>,
/// <paramref name="OpId"/>). <paramref name="Channel"/>, when set, is how the datum reached the system besides its source
/// (<c>paper</c>: typed in afterwards from a paper form, 人+纸), kept in each changed field's provenance.
/// </summary>
public sealed record RegistryWrite(string Registry, string? Id, string Action, JsonObject Data, string Source,
    string CollectedBy, DateTimeOffset CollectedAt, string OpId, string? Channel = null);

public enum RegistryWriteStatus
{
    /// <summary>Written (or replayed, or nothing to change): id, version and changed fields say what.</summary>
    Applied,

    /// <summary>一数一源: a field owned by another source; nothing changed. Field and owner say which.</summary>
    Refused,

    /// <summary>The write is malformed or names what does not exist; nothing changed. Field and reason say why.</summary>
    Invalid,

    /// <summary>An update or removal of an id the registry does not hold (or has removed); nothing changed.</summary>
    NotFound,

    /// <summary>The operation id was used before by the same caller for another write; nothing changed.</summary>
    Reused,
}

/// <summary>
/// What a <see cref="RegistryWrite"/> did. Applied: <see cref="Id"/>, <see cref="Version"/> and <see cref="ChangedFields"/>
/// (write names; empty when the data equalled the row), <see cref="Replayed"/> when the operation id had been applied
/// before. Refused: <see cref="Field"/>, <see cref="Owner"/> and <see cref="Reason"/>. Invalid: <see cref="Field"/>
/// (null when the write as a whole is wrong) and <see cref="Reason"/>.
/// </summary>
public sealed record RegistryWriteOutcome(RegistryWriteStatus Status, string? Id, int? Version, IReadOnlyList<string> ChangedFields,
    string? Field, string? Reason, string? Owner, bool Replayed)
{
    public bool IsApplied => Status == RegistryWriteStatus.Applied;

    public static RegistryWriteOutcome Applied(string id, int version, IReadOnlyList<string> changed, bool replayed = false) =>
        new(RegistryWriteStatus.Applied, id, version, changed, null, null, null, replayed);

    public static RegistryWriteOutcome Refused(string field, string owner, string source) =>
        new(RegistryWriteStatus.Refused, null, null, [], field, $"{field} is owned by {owner}; {source} may not change it (一数一源)", owner, false);

    public static RegistryWriteOutcome Invalid(string? field, string reason) =>
        new(RegistryWriteStatus.Invalid, null, null, [], field, reason, null, false);

    public static RegistryWriteOutcome NotFound(string id) =>
        new(RegistryWriteStatus.NotFound, id, null, [], "id", $"no record {id}", null, false);

    public static RegistryWriteOutcome Reused(string opId) =>
        new(RegistryWriteStatus.Reused, null, null, [], "opId", $"operation id {opId} was used for another write", null, false);
}

namespace OpsCentre.Database.Registries;

/// <summary>How a registry field's value is written and stored.</summary>
public enum RegistryFieldKind
{
    /// <summary>A string of at most <see cref="RegistryField.MaxLength"/> characters.</summary>
    Text,

    /// <summary>One of <see cref="RegistryField.Choices"/>.</summary>
    Choice,

    /// <summary>A whole number within <see cref="RegistryField.Min"/>…<see cref="RegistryField.Max"/>.</summary>
    Integer,

    /// <summary>A number within <see cref="RegistryField.Min"/>…<see cref="RegistryField.Max"/> (coordinates).</summary>
    Number,

    /// <summary>A calendar date, <c>yyyy-MM-dd</c>.</summary>
    Date,

    /// <summary>The id of a live row of the registry <see cref="RegistryField.References"/>, or a key person's id.</summary>
    Reference,

    /// <summary>A grid's unit code (15 digits) that the city map holds.</summary>
    Grid,

    /// <summary>A personal identifier kept encrypted with a keyed hash (<see cref="PersonalDataCipher"/>): columns <c>{column}_cipher</c>, <c>{column}_hash</c>.</summary>
    Sealed,
}

/// <summary>
/// One field of a registry: its write name (the key in <see cref="RegistryWrite.Data"/>, the name in changed fields,
/// ownership and provenance), its column and its rules. <paramref name="Personal"/> fields are masked by role on output.
/// </summary>
public sealed record RegistryField(string Name, string Column, RegistryFieldKind Kind, bool Required = false,
    IReadOnlyList<string>? Choices = null, string? References = null, bool Personal = false, int MaxLength = 200,
    double Min = double.MinValue, double Max = double.MaxValue);

/// <summary>A registry's table, the prefix of the ids the writer gives its rows, and its fields.</summary>
public sealed record RegistryTable(string Registry, string Table, string IdPrefix, IReadOnlyList<RegistryField> Fields)
{
    /// <summary>The fields whose text, joined in this order, makes the row's <c>search</c> column (none: the table has no such column).</summary>
    public IReadOnlyList<string> Searched { get; init; } = [];

    private readonly Dictionary<string, RegistryField> byName = Fields.ToDictionary(f => f.Name, StringComparer.Ordinal);

    /// <summary>The field of this name, or null: looked up by name, since a file's million lines ask for each of their fields.</summary>
    public RegistryField? Field(string name) => byName.GetValueOrDefault(name);
}

/// <summary>
/// The fields of the six registries: the one description the writer validates against and the readers and the
/// imports read from. Every registry has <c>unitCode</c> (its grid); for rows with an address it may be left out and
/// is then the address's grid.
/// </summary>
public static class RegistryFields
{
    /// <summary>The reference target of <c>keyPersonId</c>: a key person's record (重点人员), not a registry.</summary>
    public const string KeyPersonReference = "key-person";

    /// <summary>The values of 人防/物防/技防: 达标, 部分达标, 未达标.</summary>
    public static IReadOnlyList<string> DefenceStatuses { get; } = ["met", "partial", "unmet"];

    private static readonly RegistryField Grid = new("unitCode", "unit_code", RegistryFieldKind.Grid, Required: true);

    private static RegistryField Address(bool required = false) =>
        new("addressId", "address_id", RegistryFieldKind.Reference, required, References: RegistryNames.Addresses);

    public static RegistryTable Addresses { get; } = new(RegistryNames.Addresses, "registry_address", "addr-",
    [
        Grid,
        new("road", "road", RegistryFieldKind.Text, Required: true, MaxLength: 100),
        new("number", "number", RegistryFieldKind.Text, Required: true, MaxLength: 40),
        new("building", "building", RegistryFieldKind.Text, MaxLength: 40),
        new("unit", "unit", RegistryFieldKind.Text, MaxLength: 40),
        new("room", "room", RegistryFieldKind.Text, MaxLength: 40),
        new("lat", "lat", RegistryFieldKind.Number, Min: -90, Max: 90),
        new("lon", "lon", RegistryFieldKind.Number, Min: -180, Max: 180),
    ]) { Searched = ["road", "number", "building", "unit", "room"] };

    public static RegistryTable Population { get; } = new(RegistryNames.Population, "registry_person", "per-",
    [
        Grid,
        new("name", "name", RegistryFieldKind.Text, Required: true, Personal: true, MaxLength: 100),
        new("idNumber", "id_number", RegistryFieldKind.Sealed, Personal: true, MaxLength: 18),
        new("phone", "phone", RegistryFieldKind.Sealed, Personal: true, MaxLength: 20),
        new("gender", "gender", RegistryFieldKind.Choice, Choices: ["male", "female"]),
        new("birthYear", "birth_year", RegistryFieldKind.Integer, Min: 1880, Max: 2200),
        Address(),
        new("residence", "residence", RegistryFieldKind.Choice, Required: true, Choices: ["registered", "floating"]),
        new("registrationStart", "registration_start", RegistryFieldKind.Date),
        new("registrationExpiry", "registration_expiry", RegistryFieldKind.Date),
        new("keyPersonId", "key_person_id", RegistryFieldKind.Reference, References: KeyPersonReference),
    ]) { Searched = ["name"] };

    public static RegistryTable Housing { get; } = new(RegistryNames.Housing, "registry_housing", "house-",
    [
        Grid,
        Address(required: true),
        new("use", "use", RegistryFieldKind.Choice, Required: true, Choices: ["owner-occupied", "rented", "vacant"]),
        new("ownerId", "owner_id", RegistryFieldKind.Reference, References: RegistryNames.Population),
        new("tenantId", "tenant_id", RegistryFieldKind.Reference, References: RegistryNames.Population),
    ]);

    public static RegistryTable Organisations { get; } = new(RegistryNames.Organisations, "registry_organisation", "org-",
    [
        Grid,
        new("name", "name", RegistryFieldKind.Text, Required: true, MaxLength: 200),
        new("kind", "kind", RegistryFieldKind.Choice, Required: true,
            Choices: ["enterprise", "shop", "social-organisation", "property-management", "residents-committee"]),
        new("licenceNumber", "licence_number", RegistryFieldKind.Text, MaxLength: 40),
        Address(),
    ]) { Searched = ["name"] };

    public static RegistryTable KeyPlaces { get; } = new(RegistryNames.KeyPlaces, "registry_key_place", "place-",
    [
        Grid,
        new("name", "name", RegistryFieldKind.Text, Required: true, MaxLength: 200),
        new("kind", "kind", RegistryFieldKind.Choice, Required: true, Choices: ["school", "hospital", "market", "compound"]),
        new("civilDefence", "civil_defence", RegistryFieldKind.Choice, Required: true, Choices: DefenceStatuses),
        new("physicalDefence", "physical_defence", RegistryFieldKind.Choice, Required: true, Choices: DefenceStatuses),
        new("technicalDefence", "technical_defence", RegistryFieldKind.Choice, Required: true, Choices: DefenceStatuses),
        new("nextInspectionDue", "next_inspection_due", RegistryFieldKind.Date),
        Address(),
    ]) { Searched = ["name"] };

    public static RegistryTable Components { get; } = new(RegistryNames.Components, "registry_component", "comp-",
    [
        Grid,
        new("code", "code", RegistryFieldKind.Text, Required: true, MaxLength: 16),
        new("category", "category", RegistryFieldKind.Text, MaxLength: 4),
        new("lat", "lat", RegistryFieldKind.Number, Required: true, Min: -90, Max: 90),
        new("lon", "lon", RegistryFieldKind.Number, Required: true, Min: -180, Max: 180),
        new("state", "state", RegistryFieldKind.Choice, Required: true, Choices: ["normal", "damaged", "missing", "obstructed"]),
        Address(),
    ]);

    public static IReadOnlyList<RegistryTable> All { get; } = [Addresses, Population, Housing, Organisations, KeyPlaces, Components];

    /// <summary>The table of a registry slug; null for anything that is not one of <see cref="RegistryNames.All"/>.</summary>
    public static RegistryTable? Of(string? registry) => All.FirstOrDefault(t => t.Registry == registry);
}

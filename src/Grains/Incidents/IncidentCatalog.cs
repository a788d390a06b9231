using System.Text.Json;
using System.Xml;
using Npgsql;

namespace OpsCentre.Grains.Incidents;

/// <summary>
/// A category of case (public safety, sanitation, 人民调解 …) with its deadlines per urgency and stage.
/// Stage keys: <c>reported</c> (to accept), <c>accepted</c> (to dispatch), <c>dispatched</c> (to start),
/// <c>resolve</c> (from dispatch to handled — the case's due time), <c>handled</c> (to verify).
/// </summary>
[GenerateSerializer, Immutable, Alias("ops.IncidentCategory")]
public sealed record IncidentCategory(
    [property: Id(0)] string Code,
    [property: Id(1)] string Name,
    [property: Id(2)] IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Deadlines)
{
    public static IReadOnlyList<string> DeadlineKeys { get; } = ["reported", "accepted", "dispatched", "resolve", "handled"];

    /// <summary>The urgencies a case is reported with; a category sets deadlines for each.</summary>
    public static IReadOnlyList<string> Urgencies { get; } = ["normal", "urgent"];

    /// <summary>
    /// Why <paramref name="deadlines"/> cannot be a category's deadlines, or null: every urgency of <see cref="Urgencies"/> with
    /// every stage of <see cref="DeadlineKeys"/>, nothing else, each a positive ISO 8601 duration in days, hours, minutes or
    /// seconds (no years or months, whose length varies) of at most 366 days.
    /// </summary>
    public static string? ProblemWith(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? deadlines)
    {
        var shape = $"{{{string.Join(", ", Urgencies.Select(u => $"\"{u}\": {{{string.Join(", ", DeadlineKeys.Select(k => $"\"{k}\""))}}}"))}}} with ISO 8601 durations such as PT2H or P3D";
        if (deadlines is null || deadlines.Count != Urgencies.Count || !Urgencies.All(deadlines.ContainsKey))
        {
            return shape;
        }

        foreach (var (urgency, stages) in deadlines)
        {
            if (stages is null || stages.Count != DeadlineKeys.Count || !DeadlineKeys.All(stages.ContainsKey))
            {
                return shape;
            }

            if (stages.FirstOrDefault(s => !IncidentDeadlines.IsValidSetting(s.Value)) is { Key: { } stage, Value: var bad })
            {
                return $"{urgency}.{stage}: '{bad}' is not a positive ISO 8601 duration in days, hours, minutes or seconds, at most P366D";
            }
        }

        return null;
    }

    /// <summary>When a period of <paramref name="key"/> that starts at <paramref name="from"/> ends, or null when the category sets none.</summary>
    public DateTimeOffset? Deadline(string urgency, string key, DateTimeOffset from) =>
        Deadlines.TryGetValue(urgency, out var stages) && stages.TryGetValue(key, out var spec) ? IncidentDeadlines.Add(from, spec) : null;
}

/// <summary>
/// A department (职能部门) of a district that cases can be dispatched or transferred to. A disabled one takes no new cases;
/// the cases it had stay readable and countable.
/// </summary>
[GenerateSerializer, Immutable, Alias("ops.Department")]
public sealed record Department([property: Id(0)] string Code, [property: Id(1)] string Name, [property: Id(2)] string DistrictCode, [property: Id(3)] bool Disabled = false);

/// <summary>Deadline arithmetic in the city's time zone.</summary>
public static partial class IncidentDeadlines
{
    public static readonly TimeZoneInfo CityTime = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    /// <summary>
    /// <paramref name="from"/> plus an ISO 8601 duration. A duration of whole days ("P3D") ends at 24:00
    /// Asia/Shanghai of the last day — "within three days" means by the end of the third local day;
    /// any other duration ("PT2H") is exact.
    /// </summary>
    public static DateTimeOffset Add(DateTimeOffset from, string duration)
    {
        var span = XmlConvert.ToTimeSpan(duration);
        if (span.Ticks % TimeSpan.TicksPerDay != 0 || span <= TimeSpan.Zero)
        {
            return from + span;
        }

        var local = TimeZoneInfo.ConvertTime(from, CityTime);
        var endOfDay = local.Date.AddDays(span.Days + 1);
        return new DateTimeOffset(endOfDay, CityTime.GetUtcOffset(endOfDay));
    }

    /// <summary>True for a duration an administrator may set: positive, at most 366 days, in days, hours, minutes and seconds only.</summary>
    public static bool IsValidSetting(string? duration) =>
        duration is not null && SettableDuration().IsMatch(duration) && duration != "P" && !duration.EndsWith('T') && IsValid(duration)
        && XmlConvert.ToTimeSpan(duration) <= TimeSpan.FromDays(366);

    [System.Text.RegularExpressions.GeneratedRegex(@"^P([0-9]{1,4}D)?(T([0-9]{1,5}H)?([0-9]{1,6}M)?([0-9]{1,7}S)?)?$")]
    private static partial System.Text.RegularExpressions.Regex SettableDuration();

    /// <summary>True for a positive ISO 8601 duration.</summary>
    public static bool IsValid(string? duration)
    {
        try
        {
            return duration is not null && XmlConvert.ToTimeSpan(duration) > TimeSpan.Zero;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>Categories and departments in PostgreSQL; read rarely (a case's transitions), so no cache.</summary>
public sealed class IncidentCatalog(NpgsqlDataSource db)
{
    public async Task<IReadOnlyList<IncidentCategory>> CategoriesAsync(CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand("SELECT code, name, deadlines::text FROM incident_category ORDER BY code");
        var categories = new List<IncidentCategory>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            categories.Add(ReadCategory(reader));
        }

        return categories;
    }

    public async Task<IncidentCategory?> CategoryAsync(string code, CancellationToken cancellationToken = default) =>
        (await CategoriesAsync(cancellationToken)).FirstOrDefault(c => c.Code == code);

    public async Task<Department?> DepartmentAsync(string code, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand("SELECT code, name, district_code, disabled FROM department WHERE code = @code");
        command.Parameters.AddWithValue("code", code);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadDepartment(reader) : null;
    }

    /// <summary>The departments of the districts within <paramref name="unit"/>, or of the district that holds it, by code.</summary>
    public async Task<List<Department>> DepartmentsAsync(string unit, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand(
            "SELECT code, name, district_code, disabled FROM department WHERE district_code LIKE @unit || '%' OR @unit LIKE district_code || '%' ORDER BY code");
        command.Parameters.AddWithValue("unit", unit);
        var departments = new List<Department>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            departments.Add(ReadDepartment(reader));
        }

        return departments;
    }

    /// <summary>The category, locked for the rest of <paramref name="transaction"/>, or null.</summary>
    public static async Task<IncidentCategory?> LockCategoryAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string code, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT code, name, deadlines::text FROM incident_category WHERE code = @code FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue("code", code);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadCategory(reader) : null;
    }

    /// <summary>Creates (<paramref name="create"/>) or changes the category inside <paramref name="transaction"/>; false when creating one that exists.</summary>
    public static async Task<bool> WriteCategoryAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IncidentCategory category, bool create, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            create
                ? "INSERT INTO incident_category (code, name, deadlines) VALUES (@code, @name, @deadlines::jsonb) ON CONFLICT (code) DO NOTHING"
                : "UPDATE incident_category SET name = @name, deadlines = @deadlines::jsonb WHERE code = @code",
            connection, transaction);
        command.Parameters.AddWithValue("code", category.Code);
        command.Parameters.AddWithValue("name", category.Name);
        command.Parameters.AddWithValue("deadlines", JsonSerializer.Serialize(category.Deadlines));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The department, locked for the rest of <paramref name="transaction"/>, or null.</summary>
    public static async Task<Department?> LockDepartmentAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string code, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT code, name, district_code, disabled FROM department WHERE code = @code FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue("code", code);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadDepartment(reader) : null;
    }

    /// <summary>Creates (<paramref name="create"/>) or changes (name, disabled) the department inside <paramref name="transaction"/>; false when creating one that exists.</summary>
    public static async Task<bool> WriteDepartmentAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Department department, bool create, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            create
                ? "INSERT INTO department (code, name, district_code, disabled) VALUES (@code, @name, @district, @disabled) ON CONFLICT (code) DO NOTHING"
                : "UPDATE department SET name = @name, disabled = @disabled WHERE code = @code",
            connection, transaction);
        command.Parameters.AddWithValue("code", department.Code);
        command.Parameters.AddWithValue("name", department.Name);
        command.Parameters.AddWithValue("district", department.DistrictCode);
        command.Parameters.AddWithValue("disabled", department.Disabled);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static Department ReadDepartment(NpgsqlDataReader reader) => new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3));

    private static IncidentCategory ReadCategory(NpgsqlDataReader reader)
    {
        var deadlines = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(reader.GetString(2))!;
        return new IncidentCategory(reader.GetString(0), reader.GetString(1), deadlines.ToDictionary(d => d.Key, d => (IReadOnlyDictionary<string, string>)d.Value));
    }

    /// <summary>Creates the category, or overwrites its name and deadlines (tests set a category up this way).</summary>
    public async Task SaveCategoryAsync(IncidentCategory category, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand(
            "INSERT INTO incident_category (code, name, deadlines) VALUES (@code, @name, @deadlines::jsonb) ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, deadlines = EXCLUDED.deadlines");
        command.Parameters.AddWithValue("code", category.Code);
        command.Parameters.AddWithValue("name", category.Name);
        command.Parameters.AddWithValue("deadlines", JsonSerializer.Serialize(category.Deadlines));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Creates the category unless one of its code exists: seeding (<c>CityGen ensure</c>, every start) never undoes what an
    /// administrator changed through the API. True when it was created.
    /// </summary>
    public async Task<bool> CreateCategoryIfMissingAsync(IncidentCategory category, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand(
            "INSERT INTO incident_category (code, name, deadlines) VALUES (@code, @name, @deadlines::jsonb) ON CONFLICT (code) DO NOTHING");
        command.Parameters.AddWithValue("code", category.Code);
        command.Parameters.AddWithValue("name", category.Name);
        command.Parameters.AddWithValue("deadlines", JsonSerializer.Serialize(category.Deadlines));
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Creates the department unless one of its code exists (seeding: a renamed or disabled department stays as it is).</summary>
    public async Task CreateDepartmentIfMissingAsync(Department department, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand(
            "INSERT INTO department (code, name, district_code) VALUES (@code, @name, @district) ON CONFLICT (code) DO NOTHING");
        command.Parameters.AddWithValue("code", department.Code);
        command.Parameters.AddWithValue("name", department.Name);
        command.Parameters.AddWithValue("district", department.DistrictCode);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

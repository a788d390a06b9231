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

    /// <summary>When a period of <paramref name="key"/> that starts at <paramref name="from"/> ends, or null when the category sets none.</summary>
    public DateTimeOffset? Deadline(string urgency, string key, DateTimeOffset from) =>
        Deadlines.TryGetValue(urgency, out var stages) && stages.TryGetValue(key, out var spec) ? IncidentDeadlines.Add(from, spec) : null;
}

/// <summary>A department (职能部门) of a district that cases can be dispatched or transferred to.</summary>
[GenerateSerializer, Immutable, Alias("ops.Department")]
public sealed record Department([property: Id(0)] string Code, [property: Id(1)] string Name, [property: Id(2)] string DistrictCode);

/// <summary>Deadline arithmetic in the city's time zone.</summary>
public static class IncidentDeadlines
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
            var deadlines = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(reader.GetString(2))!;
            categories.Add(new IncidentCategory(reader.GetString(0), reader.GetString(1),
                deadlines.ToDictionary(d => d.Key, d => (IReadOnlyDictionary<string, string>)d.Value)));
        }

        return categories;
    }

    public async Task<IncidentCategory?> CategoryAsync(string code, CancellationToken cancellationToken = default) =>
        (await CategoriesAsync(cancellationToken)).FirstOrDefault(c => c.Code == code);

    public async Task<Department?> DepartmentAsync(string code, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand("SELECT code, name, district_code FROM department WHERE code = @code");
        command.Parameters.AddWithValue("code", code);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new Department(reader.GetString(0), reader.GetString(1), reader.GetString(2)) : null;
    }

    public async Task SaveCategoryAsync(IncidentCategory category, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand(
            "INSERT INTO incident_category (code, name, deadlines) VALUES (@code, @name, @deadlines::jsonb) ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, deadlines = EXCLUDED.deadlines");
        command.Parameters.AddWithValue("code", category.Code);
        command.Parameters.AddWithValue("name", category.Name);
        command.Parameters.AddWithValue("deadlines", JsonSerializer.Serialize(category.Deadlines));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task SaveDepartmentAsync(Department department, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand(
            "INSERT INTO department (code, name, district_code) VALUES (@code, @name, @district) ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name");
        command.Parameters.AddWithValue("code", department.Code);
        command.Parameters.AddWithValue("name", department.Name);
        command.Parameters.AddWithValue("district", department.DistrictCode);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

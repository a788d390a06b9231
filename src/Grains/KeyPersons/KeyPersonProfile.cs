using System.Text.Json;
using NetTopologySuite.Geometries;
using Npgsql;

namespace OpsCentre.Grains.KeyPersons;

/// <summary>
/// What a key person's grain needs from their record, and nothing personal: grid, home position,
/// supervision level with its schedule, when supervision began, the last visit that counted, and
/// their forbidden places as one geometry, and the answer deadline of an open hand-over request (异地协作监管); their
/// responsible officer (社区矫正), an approved travel leave (外出请假), the open deadline of a release notice (刑满释放人员衔接)
/// and the earliest open aftercare task (帮教).
/// </summary>
public sealed record KeyPersonProfile(
    string Grid,
    double HomeLat,
    double HomeLon,
    string SupervisionLevel,
    TimeSpan CheckInEvery,
    TimeSpan VisitEvery,
    DateTimeOffset SupervisedSince,
    DateTimeOffset? LastVisit,
    Geometry? Forbidden,
    int ForbiddenPlaces,
    DateTimeOffset? HandOverRespondBy = null,
    string? Officer = null,
    TravelLeaveWindow? Travel = null,
    DateTimeOffset? ReleaseReceiptBy = null,
    DateTimeOffset? ReleaseFirstVisitBy = null,
    DateTimeOffset? AftercareTaskDue = null)
{
    public static async Task<KeyPersonProfile?> LoadAsync(NpgsqlDataSource db, string id, CancellationToken ct = default)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            SELECT k.grid_code, k.home_lat, k.home_lon, s.supervision_level, s.check_in_every, s.visit_every, s.supervised_since, s.last_visit
            FROM key_person k JOIN key_person_schedule s ON s.id = k.id
            WHERE k.id = $1 AND k.ended_at IS NULL
            """) { Parameters = { new() { Value = id } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT center_lat, center_lon, radius_m, polygon::text FROM key_person_zone WHERE person_id = $1 AND removed_at IS NULL ORDER BY id")
            { Parameters = { new() { Value = id } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT respond_by FROM key_person_hand_over WHERE person_id = $1 AND state = 'requested'")
            { Parameters = { new() { Value = id } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT officer FROM key_person_officer WHERE person_id = $1") { Parameters = { new() { Value = id } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "SELECT area_code, leave_from, return_by FROM key_person_travel_leave WHERE person_id = $1 AND state = 'approved'")
            { Parameters = { new() { Value = id } } });
        // The latest notice only: its receipt while notified, its first visit while confirmed and no visit has found the person since.
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            SELECT r.state, r.confirm_by, r.first_visit_by,
                   EXISTS (SELECT 1 FROM key_person_visit v WHERE v.person_id = r.person_id AND v.outcome <> 'absent' AND v.visited_at >= r.confirmed_at)
            FROM release_notice r WHERE r.person_id = $1 ORDER BY r.notified_at DESC, r.id DESC LIMIT 1
            """) { Parameters = { new() { Value = id } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT min(due_at) FROM aftercare_task WHERE person_id = $1 AND done_at IS NULL")
            { Parameters = { new() { Value = id } } });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var profile = new KeyPersonProfile(reader.GetString(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetString(3),
            reader.GetFieldValue<TimeSpan>(4), reader.GetFieldValue<TimeSpan>(5), reader.GetFieldValue<DateTimeOffset>(6),
            reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7), null, 0);
        await reader.NextResultAsync(ct);
        var places = new List<Geometry>();
        while (await reader.ReadAsync(ct))
        {
            places.Add(reader.IsDBNull(3)
                ? KeyPersonZones.Circle(reader.GetDouble(0), reader.GetDouble(1), reader.GetDouble(2))
                : KeyPersonZones.Polygon(JsonSerializer.Deserialize<double[][]>(reader.GetString(3))!));
        }

        await reader.NextResultAsync(ct);
        if (await reader.ReadAsync(ct))
        {
            profile = profile with { HandOverRespondBy = reader.GetFieldValue<DateTimeOffset>(0) };
        }

        await reader.NextResultAsync(ct);
        if (await reader.ReadAsync(ct))
        {
            profile = profile with { Officer = reader.GetString(0) };
        }

        await reader.NextResultAsync(ct);
        if (await reader.ReadAsync(ct))
        {
            profile = profile with { Travel = new TravelLeaveWindow(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2)) };
        }

        await reader.NextResultAsync(ct);
        if (await reader.ReadAsync(ct))
        {
            profile = reader.GetString(0) == "notified"
                ? profile with { ReleaseReceiptBy = reader.GetFieldValue<DateTimeOffset>(1) }
                : reader.GetBoolean(3) ? profile : profile with { ReleaseFirstVisitBy = reader.GetFieldValue<DateTimeOffset>(2) };
        }

        await reader.NextResultAsync(ct);
        if (await reader.ReadAsync(ct) && !reader.IsDBNull(0))
        {
            profile = profile with { AftercareTaskDue = reader.GetFieldValue<DateTimeOffset>(0) };
        }

        return places.Count == 0 ? profile : profile with
        {
            Forbidden = places.Count == 1 ? places[0] : KeyPersonZones.Factory.CreateGeometryCollection([.. places]).Union(),
            ForbiddenPlaces = places.Count,
        };
    }
}

/// <summary>An approved travel leave (外出请假): the unit whose area is allowed besides the district, from when, and the return deadline.</summary>
public sealed record TravelLeaveWindow(string AreaCode, DateTimeOffset From, DateTimeOffset ReturnBy);

/// <summary>Zones of key persons as geometries (x = longitude, y = latitude, WGS-84).</summary>
public static class KeyPersonZones
{
    public static GeometryFactory Factory { get; } = new(new PrecisionModel(), 4326);

    /// <summary>A 32-gon close enough to a circle at city scale: degrees of latitude and longitude scaled apart.</summary>
    public static Polygon Circle(double lat, double lon, double radiusM)
    {
        var dLat = radiusM / 111_320;
        var dLon = radiusM / (111_320 * Math.Cos(lat * Math.PI / 180));
        var ring = Enumerable.Range(0, 33).Select(i => i * Math.PI * 2 / 32).Select(a => new Coordinate(lon + dLon * Math.Cos(a), lat + dLat * Math.Sin(a))).ToArray();
        ring[^1] = ring[0];
        return Factory.CreatePolygon(ring);
    }

    /// <summary>A polygon from GeoJSON-ordered <c>[lon, lat]</c> pairs; the ring is closed if it is not.</summary>
    public static Polygon Polygon(IReadOnlyList<double[]> lonLat)
    {
        var coordinates = lonLat.Select(p => new Coordinate(p[0], p[1])).ToList();
        if (!coordinates[0].Equals2D(coordinates[^1]))
        {
            coordinates.Add(coordinates[0]);
        }

        return Factory.CreatePolygon([.. coordinates]);
    }

    /// <summary>Why these <c>[lon, lat]</c> pairs are not a usable forbidden place, or null when they are.</summary>
    public static string? ProblemWith(IReadOnlyList<double[]>? lonLat)
    {
        if (lonLat is null || lonLat.Count < 3 || lonLat.Count > 500)
        {
            return "a polygon needs 3 to 500 [lon, lat] points";
        }

        if (lonLat.Any(p => p is not { Length: 2 } || !double.IsFinite(p[0]) || !double.IsFinite(p[1]) || p[0] is < -180 or > 180 || p[1] is < -90 or > 90))
        {
            return "every point is [lon, lat] in WGS-84 degrees";
        }

        try
        {
            var polygon = Polygon(lonLat);
            return polygon.IsValid && polygon.Area > 0 ? null : "the polygon is not simple (its edges cross) or has no area";
        }
        catch (ArgumentException)
        {
            return "a polygon needs at least 3 distinct points";
        }
    }
}

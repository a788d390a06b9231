using Npgsql;
using OpsCentre.Database;
using OpsCentre.Gateway.Photos;

namespace OpsCentre.Gateway.Citizens;

/// <summary>What a resident brought with a report: the case it became, where, what, and the hash of its follow-up token.</summary>
public sealed record CitizenReport(string CaseId, string ServiceCode, string Description, double Lat, double Lon, string? Address, byte[] TokenHash, DateTimeOffset RequestedAt);

/// <summary>A resident's contact details (personal data): never in a list, an event or a log line; read only through an audited, masked read.</summary>
public sealed record CitizenContact(string? Name, string? Phone, string? Email)
{
    public bool IsEmpty => Name is null && Phone is null && Email is null;
}

/// <summary>A resident's case as the public sees it: the report joined with the case's stage from the loop, and the responsible unit's name.</summary>
public sealed record PublicCase(
    string Id, string ServiceCode, string ServiceName, string Description, double Lat, double Lon, string? Address, string Stage,
    string AgencyResponsible, DateTimeOffset RequestedAt, DateTimeOffset UpdatedAt, DateTimeOffset? StageDeadline, DateTimeOffset? ClosedAt,
    int Supporters, string? Rating, DateTimeOffset? RatedAt, DateTimeOffset? ReopenedAt, string UnitCode);

/// <summary>Which residents' cases a public list wants.</summary>
public sealed record PublicCaseFilter(string? ServiceCode, bool? Open, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<string>? Ids, int Take);

/// <summary>
/// The residents' side of their cases (<c>citizen_report</c>, <c>citizen_contact</c>, migration 0020). The case itself is
/// the closed loop's (<c>incident</c>, projected from the event log); this store never writes it.
/// </summary>
public sealed class CitizenReportStore(NpgsqlDataSource db)
{
    /// <summary>Stores the report, its photos and, apart, the contact, in one transaction; false (and nothing changed) when the case's report was stored before.</summary>
    public async Task<bool> SaveAsync(CitizenReport report, CitizenContact contact, IReadOnlyList<EncodedPhoto> photos, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO citizen_report (case_id, service_code, description, lat, lon, address, token_hash, requested_at)
            VALUES (@id, @service, @description, @lat, @lon, @address, @hash, @at) ON CONFLICT DO NOTHING
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue("id", report.CaseId);
            insert.Parameters.AddWithValue("service", report.ServiceCode);
            insert.Parameters.AddWithValue("description", report.Description);
            insert.Parameters.AddWithValue("lat", report.Lat);
            insert.Parameters.AddWithValue("lon", report.Lon);
            insert.Parameters.AddWithValue("address", (object?)report.Address ?? DBNull.Value);
            insert.Parameters.AddWithValue("hash", report.TokenHash);
            insert.Parameters.AddWithValue("at", report.RequestedAt);
            if (await insert.ExecuteNonQueryAsync(ct) == 0)
            {
                return false;
            }
        }

        if (!contact.IsEmpty)
        {
            await using var person = new NpgsqlCommand(
                "INSERT INTO citizen_contact (case_id, name, phone, email) VALUES (@id, @name, @phone, @email)", connection, transaction);
            person.Parameters.AddWithValue("id", report.CaseId);
            person.Parameters.AddWithValue("name", (object?)contact.Name ?? DBNull.Value);
            person.Parameters.AddWithValue("phone", (object?)contact.Phone ?? DBNull.Value);
            person.Parameters.AddWithValue("email", (object?)contact.Email ?? DBNull.Value);
            await person.ExecuteNonQueryAsync(ct);
        }

        await CasePhotoStore.AddAsync(connection, transaction, report.CaseId, photos, CitizenReporting.Actor, report.RequestedAt, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// An open resident's case of the same category reported since <paramref name="since"/> within <paramref name="radiusM"/>
    /// metres (an equirectangular distance, exact enough at city scale); the nearest, else null.
    /// </summary>
    public async Task<string?> NearbyOpenAsync(string serviceCode, double lat, double lon, DateTimeOffset since, double radiusM, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            SELECT r.case_id FROM citizen_report r JOIN incident i ON i.id = r.case_id
            WHERE r.service_code = @service AND r.requested_at >= @since AND i.stage NOT IN ('closed', 'cancelled')
              AND r.lat BETWEEN @lat - @dlat AND @lat + @dlat
              AND 6371000 * sqrt(power(radians(r.lat - @lat), 2) + power(radians(r.lon - @lon) * cos(radians(@lat)), 2)) <= @radius
            ORDER BY power(r.lat - @lat, 2) + power(r.lon - @lon, 2) LIMIT 1
            """);
        command.Parameters.AddWithValue("service", serviceCode);
        command.Parameters.AddWithValue("since", since);
        command.Parameters.AddWithValue("lat", lat);
        command.Parameters.AddWithValue("lon", lon);
        command.Parameters.AddWithValue("dlat", radiusM / 111_000.0);
        command.Parameters.AddWithValue("radius", radiusM);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Counts one more resident supporting a case (a duplicate report of it) and adds their photos to the case's, in one transaction.</summary>
    public async Task AddSupporterAsync(string caseId, IReadOnlyList<EncodedPhoto> photos, DateTimeOffset at, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // The update locks the report's row first, so duplicates arriving together number their photos one after another.
        await using (var command = new NpgsqlCommand("UPDATE citizen_report SET supporters = supporters + 1 WHERE case_id = @id", connection, transaction))
        {
            command.Parameters.AddWithValue("id", caseId);
            await command.ExecuteNonQueryAsync(ct);
        }

        await CasePhotoStore.AddAsync(connection, transaction, caseId, photos, CitizenReporting.Actor, at, ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>Whether <paramref name="tokenHash"/> is the hash of the case's follow-up token.</summary>
    public async Task<bool> TokenMatchesAsync(string caseId, byte[] tokenHash, CancellationToken ct)
    {
        await using var command = db.CreateCommand("SELECT token_hash FROM citizen_report WHERE case_id = @id");
        command.Parameters.AddWithValue("id", caseId);
        return await command.ExecuteScalarAsync(ct) is byte[] stored && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(stored, tokenHash);
    }

    /// <summary>Records the resident's rating of a closed case, once; false when it was rated before.</summary>
    public async Task<bool> RateAsync(string caseId, string rating, string? comment, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            "UPDATE citizen_report SET rating = @rating, rating_comment = @comment, rated_at = @at WHERE case_id = @id AND rating IS NULL");
        command.Parameters.AddWithValue("id", caseId);
        command.Parameters.AddWithValue("rating", rating);
        command.Parameters.AddWithValue("comment", (object?)comment ?? DBNull.Value);
        command.Parameters.AddWithValue("at", at);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Marks the case reopened by its resident (once); the rating is cleared, so the next closure can be rated again.</summary>
    public async Task MarkReopenedAsync(string caseId, DateTimeOffset at, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            "UPDATE citizen_report SET reopened_at = @at, rating = NULL, rating_comment = NULL, rated_at = NULL WHERE case_id = @id AND reopened_at IS NULL");
        command.Parameters.AddWithValue("id", caseId);
        command.Parameters.AddWithValue("at", at);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The contact stored with a case — the one a resident left with their report, or the caller's of a 12345 call
    /// (<c>hotline_caller</c>) — or null when there is none. Callers audit the read (<c>AuditLog</c>).
    /// </summary>
    public async Task<CitizenContact?> ContactAsync(NpgsqlConnection connection, string caseId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT name, phone, email FROM citizen_contact WHERE case_id = @id
            UNION ALL SELECT name, phone, NULL FROM hotline_caller WHERE case_id = @id
            """, connection);
        command.Parameters.AddWithValue("id", caseId);
        var rows = await command.ReadAllAsync(r => new CitizenContact(r.NullableString(0), r.NullableString(1), r.NullableString(2)), ct);
        return rows.FirstOrDefault();
    }

    public async Task<PublicCase?> FindAsync(string caseId, CancellationToken ct) =>
        (await ListAsync(new PublicCaseFilter(null, null, CitizenReporting.Epoch, CitizenReporting.Epoch.AddYears(200), [caseId], 1), ct)).FirstOrDefault();

    /// <summary>Residents' cases newest first, as the filter selects them.</summary>
    public async Task<List<PublicCase>> ListAsync(PublicCaseFilter filter, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            SELECT r.case_id, r.service_code, coalesce(c.name, r.service_code), r.description, r.lat, r.lon, r.address, i.stage,
                   coalesce((SELECT u.name FROM unit_map u WHERE u.code = i.responsible_code), (SELECT d.name FROM department d WHERE d.code = i.responsible_code),
                            (SELECT u.name FROM unit_map u WHERE u.code = left(i.unit_code, 6)), ''),
                   r.requested_at, i.updated_at, i.stage_deadline, i.closed_at, r.supporters, r.rating, r.rated_at, r.reopened_at, i.unit_code
            FROM citizen_report r JOIN incident i ON i.id = r.case_id LEFT JOIN incident_category c ON c.code = r.service_code
            WHERE (@ids::text[] IS NULL OR r.case_id = ANY (@ids)) AND (@service::text IS NULL OR r.service_code = @service)
              AND (@open::boolean IS NULL OR (i.stage NOT IN ('closed', 'cancelled')) = @open)
              AND r.requested_at >= @from AND r.requested_at < @to
            ORDER BY r.requested_at DESC, r.case_id LIMIT @take
            """);
        command.Parameters.AddWithValue("ids", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text, (object?)filter.Ids?.ToArray() ?? DBNull.Value);
        command.Parameters.AddWithValue("service", (object?)filter.ServiceCode ?? DBNull.Value);
        command.Parameters.AddWithValue("open", (object?)filter.Open ?? DBNull.Value);
        command.Parameters.AddWithValue("from", filter.From);
        command.Parameters.AddWithValue("to", filter.To);
        command.Parameters.AddWithValue("take", filter.Take);
        return await command.ReadAllAsync(r => new PublicCase(
            r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetDouble(4), r.GetDouble(5), r.NullableString(6), r.GetString(7), r.GetString(8),
            r.GetFieldValue<DateTimeOffset>(9), r.GetFieldValue<DateTimeOffset>(10), r.NullableTime(11), r.NullableTime(12), r.GetInt32(13), r.NullableString(14),
            r.NullableTime(15), r.NullableTime(16), r.GetString(17)), ct);
    }
}

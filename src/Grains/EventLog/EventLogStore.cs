using Npgsql;
using NpgsqlTypes;

namespace OpsCentre.Grains.EventLog;

/// <summary>
/// The <c>event_log</c> table. Appends come only from a district's <see cref="DistrictEventLogGrain"/>;
/// reads (replay after a sequence number) from anyone, through the primary-key index.
/// </summary>
public sealed class EventLogStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "district_code, seq, unit_code, type, occurred_at, actor, payload::text";

    /// <summary>The highest committed sequence number of the district, 0 when it has none.</summary>
    public async Task<long> LastSeqAsync(string district, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT coalesce(max(seq), 0) FROM event_log WHERE district_code = @d");
        command.Parameters.AddWithValue("d", district);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Up to <paramref name="limit"/> events of the district with seq greater than <paramref name="afterSeq"/>, in order.</summary>
    public async Task<IReadOnlyList<LoggedEvent>> ReadAfterAsync(string district, long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM event_log WHERE district_code = @d AND seq > @after ORDER BY seq LIMIT @limit");
        command.Parameters.AddWithValue("d", district);
        command.Parameters.AddWithValue("after", afterSeq);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>The events of one object (an alert, a case): those of the type family whose payload <c>id</c> is <paramref name="id"/>, in order.</summary>
    public async Task<IReadOnlyList<LoggedEvent>> ReadSubjectAsync(string district, string typePrefix, string id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM event_log WHERE payload ->> 'id' = @id AND district_code = @d AND type LIKE @types ORDER BY seq");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("d", district);
        command.Parameters.AddWithValue("types", typePrefix + "%");
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>
    /// Commits a batch of appends in one transaction: requests whose (caller, opId) is already in the log
    /// (or earlier in this batch) get the stored events back; the others are numbered from
    /// <paramref name="lastSeq"/> + 1 without gaps. A primary-key violation means another writer
    /// numbered events meanwhile; the caller must reload <see cref="LastSeqAsync"/>.
    /// </summary>
    /// <returns>Per request, its events as stored; and the events this call wrote, in order.</returns>
    public async Task<(IReadOnlyList<IReadOnlyList<LoggedEvent>> PerRequest, IReadOnlyList<LoggedEvent> Written)> AppendBatchAsync(
        string district, long lastSeq, IReadOnlyList<AppendRequest> requests, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var stored = await FindStoredAsync(connection, transaction, district, requests, cancellationToken);
        var perRequest = new List<IReadOnlyList<LoggedEvent>>(requests.Count);
        var written = new List<LoggedEvent>();
        var rows = new List<(LoggedEvent Event, string Caller, string OpId, int Index)>();
        var seq = lastSeq;
        foreach (var request in requests)
        {
            var key = (request.Caller, request.OpId);
            if (stored.TryGetValue(key, out var existing))
            {
                perRequest.Add(existing);
                continue;
            }

            var events = new List<LoggedEvent>(request.Events.Count);
            for (var i = 0; i < request.Events.Count; i++)
            {
                var draft = request.Events[i];
                var logged = new LoggedEvent(district, ++seq, draft.UnitCode, draft.Type, ToStoredPrecision(draft.OccurredAt), draft.Actor, draft.PayloadJson);
                events.Add(logged);
                rows.Add((logged, request.Caller, request.OpId, i));
            }

            stored[key] = events;
            perRequest.Add(events);
            written.AddRange(events);
        }

        if (rows.Count > 0)
        {
            await using var import = await connection.BeginBinaryImportAsync(
                "COPY event_log (district_code, seq, unit_code, type, occurred_at, actor, payload, caller, op_id, op_index) FROM STDIN (FORMAT BINARY)",
                cancellationToken);
            foreach (var (e, caller, opId, index) in rows)
            {
                await import.StartRowAsync(cancellationToken);
                await import.WriteAsync(e.DistrictCode, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(e.Seq, NpgsqlDbType.Bigint, cancellationToken);
                await import.WriteAsync(e.UnitCode, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(e.Type, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(e.OccurredAt, NpgsqlDbType.TimestampTz, cancellationToken);
                await import.WriteAsync(e.Actor, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(e.PayloadJson, NpgsqlDbType.Json, cancellationToken);
                await import.WriteAsync(caller, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(opId, NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync(index, NpgsqlDbType.Integer, cancellationToken);
            }

            await import.CompleteAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return (perRequest, written);
    }

    private static async Task<Dictionary<(string, string), IReadOnlyList<LoggedEvent>>> FindStoredAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string district, IReadOnlyList<AppendRequest> requests, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT caller, op_id, {Columns}
            FROM event_log
            WHERE district_code = @d AND (caller, op_id) IN (SELECT * FROM unnest(@callers, @ops))
            ORDER BY caller, op_id, op_index
            """, connection, transaction);
        command.Parameters.AddWithValue("d", district);
        command.Parameters.AddWithValue("callers", requests.Select(r => r.Caller).ToArray());
        command.Parameters.AddWithValue("ops", requests.Select(r => r.OpId).ToArray());
        var found = new Dictionary<(string, string), IReadOnlyList<LoggedEvent>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = (reader.GetString(0), reader.GetString(1));
            if (!found.TryGetValue(key, out var list))
            {
                found[key] = list = new List<LoggedEvent>();
            }

            ((List<LoggedEvent>)list).Add(ReadEvent(reader, offset: 2));
        }

        return found;
    }

    private static async Task<IReadOnlyList<LoggedEvent>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var events = new List<LoggedEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(ReadEvent(reader, offset: 0));
        }

        return events;
    }

    // PostgreSQL keeps microseconds in UTC; answer with exactly what a later read returns.
    private static DateTimeOffset ToStoredPrecision(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return utc.AddTicks(-(utc.Ticks % 10));
    }

    private static LoggedEvent ReadEvent(NpgsqlDataReader reader, int offset) => new(
        reader.GetString(offset),
        reader.GetInt64(offset + 1),
        reader.GetString(offset + 2),
        reader.GetString(offset + 3),
        reader.GetFieldValue<DateTimeOffset>(offset + 4),
        reader.GetString(offset + 5),
        reader.GetString(offset + 6));
}

using Npgsql;

namespace OpsCentre.Grains.EventLog;

/// <summary>
/// The <c>event_log</c> table. Appends come only from a district's <see cref="DistrictEventLogGrain"/>;
/// reads (replay after a sequence number) from anyone, through the primary-key index.
/// </summary>
public sealed class EventLogStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "district_code, seq, unit_code, type, occurred_at, actor, payload::text";
    private const string PrimaryKey = "event_log_pkey";

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
    /// A case's events from every district's log, in the case's order: by the version each carries (every copy of one
    /// event has the same), events from before versions existed first, by seq (they were all in one district's log).
    /// </summary>
    public async Task<IReadOnlyList<LoggedEvent>> ReadCaseAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM event_log WHERE payload ->> 'id' = @id AND type LIKE 'incident.%' ORDER BY coalesce((payload ->> 'version')::integer, 0), seq");
        command.Parameters.AddWithValue("id", id);
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>
    /// Commits a batch of appends: requests whose (caller, opId) is already in the log (or earlier in this batch)
    /// get the stored events back; the others are numbered from <paramref name="lastSeq"/> + 1 without gaps.
    /// A primary-key violation means another writer numbered events meanwhile; the caller must reload
    /// <see cref="LastSeqAsync"/>.
    /// </summary>
    /// <returns>Per request, its events as stored; and the events this call wrote, in order.</returns>
    public async Task<(IReadOnlyList<IReadOnlyList<LoggedEvent>> PerRequest, IReadOnlyList<LoggedEvent> Written)> AppendBatchAsync(
        string district, long lastSeq, IReadOnlyList<AppendRequest> requests, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (requests.Select(r => (r.Caller, r.OpId)).Distinct().Count() == requests.Count)
        {
            // Retries are rare: first try the batch as all new, one statement that commits by itself (one
            // round trip, one flush). A request already stored violates the unique (caller, op_id) and
            // nothing of the statement remains; then the careful path below looks up what is stored.
            var (perRequest, written, rows) = Number(district, lastSeq, requests, []);
            try
            {
                await InsertAsync(connection, null, district, rows, cancellationToken);
                return (perRequest, written);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName != PrimaryKey)
            {
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var stored = await FindStoredAsync(connection, transaction, district, requests, cancellationToken);
        var result = Number(district, lastSeq, requests, stored);
        await InsertAsync(connection, transaction, district, result.Rows, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (result.PerRequest, result.Written);
    }

    /// <summary>Answers stored requests from <paramref name="stored"/> and numbers the others' events from <paramref name="lastSeq"/> + 1.</summary>
    private static (List<IReadOnlyList<LoggedEvent>> PerRequest, List<LoggedEvent> Written, List<Row> Rows) Number(
        string district, long lastSeq, IReadOnlyList<AppendRequest> requests, Dictionary<(string, string), IReadOnlyList<LoggedEvent>> stored)
    {
        var perRequest = new List<IReadOnlyList<LoggedEvent>>(requests.Count);
        var written = new List<LoggedEvent>();
        var rows = new List<Row>();
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
                rows.Add(new Row(logged, request.Caller, request.OpId, i));
            }

            stored[key] = events;
            perRequest.Add(events);
            written.AddRange(events);
        }

        return (perRequest, written, rows);
    }

    /// <summary>One INSERT of all rows, column arrays unnested: a single round trip whatever the batch size.</summary>
    private static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string district, List<Row> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(
            """
            INSERT INTO event_log (district_code, seq, unit_code, type, occurred_at, actor, payload, caller, op_id, op_index)
            SELECT @d, s, u, t, o, a, p::json, c, op, i
            FROM unnest(@s, @u, @t, @o, @a, @p, @c, @op, @i) AS r(s, u, t, o, a, p, c, op, i)
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string>("d", district));
        command.Parameters.Add(new NpgsqlParameter<long[]>("s", rows.ConvertAll(r => r.Event.Seq).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("u", rows.ConvertAll(r => r.Event.UnitCode).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("t", rows.ConvertAll(r => r.Event.Type).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>("o", rows.ConvertAll(r => r.Event.OccurredAt).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("a", rows.ConvertAll(r => r.Event.Actor).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("p", rows.ConvertAll(r => r.Event.PayloadJson).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("c", rows.ConvertAll(r => r.Caller).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("op", rows.ConvertAll(r => r.OpId).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<int[]>("i", rows.ConvertAll(r => r.Index).ToArray()));
        await command.ExecuteNonQueryAsync(cancellationToken);
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

    private sealed record Row(LoggedEvent Event, string Caller, string OpId, int Index);

    private static LoggedEvent ReadEvent(NpgsqlDataReader reader, int offset) => new(
        reader.GetString(offset),
        reader.GetInt64(offset + 1),
        reader.GetString(offset + 2),
        reader.GetString(offset + 3),
        reader.GetFieldValue<DateTimeOffset>(offset + 4),
        reader.GetString(offset + 5),
        reader.GetString(offset + 6));
}

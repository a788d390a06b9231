using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using OpsCentre.Database.Operations;

namespace OpsCentre.Database.Registries;

public sealed partial class RegistryWriter
{
    /// <summary>Below this many creates a batch is written one write at a time: the set-based path pays off for files, not for a handful.</summary>
    public const int SetBasedFrom = 500;

    private const string BatchSavepoint = "registry_batch";

    /// <summary>
    /// From this many creates into an empty registry (a first load) the table's secondary indexes are built after its rows
    /// rather than row by row (<c>registry_defer_indexes</c>, migration 0038): about three times cheaper for a million
    /// rows, and worth the table's lock for the transaction only when the file is large.
    /// </summary>
    public int FirstLoadFrom { get; init; } = 10_000;

    /// <summary>How many rows' values are made ahead of the COPY at a time.</summary>
    private const int PreparedChunk = 1024;

    /// <summary>No timeout (zero) for a batch's statements: a million rows take minutes, not the 30 s of a command; the job's renewals show it alive.</summary>
    private static readonly TimeSpan BatchTimeout = TimeSpan.Zero;

    /// <summary>
    /// Applies many writes in the caller's transaction (an import's lines), answering one outcome per write in their order,
    /// each as <see cref="ApplyAsync(NpgsqlTransaction, RegistryWrite, CancellationToken)"/> would: the same validation,
    /// ownership rule, history, change feed and ledger claims. When any is not applied, others may have been written: the
    /// caller that wants all or nothing rolls its transaction back.
    /// </summary>
    /// <remarks>
    /// New records without an id (most of an import) are written set-based — their ledger claims, rows and change-feed rows
    /// each by one binary <c>COPY</c> — after the checks that need the database are made for all of them at once (grids,
    /// addresses, references, earlier claims of their operation ids). A create whose operation id was claimed before goes
    /// the single way (it replays); so do updates and creates that name their id. Should the set-based insert break a
    /// unique rule (an ID number or component code held twice), it is undone and the whole group goes the single way, so
    /// each write gets its own answer.
    /// </remarks>
    /// <param name="claimEach">
    /// Whether each set-based create claims its own operation id in the ledger. An import says no: its lines are applied
    /// all together or not at all under the job's own claimed operation id, so no line can be replayed by itself, and a
    /// million per-line claims would cost the import a sixth of its time. The change feed keeps each line's operation id.
    /// </param>
    public async Task<IReadOnlyList<RegistryWriteOutcome>> ApplyManyAsync(NpgsqlTransaction tx, IReadOnlyList<RegistryWrite> writes, CancellationToken ct,
        bool claimEach = true)
    {
        var outcomes = new RegistryWriteOutcome?[writes.Count];
        var creates = Enumerable.Range(0, writes.Count).Where(i => writes[i].Action == RegistryActions.Create && writes[i].Id is null).ToList();
        if (creates.Count >= SetBasedFrom)
        {
            foreach (var group in creates.GroupBy(i => writes[i].Registry))
            {
                await CreateManyAsync(tx, writes, [.. group], outcomes, claimEach, ct);
            }
        }

        for (var i = 0; i < writes.Count; i++)
        {
            outcomes[i] ??= await ApplyAsync(tx, writes[i], ct);
        }

        return outcomes!;
    }

    /// <summary>A create on its way through the set-based path: its write, its new id and its parsed fields.</summary>
    private sealed record PendingCreate(int Index, RegistryWrite Write, string Id, Dictionary<string, Value> Parsed);

    /// <summary>Writes the creates <paramref name="indexes"/> set-based; those it leaves without an outcome go the single way.</summary>
    private async Task CreateManyAsync(NpgsqlTransaction tx, IReadOnlyList<RegistryWrite> writes, List<int> indexes, RegistryWriteOutcome?[] outcomes,
        bool claimEach, CancellationToken ct)
    {
        var connection = tx.Connection ?? throw new InvalidOperationException("the transaction has already completed");
        if (RegistryFields.Of(writes[indexes[0]].Registry) is not { } table)
        {
            return;
        }

        // Parsed on both cores (each write on its own); the new ids consecutive from a random start, so a batch's rows
        // go into a few neighbouring pages of the id indexes (the table's key and the change feed's) rather than into
        // pages all over them — an import of a million lines spends a fifth less in the indexes.
        var first = BitConverter.ToUInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)) & (ulong.MaxValue >> 1);
        var prepared = new (PendingCreate? Create, RegistryWriteOutcome? Problem)[indexes.Count];
        Parallel.For(0, indexes.Count, new ParallelOptions { CancellationToken = ct }, k =>
            prepared[k] = Prepare(table, writes[indexes[k]], table.IdPrefix + (first + (ulong)k).ToString("x16", System.Globalization.CultureInfo.InvariantCulture)));
        var pending = new List<PendingCreate>(indexes.Count);
        for (var k = 0; k < indexes.Count; k++)
        {
            if (prepared[k] is (_, { } problem))
            {
                outcomes[indexes[k]] = problem;
            }
            else
            {
                pending.Add(prepared[k].Create! with { Index = indexes[k] });
            }
        }

        if (claimEach)
        {
            pending = await UnclaimedAsync(connection, tx, pending, ct);
        }

        await CheckManyAsync(connection, tx, table, pending, outcomes, ct);
        pending = [.. pending.Where(p => outcomes[p.Index] is null)];
        if (pending.Count == 0)
        {
            return;
        }

        var changed = new ChangedFieldSets(table);
        await tx.SaveAsync(BatchSavepoint, ct);
        try
        {
            var now = clock.GetUtcNow();
            if (claimEach)
            {
                await ClaimManyAsync(connection, pending, ct);
            }

            var firstLoad = pending.Count >= FirstLoadFrom && await IndexesAsync(connection, tx, "registry_defer_indexes", table, ct) > 0;
            await InsertManyAsync(connection, tx, table, pending, searchIndexed: !firstLoad, ct);
            await AddChangesAsync(connection, table, pending, changed, now, ct);
            if (firstLoad)
            {
                // A unique index that cannot be built fails here as the rows' inserts would have (caught below).
                await IndexesAsync(connection, tx, "registry_restore_indexes", table, ct);
            }

            await tx.ReleaseAsync(BatchSavepoint, ct);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation)
        {
            // An ID number or a component code twice: the single way names each write that breaks it.
            await tx.RollbackAsync(BatchSavepoint, ct);
            return;
        }

        foreach (var p in pending)
        {
            outcomes[p.Index] = RegistryWriteOutcome.Applied(p.Id, 1, changed.Of(p));
        }
    }

    /// <summary>A create's shape and fields, parsed as the single way parses them; or why it is invalid.</summary>
    private (PendingCreate? Create, RegistryWriteOutcome? Problem) Prepare(RegistryTable table, RegistryWrite write, string id)
    {
        if (Shape(write) is { } malformed)
        {
            return (null, malformed);
        }

        var parsed = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var (name, node) in write.Data)
        {
            if (table.Field(name) is not { } field)
            {
                return (null, RegistryWriteOutcome.Invalid(name, $"{name} is not a field of {table.Registry}; its fields: {string.Join(", ", table.Fields.Select(f => f.Name))}"));
            }

            var value = Parse(field, node);
            if (value.Error is { } error)
            {
                return (null, RegistryWriteOutcome.Invalid(name, error));
            }

            parsed[name] = value.Value!;
        }

        return (new PendingCreate(0, write, id, parsed), null);
    }

    private static Operation OperationOf(RegistryWrite write) => new(CallerOf(write), write.OpId, OperationKind, OperationIds.Hash(write.Registry, write.Id, write.Action,
        OperationIds.Json(write.Data.ToJsonString()), write.Source, write.CollectedBy, write.CollectedAt));

    /// <summary>The creates whose operation ids nobody claimed yet; the others go the single way (a replay, or a reuse).</summary>
    private static async Task<List<PendingCreate>> UnclaimedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, List<PendingCreate> pending, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "SELECT f.i FROM unnest(@callers, @ops) WITH ORDINALITY AS f (caller, op_id, i) JOIN operation_ledger l ON l.caller = f.caller AND l.op_id = f.op_id",
            connection, tx) { CommandTimeout = 0 };
        command.Parameters.AddWithValue("callers", pending.Select(p => CallerOf(p.Write)).ToArray());
        command.Parameters.AddWithValue("ops", pending.Select(p => p.Write.OpId).ToArray());
        var claimed = new HashSet<long>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                claimed.Add(reader.GetInt64(0) - 1);
            }
        }

        return claimed.Count == 0 ? pending : [.. pending.Where((_, i) => !claimed.Contains(i))];
    }

    /// <summary>
    /// What the single way checks in the database, for all creates at once: the grid of a create with an address is its
    /// address's (and must agree with a grid it names), the grid is the map's, the required fields are there, the fields
    /// agree with each other, and every reference names a live record. A create that fails gets its outcome.
    /// </summary>
    private static async Task CheckManyAsync(NpgsqlConnection connection, NpgsqlTransaction tx, RegistryTable table, List<PendingCreate> pending,
        RegistryWriteOutcome?[] outcomes, CancellationToken ct)
    {
        var live = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var addressGrids = new Dictionary<string, string>(StringComparer.Ordinal);
        if (table.Field("addressId") is not null)
        {
            var addresses = pending.Select(p => p.Parsed.TryGetValue("addressId", out var a) ? a.Key : null).OfType<string>().Distinct().ToArray();
            await using var command = new NpgsqlCommand($"SELECT id, unit_code FROM {RegistryFields.Addresses.Table} WHERE id = ANY (@ids) AND removed_at IS NULL", connection, tx);
            command.Parameters.AddWithValue("ids", addresses);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                addressGrids[reader.GetString(0)] = reader.GetString(1);
            }
        }

        foreach (var p in pending)
        {
            if (p.Parsed.TryGetValue("addressId", out var address) && address.Key is { } addressId)
            {
                if (!addressGrids.TryGetValue(addressId, out var grid))
                {
                    outcomes[p.Index] = RegistryWriteOutcome.Invalid("addressId", $"no address {addressId}");
                }
                else if (!p.Parsed.TryGetValue("unitCode", out var named) || named.Key is null)
                {
                    p.Parsed["unitCode"] = new Value(grid, grid);
                }
                else if (named.Key != grid)
                {
                    outcomes[p.Index] = RegistryWriteOutcome.Invalid("addressId", $"address {addressId} is in grid {grid}, not {named.Key}");
                }
            }
        }

        var grids = await ExistingAsync(connection, tx, "SELECT code FROM unit_map WHERE code = ANY (@ids)",
            pending.Select(p => p.Parsed.TryGetValue("unitCode", out var g) ? g.Key : null), ct);
        foreach (var field in table.Fields.Where(f => f.Kind == RegistryFieldKind.Reference && f.Name != "addressId"))
        {
            var sql = field.References == RegistryFields.KeyPersonReference
                ? "SELECT id FROM key_person WHERE id = ANY (@ids) AND ended_at IS NULL"
                : $"SELECT id FROM {RegistryFields.Of(field.References)!.Table} WHERE id = ANY (@ids) AND removed_at IS NULL";
            live[field.Name] = await ExistingAsync(connection, tx, sql, pending.Select(p => p.Parsed.TryGetValue(field.Name, out var r) ? r.Key : null), ct);
        }

        foreach (var p in pending.Where(p => outcomes[p.Index] is null))
        {
            // The create's values read in place: a dictionary of them per line would cost a million lines a gigabyte of garbage.
            string? After(string name) => p.Parsed.TryGetValue(name, out var v) ? v.Key : null;
            outcomes[p.Index] = After("unitCode") is { } grid && !grids.Contains(grid) ? RegistryWriteOutcome.Invalid("unitCode", $"the city has no grid {grid}")
                : table.Fields.FirstOrDefault(f => f.Required && After(f.Name) is null) is { } missing ? RegistryWriteOutcome.Invalid(missing.Name, $"{missing.Name} is required")
                : Consistency(table, After) is { } inconsistent ? inconsistent
                : live.FirstOrDefault(r => After(r.Key) is { } target && !r.Value.Contains(target)) is { Key: { } field }
                    ? RegistryWriteOutcome.Invalid(field, $"no {(table.Field(field)!.References == RegistryFields.KeyPersonReference ? "key person" : table.Field(field)!.References)} record {After(field)}")
                : null;
        }
    }

    private static async Task<HashSet<string>> ExistingAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, IEnumerable<string?> ids, CancellationToken ct)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        var wanted = ids.OfType<string>().Distinct().ToArray();
        if (wanted.Length == 0)
        {
            return found;
        }

        await using var command = new NpgsqlCommand(sql, connection, tx);
        command.Parameters.AddWithValue("ids", wanted);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found.Add(reader.GetString(0));
        }

        return found;
    }

    /// <summary>
    /// The fields each create fills with a value (what it changes, in the table's order), made once per set of fields and
    /// shared by the creates that fill the same ones: a file's lines mostly do, so a million lines need a handful of lists.
    /// </summary>
    private sealed class ChangedFieldSets(RegistryTable table)
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string[]> sets = new(StringComparer.Ordinal);

        public string[] Of(PendingCreate p) => sets.GetOrAdd(Signature(p), static (_, state) =>
            [.. state.table.Fields.Where(f => state.p.Parsed.TryGetValue(f.Name, out var v) && v.Key is not null).Select(f => f.Name)], (table, p));

        /// <summary>Which of the table's fields the create fills, as one character per field.</summary>
        private string Signature(PendingCreate p) => string.Create(table.Fields.Count, (table, p), static (span, state) =>
        {
            for (var f = 0; f < span.Length; f++)
            {
                span[f] = state.p.Parsed.TryGetValue(state.table.Fields[f].Name, out var v) && v.Key is not null ? '1' : '0';
            }
        });
    }

    /// <summary>Defers (drops, keeping their definitions) or restores (builds) the table's secondary indexes; answers how many.</summary>
    private static async Task<int> IndexesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string function, RegistryTable table, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}(@table)", connection, tx) { CommandTimeout = 0 };
        command.Parameters.AddWithValue("table", table.Table);
        return (int)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task ClaimManyAsync(NpgsqlConnection connection, List<PendingCreate> pending, CancellationToken ct)
    {
        await using var copy = await connection.BeginBinaryImportAsync("COPY operation_ledger (caller, op_id, kind, request_hash, result_id) FROM STDIN (FORMAT BINARY)", ct);
        copy.Timeout = BatchTimeout;
        foreach (var p in pending)
        {
            var operation = OperationOf(p.Write);
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(operation.Caller, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(operation.OpId, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(operation.Kind, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(operation.RequestHash, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(p.Id, NpgsqlDbType.Text, ct);
        }

        await copy.CompleteAsync(ct);
    }

    /// <summary>
    /// The rows by one binary COPY, with their search tokens computed here (<see cref="RegistryGrams"/>) rather than by the
    /// database per row; their GIN entries wait in the index's pending list (its limit raised for this transaction) and
    /// go into the index in one sorted pass at the end (<c>registry_flush_search</c>, migration 0029) — unless a first load
    /// builds the index after the rows (<paramref name="searchIndexed"/> false).
    /// </summary>
    private async Task InsertManyAsync(NpgsqlConnection connection, NpgsqlTransaction tx, RegistryTable table, List<PendingCreate> pending,
        bool searchIndexed, CancellationToken ct)
    {
        var columns = table.Fields.SelectMany(ColumnsOf).ToList();
        var searched = table.Searched.Count > 0;
        if (searched && searchIndexed)
        {
            await using var limit = new NpgsqlCommand("SET LOCAL gin_pending_list_limit = '1GB'", connection, tx);
            await limit.ExecuteNonQueryAsync(ct);
        }

        // What each row costs the writer — its sealed identifiers encrypted, its search tokens — made on
        // both cores a chunk ahead of the COPY, which then only sends: PostgreSQL's one backend is what a large COPY waits
        // for. Chunks, not all rows at once: a million rows' prepared values held together would survive collection after
        // collection, and copying them from generation to generation cost more than making them.
        // Each create's provenance is one entry for all the fields it fills (RegistryProvenance.Created), alike for a file's
        // lines: its JSON made once per source, collector and time. Per field it was nine tenths of a resident's row, and
        // parsing it a third of PostgreSQL's time for the COPY.
        var provenances = pending.Select(p => (p.Write.Source, p.Write.CollectedBy, p.Write.CollectedAt)).Distinct()
            .ToDictionary(k => k, k => RegistryProvenance.OfCreate(k.Source, k.CollectedBy, k.CollectedAt).ToJsonString());
        Task<PreparedRow[]> PrepareChunk(int start) => Task.Run(() =>
        {
            var chunk = new PreparedRow[Math.Min(PreparedChunk, pending.Count - start)];
            Parallel.For(0, chunk.Length, new ParallelOptions { CancellationToken = ct }, i => chunk[i] = PrepareRow(table, pending[start + i], provenances));
            return chunk;
        }, ct);

        await using (var copy = await connection.BeginBinaryImportAsync(
            $"COPY {table.Table} (id, {string.Join(", ", columns)}, source, collected_by, collected_at, version, provenance{(searched ? ", search" : "")}) FROM STDIN (FORMAT BINARY)", ct))
        {
            copy.Timeout = BatchTimeout;
            var next = PrepareChunk(0);
            for (var start = 0; start < pending.Count; start += PreparedChunk)
            {
                var rows = await next;
                next = start + PreparedChunk < pending.Count ? PrepareChunk(start + PreparedChunk) : Task.FromResult(Array.Empty<PreparedRow>());
                for (var i = 0; i < rows.Length; i++)
                {
                    await WriteRowAsync(copy, table, pending[start + i], rows[i], ct);
                }
            }

            await copy.CompleteAsync(ct);
        }

        if (searched && searchIndexed)
        {
            await using var flush = new NpgsqlCommand("SELECT registry_flush_search(@table)", connection, tx) { CommandTimeout = 0 };
            flush.Parameters.AddWithValue("table", table.Table);
            await flush.ExecuteScalarAsync(ct);
            await using var reset = new NpgsqlCommand("SET LOCAL gin_pending_list_limit TO DEFAULT", connection, tx);
            await reset.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>A row's values that cost work to make: each sealed field's cipher text and keyed hash, the search tokens, the provenance.</summary>
    private readonly record struct PreparedRow(byte[]?[] Sealed, NpgsqlTsVector? Search, string Provenance);

    private PreparedRow PrepareRow(RegistryTable table, PendingCreate p, Dictionary<(string, string, DateTimeOffset), string> provenances)
    {
        var sealedValues = new byte[]?[table.Fields.Count * 2];
        for (var f = 0; f < table.Fields.Count; f++)
        {
            var field = table.Fields[f];
            if (field.Kind == RegistryFieldKind.Sealed && p.Parsed.TryGetValue(field.Name, out var value) && value.Stored is string clear)
            {
                sealedValues[2 * f] = cipher.Encrypt(clear);
                // The parsed value's key is the keyed hash already, as \x… hex.
                sealedValues[2 * f + 1] = Convert.FromHexString(value.Key!.AsSpan(2));
            }
        }

        NpgsqlTsVector? search = null;
        if (table.Searched.Count > 0)
        {
            var text = new System.Text.StringBuilder();
            foreach (var name in table.Searched)
            {
                text.Append(p.Parsed.TryGetValue(name, out var part) ? part.Stored as string : null);
            }

            search = RegistryGrams.Vector(text.ToString());
        }

        return new PreparedRow(sealedValues, search, provenances[(p.Write.Source, p.Write.CollectedBy, p.Write.CollectedAt)]);
    }

    private static async Task WriteRowAsync(NpgsqlBinaryImporter copy, RegistryTable table, PendingCreate p, PreparedRow row, CancellationToken ct)
    {
        await copy.StartRowAsync(ct);
        await copy.WriteAsync(p.Id, NpgsqlDbType.Text, ct);
        for (var f = 0; f < table.Fields.Count; f++)
        {
            var field = table.Fields[f];
            if (field.Kind == RegistryFieldKind.Sealed)
            {
                await WriteOrNullAsync(copy, row.Sealed[2 * f], NpgsqlDbType.Bytea, ct);
                await WriteOrNullAsync(copy, row.Sealed[2 * f + 1], NpgsqlDbType.Bytea, ct);
            }
            else if ((p.Parsed.TryGetValue(field.Name, out var value) ? value.Stored : null) is { } stored)
            {
                await copy.WriteAsync(stored, TypeOf(field), ct);
            }
            else
            {
                await copy.WriteNullAsync(ct);
            }
        }

        var write = p.Write;
        await copy.WriteAsync(write.Source, NpgsqlDbType.Text, ct);
        await copy.WriteAsync(write.CollectedBy, NpgsqlDbType.Text, ct);
        await copy.WriteAsync(write.CollectedAt, NpgsqlDbType.TimestampTz, ct);
        await copy.WriteAsync(1, NpgsqlDbType.Integer, ct);
        await copy.WriteAsync(row.Provenance, NpgsqlDbType.Jsonb, ct);
        if (row.Search is { } search)
        {
            await copy.WriteAsync(search, NpgsqlDbType.TsVector, ct);
        }
    }

    private static async Task WriteOrNullAsync(NpgsqlBinaryImporter copy, byte[]? value, NpgsqlDbType type, CancellationToken ct)
    {
        if (value is null)
        {
            await copy.WriteNullAsync(ct);
        }
        else
        {
            await copy.WriteAsync(value, type, ct);
        }
    }

    private static NpgsqlDbType TypeOf(RegistryField field) => field.Kind switch
    {
        RegistryFieldKind.Integer => NpgsqlDbType.Integer,
        RegistryFieldKind.Number => NpgsqlDbType.Double,
        RegistryFieldKind.Date => NpgsqlDbType.Date,
        _ => NpgsqlDbType.Text,
    };

    private static async Task AddChangesAsync(NpgsqlConnection connection, RegistryTable table, List<PendingCreate> pending, ChangedFieldSets changed,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            "COPY registry_change (registry, id, unit_code, action, version, changed_fields, source, collected_by, op_id, at) FROM STDIN (FORMAT BINARY)", ct);
        copy.Timeout = BatchTimeout;
        foreach (var p in pending)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(table.Registry, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(p.Id, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(p.Parsed["unitCode"].Key!, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(RegistryActions.Create, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(1, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(changed.Of(p), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
            await copy.WriteAsync(p.Write.Source, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(p.Write.CollectedBy, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(p.Write.OpId, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, ct);
        }

        await copy.CompleteAsync(ct);
    }
}

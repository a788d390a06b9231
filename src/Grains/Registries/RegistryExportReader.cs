using Npgsql;
using OpsCentre.Database.Registries;

namespace OpsCentre.Grains.Registries;

/// <summary>
/// Reads a registry's live records within a unit for an export (导出), in the columns of its file
/// (<see cref="RegistryFile.Columns"/>): the cells as text, a sealed identifier (ID number, phone) decrypted, every personal
/// cell through the caller's mask. One transaction in a repeatable-read snapshot, so the count that an audit row names
/// before the first row is sent is the count of the rows sent.
/// </summary>
public sealed class RegistryExportReader(NpgsqlDataSource db, PersonalDataCipher cipher)
{
    /// <summary>An open export: how many rows it holds, and the rows themselves, read as they are enumerated (once).</summary>
    public sealed class Export(NpgsqlConnection connection, NpgsqlTransaction transaction, NpgsqlCommand command, long count,
        Func<NpgsqlDataReader, string[]> cells) : IAsyncDisposable
    {
        public long Count { get; } = count;

        public async IAsyncEnumerable<string[]> RowsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
        {
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                yield return cells(reader);
            }
        }

        /// <summary>The rows, read synchronously (for a writer that takes a plain enumerable, as the workbook writer does).</summary>
        public IEnumerable<string[]> Rows()
        {
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                yield return cells(reader);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await command.DisposeAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    /// <summary>
    /// Opens an export of <paramref name="registry"/>'s live records whose grid lies within <paramref name="unit"/>, ordered
    /// by grid and id; <paramref name="mask"/> turns a personal field's clear value into what the caller may see.
    /// </summary>
    public async Task<Export> OpenAsync(string registry, string unit, Func<RegistryField, string, string> mask, CancellationToken ct)
    {
        var table = RegistryFields.Of(registry) ?? throw new ArgumentException($"no registry '{registry}'", nameof(registry));
        var columns = RegistryFile.Columns(registry);
        var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
            const string Within = "unit_code LIKE @prefix AND removed_at IS NULL";
            long count;
            await using (var counting = new NpgsqlCommand($"SELECT count(*) FROM {table.Table} WHERE {Within}", connection, transaction))
            {
                counting.Parameters.AddWithValue("prefix", unit + "%");
                count = (long)(await counting.ExecuteScalarAsync(ct))!;
            }

            var selected = columns.Select(c => c.Field is not { } f ? "id" : f.Kind == RegistryFieldKind.Sealed ? f.Column + "_cipher" : f.Column);
            var command = new NpgsqlCommand($"SELECT {string.Join(", ", selected)} FROM {table.Table} WHERE {Within} ORDER BY unit_code, id", connection, transaction);
            command.Parameters.AddWithValue("prefix", unit + "%");
            return new Export(connection, transaction, command, count, reader => Cells(reader, columns, mask));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private string[] Cells(NpgsqlDataReader reader, IReadOnlyList<RegistryColumn> columns, Func<RegistryField, string, string> mask)
    {
        var cells = new string[columns.Count];
        for (var i = 0; i < columns.Count; i++)
        {
            if (reader.IsDBNull(i))
            {
                cells[i] = "";
                continue;
            }

            var field = columns[i].Field;
            var text = field?.Kind switch
            {
                RegistryFieldKind.Sealed => cipher.Decrypt((byte[])reader.GetValue(i)),
                RegistryFieldKind.Date => RegistryFile.CellOf(reader.GetFieldValue<DateOnly>(i)),
                _ => RegistryFile.CellOf(reader.GetValue(i)),
            };
            cells[i] = field is { Personal: true } ? mask(field, text) : text;
        }

        return cells;
    }
}

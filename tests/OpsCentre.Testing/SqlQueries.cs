using Npgsql;

namespace OpsCentre.Testing;

/// <summary>Reading the test database directly, for what a test checks beneath the API: one way to run a query and read its rows.</summary>
public static class SqlQueries
{
    /// <summary>Every row of <paramref name="sql"/>, each read by <paramref name="read"/>.</summary>
    public static async Task<List<T>> RowsAsync<T>(this NpgsqlDataSource db, string sql, Func<NpgsqlDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(db, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    /// <summary>The first column of the first row of <paramref name="sql"/>.</summary>
    public static async Task<T> ScalarAsync<T>(this NpgsqlDataSource db, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(db, sql, parameters);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Runs <paramref name="sql"/>; the number of rows it changed.</summary>
    public static async Task<int> ExecuteAsync(this NpgsqlDataSource db, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(db, sql, parameters);
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>Asserts that the database refuses <paramref name="sql"/> for lack of privilege.</summary>
    public static async Task AssertRefusedAsync(this NpgsqlDataSource db, string sql)
    {
        await using var command = Command(db, sql, []);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.True(error.SqlState == PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {error.SqlState} {error.MessageText}");
    }

    private static NpgsqlCommand Command(NpgsqlDataSource db, string sql, (string Name, object Value)[] parameters)
    {
        var command = db.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }
}

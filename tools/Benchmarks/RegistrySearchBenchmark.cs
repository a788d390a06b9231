using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using OpsCentre.Database.Operators;
using OpsCentre.Database.Registries;

namespace OpsCentre.Benchmarks;

/// <summary>
/// 综合查询 latency through the real HTTP endpoint as the demo street operator (锦江区's first street): one request at a
/// time (closed loop, after a warm-up), mixing the search's kinds — a resident's name fragment (two characters of a
/// resident's name), an exact ID number, an address fragment, an organisation's name fragment, a component's code prefix —
/// drawn from the street's own rows (ID numbers decrypted with the configured key). Prints p50/p95/p99 per kind and overall.
/// Needs ConnectionStrings__OpsCentre and Registries__PersonalDataKey (scripts/bench-registries.sh sets both).
/// </summary>
public static class RegistrySearchBenchmark
{
    public static async Task<int> RunAsync(Uri gateway, int requests, string password)
    {
        var cipher = PersonalDataCipher.FromBase64(Environment.GetEnvironmentVariable("Registries__PersonalDataKey"));
        await using var db = NpgsqlDataSource.Create(Environment.GetEnvironmentVariable("ConnectionStrings__OpsCentre")
            ?? throw new InvalidOperationException("ConnectionStrings__OpsCentre is not set"));
        var street = DemoOperators.FirstStreet + "%";
        var names = await ColumnAsync(db, "SELECT name FROM registry_person WHERE unit_code LIKE @s ORDER BY md5(id) LIMIT 200", street);
        var ids = (await BytesAsync(db, "SELECT id_number_cipher FROM registry_person WHERE unit_code LIKE @s ORDER BY md5(id) LIMIT 200", street)).Select(cipher.Decrypt).ToList();
        var roads = await ColumnAsync(db, "SELECT road || number FROM registry_address WHERE unit_code LIKE @s ORDER BY md5(id) LIMIT 200", street);
        var organisations = await ColumnAsync(db, "SELECT name FROM registry_organisation WHERE unit_code LIKE @s ORDER BY md5(id) LIMIT 200", street);
        var codes = await ColumnAsync(db, "SELECT left(code, 12) FROM registry_component WHERE unit_code LIKE @s ORDER BY md5(id) LIMIT 200", street);
        await using (var count = db.CreateCommand("SELECT (SELECT count(*) FROM registry_person), (SELECT count(*) FROM registry_housing), (SELECT count(*) FROM registry_organisation), (SELECT count(*) FROM registry_address)"))
        await using (var reader = await count.ExecuteReaderAsync())
        {
            await reader.ReadAsync();
            Console.WriteLine($"registries: {reader.GetInt64(0):N0} residents, {reader.GetInt64(1):N0} dwellings, {reader.GetInt64(2):N0} organisations, {reader.GetInt64(3):N0} addresses");
        }

        if (names.Count == 0 || ids.Count == 0)
        {
            Console.Error.WriteLine("the street has no residents: load the registries first (OPSCENTRE_REGISTRY_SCALE)");
            return 1;
        }

        using var http = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
        using (var signIn = await http.PostAsJsonAsync("/api/v1/auth/token", new { username = "jinjiang.street.operator", password }))
        {
            signIn.EnsureSuccessStatusCode();
            var token = (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var random = new Random(7);
        (string Kind, string Query) Next(int i) => (i % 5) switch
        {
            0 => ("name fragment", Fragment(names[random.Next(names.Count)])),
            1 => ("ID number", ids[random.Next(ids.Count)]),
            2 => ("address fragment", roads[random.Next(roads.Count)]),
            3 => ("organisation name", Fragment(organisations[random.Next(organisations.Count)], 4)),
            _ => ("component code", codes[random.Next(codes.Count)]),
        };

        var timings = new Dictionary<string, List<double>>();
        var hits = 0L;
        for (var i = 0; i < requests + 50; i++)
        {
            var (kind, query) = Next(i);
            var watch = Stopwatch.StartNew();
            using var response = await http.GetAsync($"/api/v1/registry/search?q={Uri.EscapeDataString(query)}&limit=20");
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            watch.Stop();
            if (!response.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"{kind} '{query}': {(int)response.StatusCode} {body}");
                return 1;
            }

            if (i >= 50)
            {
                (timings.TryGetValue(kind, out var list) ? list : timings[kind] = []).Add(watch.Elapsed.TotalMilliseconds);
                hits += body.GetProperty("items").GetArrayLength();
            }
        }

        Console.WriteLine($"{requests} searches as jinjiang.street.operator, one at a time, {hits / (double)requests:F1} hits per page on average (ms):");
        foreach (var (kind, list) in timings.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {kind,-18} n={list.Count,4}  p50 {Percentile(list, 50),7:F1}  p95 {Percentile(list, 95),7:F1}  p99 {Percentile(list, 99),7:F1}");
        }

        var all = timings.Values.SelectMany(l => l).ToList();
        Console.WriteLine($"  {"all",-18} n={all.Count,4}  p50 {Percentile(all, 50),7:F1}  p95 {Percentile(all, 95),7:F1}  p99 {Percentile(all, 99),7:F1}");
        return 0;

        string Fragment(string text, int length = 2) => text.Length <= length ? text : text.Substring(random.Next(text.Length - length + 1), length);
    }

    private static double Percentile(List<double> values, double percentile)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static async Task<List<string>> ColumnAsync(NpgsqlDataSource db, string sql, string street)
    {
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue("s", street);
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private static async Task<List<byte[]>> BytesAsync(NpgsqlDataSource db, string sql, string street)
    {
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue("s", street);
        var values = new List<byte[]>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetFieldValue<byte[]>(0));
        }

        return values;
    }
}

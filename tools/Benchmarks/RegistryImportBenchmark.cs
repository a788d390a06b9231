using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpsCentre.CityGen;
using OpsCentre.Database.Registries;
using OpsCentre.Grains.Imports;
using OpsCentre.Grains.Registries;
using OpsCentre.Testing;

namespace OpsCentre.Benchmarks;

/// <summary>
/// The import rate of a population file (实有人口): loads the demo city into a private PostgreSQL, generates a
/// deterministic population CSV of <c>rows</c> residents spread over the city's grids (names, valid ID numbers, phones,
/// registered and floating with registration dates), and runs it through the import job's own code
/// (<see cref="ImportRunner"/>, as <c>CityGen</c> runs its files): every line checked, duplicates of ID numbers looked up
/// against the registry, written through <see cref="RegistryWriter.ApplyManyAsync"/> in one transaction. Prints the time
/// and the rate.
/// </summary>
public static class RegistryImportBenchmark
{
    public static async Task RunAsync(int rows)
    {
        await using var postgres = await PrivatePostgres.StartAsync();
        var database = await postgres.CreateDatabaseAsync("registry_import_benchmark_" + Guid.NewGuid().ToString("N")[..6]);
        await using var db = NpgsqlDataSource.Create(database.AppConnectionString);
        var load = Stopwatch.StartNew();
        var city = await CityLoader.GenerateAndLoadAsync(db, CitySize.City, 20261202);
        var grids = city.Units.Where(u => u.Code.Length == 15).Select(u => u.Code).Order(StringComparer.Ordinal).ToArray();
        Console.WriteLine($"city loaded: {grids.Length:N0} grids in {load.Elapsed.TotalSeconds:F1} s");

        var generate = Stopwatch.StartNew();
        var file = PopulationFile(rows, grids, seed: 20261202);
        Console.WriteLine($"file generated: {rows:N0} lines, {file.Length / 1024.0 / 1024.0:F1} MiB in {generate.Elapsed.TotalSeconds:F1} s");

        var cipher = new PersonalDataCipher(new byte[32]);
        var runner = new ImportRunner(db, new ImportJobStore(db), TimeProvider.System,
            LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning)).CreateLogger<ImportRunner>())
        {
            Registries = (new RegistryWriter(cipher, TimeProvider.System), cipher),
        };
        var import = Stopwatch.StartNew();
        var job = await runner.SubmitAndRunAsync(new ImportSubmission(RegistryNames.Population, "5101", "5101", "population.csv", file, "benchmark", Guid.NewGuid().ToString()));
        import.Stop();
        var held = await (await db.OpenConnectionAsync()).ExecuteScalarCount("SELECT count(*) FROM registry_person");
        Console.WriteLine($"job {job.State}: {job.RowsRead:N0} lines read, {job.Changes.Added:N0} added, {job.Rejected:N0} refused{(job.Failure is { } f ? " — " + f : "")}");
        Console.WriteLine($"import of {rows:N0} residents: {import.Elapsed.TotalSeconds:F1} s ({rows / import.Elapsed.TotalSeconds:N0} lines/s); registry_person holds {held:N0} rows (target ≤ 60 s for 1,000,000)");
    }

    private static async Task<long> ExecuteScalarCount(this NpgsqlConnection connection, string sql)
    {
        await using (connection)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            return (long)(await command.ExecuteScalarAsync())!;
        }
    }

    /// <summary>A population file in the registry's English header: the same bytes for the same rows, grids and seed.</summary>
    public static byte[] PopulationFile(int rows, IReadOnlyList<string> grids, int seed)
    {
        const string Surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
        const string Given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国建华志强海燕晓东文博子涵欣怡梓轩浩然宇轩雨桐";
        var random = new Random(seed);
        var text = new StringBuilder(rows * 110);
        text.Append(RegistryFile.Header(RegistryNames.Population)).Append('\n');
        for (var i = 0; i < rows; i++)
        {
            var grid = grids[random.Next(grids.Count)];
            var name = Surnames[random.Next(Surnames.Length)].ToString() + Given[random.Next(Given.Length)] + (random.Next(2) == 0 ? Given[random.Next(Given.Length)].ToString() : "");
            // ID numbers unique by construction: the grid's district, a birth date and a sequence that together are the line's number.
            var birth = new DateOnly(1940, 1, 1).AddDays(i / 1000 * 7 + random.Next(7));
            var first17 = string.Create(CultureInfo.InvariantCulture, $"{grid[..6]}{birth:yyyyMMdd}{i % 1000:D3}");
            var idNumber = first17 + IdNumbers.CheckCharacter(first17);
            var year = birth.Year;
            var gender = random.Next(2) == 0 ? "male" : "female";
            var floating = random.Next(4) == 0;
            var start = new DateOnly(2024, 1, 1).AddDays(random.Next(700));
            text.Append(',').Append(grid).Append(',').Append(name).Append(',').Append(idNumber).Append(',')
                .Append("13").Append(random.Next(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(gender).Append(',').Append(year.ToString(CultureInfo.InvariantCulture)).Append(",,")
                .Append(floating ? "floating" : "registered").Append(',')
                .Append(floating ? start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "").Append(',')
                .Append(floating ? start.AddYears(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "").Append(",\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }
}

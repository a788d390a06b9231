using System.Globalization;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using NetTopologySuite.IO;
using Npgsql;
using NpgsqlTypes;
using OpsCentre.Database.Registries;

namespace OpsCentre.CityGen;

/// <summary>
/// How many registry rows a grid of the demo city carries. <see cref="Demo"/> is the run command's; <see cref="Bench"/>
/// spreads the benchmark's 1,000,000 residents, 300,000 dwellings and 100,000 organisations over the city's grids.
/// </summary>
public sealed record RegistryScale(string Name, int AddressesPerGrid, int ResidentsPerGrid, int HousesPerGrid, int OrganisationsPerGrid,
    int KeyPlacesPerGrid, int ComponentsPerGrid)
{
    public static RegistryScale Demo { get; } = new("demo", 12, 30, 10, 3, 1, 6);

    /// <summary>1,000,000 residents, 300,000 dwellings, 100,000 organisations over <paramref name="grids"/> grids (rounded up per grid).</summary>
    public static RegistryScale Bench(int grids) => new("bench", Up(330_000, grids), Up(1_000_000, grids), Up(300_000, grids), Up(100_000, grids), 1, 6);

    /// <summary>A scale by name (<c>demo</c>, <c>bench</c>), for the city's <paramref name="grids"/>.</summary>
    public static RegistryScale Parse(string? name, int grids) => name switch
    {
        null or "" or "demo" => Demo,
        "bench" => Bench(grids),
        _ => throw new ArgumentException($"unknown registry scale '{name}' (demo, bench)"),
    };

    private static int Up(int total, int grids) => Math.Max(1, (total + grids - 1) / grids);
}

/// <summary>
/// The demo city's registries (一标三实 and the rest): per grid, standard addresses on its street's roads, residents at them
/// (about one in five floating, with residence registrations of one year, some expiring within 30 days), dwellings
/// (owner-occupied, rented with a tenant, vacant), organisations, a key place with its 人防/物防/技防 status and next
/// inspection (some overdue), and components (manhole covers, lamps, hydrants…) inside the grid. Deterministic for a seed,
/// a reference date and the city's grids (each grid draws from its own generator, so rows stream to PostgreSQL's binary COPY).
/// Loaded once: a database whose registries hold rows is left as it is. The initial load is the registries' baseline, not
/// changes: the change feed starts after it.
/// </summary>
public static class RegistryDemo
{
    private static readonly string[] Surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高",
        "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "魏", "苏", "吕", "丁", "任", "卢", "姚"];
    private static readonly string[] GivenChars = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "英", "华", "平",
        "建", "国", "志", "海", "燕", "晓", "东", "文", "博", "宇", "浩", "然", "欣", "怡", "梓", "涵", "子", "轩", "雨", "婷", "俊", "鹏", "佳", "琪", "思", "雪", "玉", "兰", "春", "秋"];
    private static readonly string[] RoadStems = ["红星", "人民", "建设", "和平", "青年", "锦华", "蜀都", "天府", "府河", "望江", "玉林", "桂溪", "龙泉", "金沙", "光华", "草堂", "浣花", "双林", "建业", "新华"];
    private static readonly string[] RoadKinds = ["路", "街", "大道", "巷"];
    private static readonly string[] ShopWords = ["餐饮店", "便利店", "药房", "理发店", "五金店", "茶馆", "面馆", "水果店"];
    private static readonly string[] CompanyWords = ["科技有限公司", "商贸有限公司", "建筑工程有限公司", "文化传媒有限公司"];
    private static readonly string[] ComponentCodes = ["0101", "0102", "0103", "0104", "0105", "0106", "0109", "0201", "0202", "0203", "0301", "0302", "0401"];
    private const string CollectedBy = "citygen";

    /// <summary>A grid of the loaded city: code, its street's name, its polygon.</summary>
    public sealed record Grid(string Code, string StreetName, Geometry Area);

    /// <summary>The loaded city's grids, from the map (unit_map), in code order.</summary>
    public static async Task<List<Grid>> GridsAsync(NpgsqlDataSource db, CancellationToken ct = default)
    {
        var streets = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var command = db.CreateCommand("SELECT code, name FROM unit_map WHERE length(code) = 9"))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                streets[reader.GetString(0)] = reader.GetString(1);
            }
        }

        var grids = new List<Grid>();
        var wkb = new WKBReader();
        await using (var command = db.CreateCommand("SELECT code, geometry FROM unit_map WHERE length(code) = 15 AND geometry IS NOT NULL ORDER BY code"))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var code = reader.GetString(0);
                grids.Add(new Grid(code, streets.GetValueOrDefault(code[..9], ""), wkb.Read(reader.GetFieldValue<byte[]>(1))));
            }
        }

        return grids;
    }

    /// <summary>Whether the registries hold any row: the demo load happens once.</summary>
    public static async Task<bool> LoadedAsync(NpgsqlDataSource db, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand("SELECT EXISTS (SELECT 1 FROM registry_address) OR EXISTS (SELECT 1 FROM registry_person)");
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Generates and loads the registries of <paramref name="grids"/> in one transaction; returns the rows written per registry.</summary>
    public static async Task<IReadOnlyDictionary<string, int>> LoadAsync(NpgsqlDataSource db, PersonalDataCipher cipher, IReadOnlyList<Grid> grids,
        RegistryScale scale, int seed, DateOnly today, Action<string>? progress = null, CancellationToken ct = default)
    {
        var at = new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var counts = RegistryNames.All.ToDictionary(r => r, _ => 0);
        var grid = grids.Select((g, i) => new GridRows(g, i, scale, seed, today)).ToList();
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY registry_address (id, unit_code, road, number, building, unit, room, source, collected_by, collected_at, version) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var g in grid)
            {
                foreach (var a in g.Addresses)
                {
                    await copy.WriteRowAsync(ct, a.Id, g.Grid.Code, a.Road, a.Number, a.Building, a.Unit, a.Room, "civil-affairs", CollectedBy, at, 1);
                    counts[RegistryNames.Addresses]++;
                }
            }

            await copy.CompleteAsync(ct);
        }

        progress?.Invoke($"registries: {counts[RegistryNames.Addresses]} addresses");
        var usedIds = new HashSet<string>(StringComparer.Ordinal);
        var phone = 0L;
        await using (var copy = await connection.BeginBinaryImportAsync(
            """
            COPY registry_person (id, unit_code, name, id_number_cipher, id_number_hash, phone_cipher, phone_hash, gender, birth_year, address_id,
                residence, registration_start, registration_expiry, source, collected_by, collected_at, version) FROM STDIN (FORMAT BINARY)
            """, ct))
        {
            foreach (var g in grid)
            {
                foreach (var p in g.Residents(usedIds))
                {
                    // A bijection of the counter onto 9 digits (7 is coprime to 10^9): every resident's phone is distinct.
                    var number = "13" + (++phone * 7_000_003L % 1_000_000_000L).ToString("000000000", CultureInfo.InvariantCulture);
                    await copy.StartRowAsync(ct);
                    await copy.WriteAsync(p.Id, ct);
                    await copy.WriteAsync(g.Grid.Code, ct);
                    await copy.WriteAsync(p.Name, ct);
                    await copy.WriteAsync(cipher.Encrypt(p.IdNumber), NpgsqlDbType.Bytea, ct);
                    await copy.WriteAsync(cipher.Hash(p.IdNumber), NpgsqlDbType.Bytea, ct);
                    await copy.WriteAsync(cipher.Encrypt(number), NpgsqlDbType.Bytea, ct);
                    await copy.WriteAsync(cipher.Hash(number), NpgsqlDbType.Bytea, ct);
                    await copy.WriteAsync(p.Gender, ct);
                    await copy.WriteAsync(p.BirthYear, ct);
                    await copy.WriteAsync(p.AddressId, ct);
                    await copy.WriteAsync(p.Floating ? "floating" : "registered", ct);
                    await WriteDateAsync(copy, p.RegistrationStart, ct);
                    await WriteDateAsync(copy, p.RegistrationStart?.AddYears(1), ct);
                    await copy.WriteAsync("public-security", ct);
                    await copy.WriteAsync(CollectedBy, ct);
                    await copy.WriteAsync(at, NpgsqlDbType.TimestampTz, ct);
                    await copy.WriteAsync(1, ct);
                    counts[RegistryNames.Population]++;
                }
            }

            await copy.CompleteAsync(ct);
        }

        progress?.Invoke($"registries: {counts[RegistryNames.Population]} residents");
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY registry_housing (id, unit_code, address_id, use, owner_id, tenant_id, source, collected_by, collected_at, version) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var g in grid)
            {
                foreach (var h in g.Houses())
                {
                    await copy.WriteRowAsync(ct, h.Id, g.Grid.Code, h.AddressId, h.Use, (object?)h.OwnerId ?? DBNull.Value, (object?)h.TenantId ?? DBNull.Value,
                        "housing-authority", CollectedBy, at, 1);
                    counts[RegistryNames.Housing]++;
                }
            }

            await copy.CompleteAsync(ct);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY registry_organisation (id, unit_code, name, kind, licence_number, address_id, source, collected_by, collected_at, version) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var g in grid)
            {
                foreach (var o in g.Organisations())
                {
                    await copy.WriteRowAsync(ct, o.Id, g.Grid.Code, o.Name, o.Kind, o.Licence, o.AddressId, "market-regulator", CollectedBy, at, 1);
                    counts[RegistryNames.Organisations]++;
                }
            }

            await copy.CompleteAsync(ct);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            """
            COPY registry_key_place (id, unit_code, name, kind, civil_defence, physical_defence, technical_defence, next_inspection_due, address_id,
                source, collected_by, collected_at, version) FROM STDIN (FORMAT BINARY)
            """, ct))
        {
            foreach (var g in grid)
            {
                foreach (var k in g.KeyPlaces())
                {
                    await copy.StartRowAsync(ct);
                    foreach (var value in new object[] { k.Id, g.Grid.Code, k.Name, k.Kind, k.Civil, k.Physical, k.Technical })
                    {
                        await copy.WriteAsync(value, ct);
                    }

                    await copy.WriteAsync(k.Due, NpgsqlDbType.Date, ct);
                    await copy.WriteAsync(k.AddressId, ct);
                    await copy.WriteAsync("public-security", ct);
                    await copy.WriteAsync(CollectedBy, ct);
                    await copy.WriteAsync(at, NpgsqlDbType.TimestampTz, ct);
                    await copy.WriteAsync(1, ct);
                    counts[RegistryNames.KeyPlaces]++;
                }
            }

            await copy.CompleteAsync(ct);
        }

        var serials = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY registry_component (id, unit_code, code, category, lat, lon, state, source, collected_by, collected_at, version) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var g in grid)
            {
                foreach (var c in g.Components())
                {
                    var key = g.Grid.Code[..6] + c.Category;
                    var serial = serials[key] = serials.GetValueOrDefault(key) + 1;
                    var code = key + serial.ToString("000000", CultureInfo.InvariantCulture);
                    await copy.WriteRowAsync(ct, "comp-" + code, g.Grid.Code, code, c.Category, c.Lat, c.Lon, c.State, "urban-management", CollectedBy, at, 1);
                    counts[RegistryNames.Components]++;
                }
            }

            await copy.CompleteAsync(ct);
        }

        await tx.CommitAsync(ct);
        progress?.Invoke("registries: " + string.Join(", ", counts.Select(c => $"{c.Value} {c.Key}")));
        return counts;
    }

    private static async Task WriteDateAsync(NpgsqlBinaryImporter copy, DateOnly? date, CancellationToken ct)
    {
        if (date is { } d)
        {
            await copy.WriteAsync(d, NpgsqlDbType.Date, ct);
        }
        else
        {
            await copy.WriteNullAsync(ct);
        }
    }

    private sealed record Address(string Id, string Road, string Number, string Building, string Unit, string Room);

    private sealed record Resident(string Id, string Name, string IdNumber, string Gender, int BirthYear, string AddressId, bool Floating, DateOnly? RegistrationStart);

    private sealed record House(string Id, string AddressId, string Use, string? OwnerId, string? TenantId);

    private sealed record Organisation(string Id, string Name, string Kind, string Licence, string AddressId);

    private sealed record KeyPlace(string Id, string Name, string Kind, string Civil, string Physical, string Technical, DateOnly Due, string AddressId);

    private sealed record Component(string Category, double Lat, double Lon, string State);

    /// <summary>One grid's rows, from a generator of its own (seed and grid index), in a fixed order.</summary>
    private sealed class GridRows
    {
        private readonly Random _random;
        private readonly RegistryScale _scale;
        private readonly DateOnly _today;
        private readonly List<Resident> _residents = [];

        public GridRows(Grid grid, int index, RegistryScale scale, int seed, DateOnly today)
        {
            Grid = grid;
            _scale = scale;
            _today = today;
            _random = new Random(HashCode.Combine(seed, index));
            var roads = Enumerable.Range(0, 3).Select(_ => RoadStems[_random.Next(RoadStems.Length)] + RoadKinds[_random.Next(RoadKinds.Length)]).Distinct().ToList();
            Addresses = [.. Enumerable.Range(1, scale.AddressesPerGrid).Select(i => new Address(
                $"addr-{grid.Code}-{i:0000}", roads[i % roads.Count], $"{1 + i / 12 + _random.Next(200)}号", $"{1 + _random.Next(12)}栋",
                $"{1 + _random.Next(4)}单元", $"{1 + _random.Next(30)}0{1 + _random.Next(4)}"))];
        }

        public Grid Grid { get; }

        public List<Address> Addresses { get; }

        public IEnumerable<Resident> Residents(HashSet<string> usedIds)
        {
            for (var i = 1; i <= _scale.ResidentsPerGrid; i++)
            {
                var birth = new DateOnly(1940, 1, 1).AddDays(_random.Next(365 * 66));
                string idNumber;
                do
                {
                    var first17 = Grid.Code[..6] + birth.ToString("yyyyMMdd", CultureInfo.InvariantCulture) + _random.Next(1000).ToString("000", CultureInfo.InvariantCulture);
                    idNumber = first17 + IdNumbers.CheckCharacter(first17);
                }
                while (!usedIds.Add(idNumber));

                var male = (idNumber[16] - '0') % 2 == 1;
                var name = Surnames[_random.Next(Surnames.Length)] + GivenChars[_random.Next(GivenChars.Length)]
                    + (_random.Next(3) > 0 ? GivenChars[_random.Next(GivenChars.Length)] : "");
                var floating = _random.Next(5) == 0;
                // A year's residence registration begun within the last year: about one in twelve ends within 30 days.
                DateOnly? start = floating ? _today.AddDays(-_random.Next(1, 365)) : null;
                var resident = new Resident($"per-{Grid.Code}-{i:000000}", name, idNumber, male ? "male" : "female", birth.Year,
                    Addresses[_random.Next(Addresses.Count)].Id, floating, start);
                _residents.Add(resident);
                yield return resident;
            }
        }

        public IEnumerable<House> Houses()
        {
            for (var i = 1; i <= _scale.HousesPerGrid; i++)
            {
                var address = Addresses[(i - 1) % Addresses.Count].Id;
                var atAddress = _residents.Where(r => r.AddressId == address).ToList();
                var roll = _random.Next(20);
                var use = atAddress.Count == 0 || roll >= 17 ? "vacant" : roll >= 12 ? "rented" : "owner-occupied";
                var someone = _residents.Count > 0 ? _residents[_random.Next(_residents.Count)].Id : null;
                yield return use switch
                {
                    "owner-occupied" => new House($"house-{Grid.Code}-{i:00000}", address, use, atAddress[0].Id, null),
                    "rented" => new House($"house-{Grid.Code}-{i:00000}", address, use, someone, atAddress[^1].Id),
                    _ => new House($"house-{Grid.Code}-{i:00000}", address, use, someone, null),
                };
            }
        }

        public IEnumerable<Organisation> Organisations()
        {
            for (var i = 1; i <= _scale.OrganisationsPerGrid; i++)
            {
                var stem = Grid.StreetName.Replace("街道", "", StringComparison.Ordinal);
                var (kind, name) = (i % 10) switch
                {
                    0 => ("property-management", $"{stem}{Surnames[_random.Next(Surnames.Length)]}氏物业服务有限公司"),
                    1 when i == 1 => ("residents-committee", $"{stem}第{Grid.Code[^3..]}网格居民小组"),
                    2 or 3 or 4 => ("enterprise", $"成都{GivenChars[_random.Next(GivenChars.Length)]}{GivenChars[_random.Next(GivenChars.Length)]}{CompanyWords[_random.Next(CompanyWords.Length)]}"),
                    5 => ("social-organisation", $"{stem}{GivenChars[_random.Next(GivenChars.Length)]}心志愿服务社"),
                    _ => ("shop", $"{Surnames[_random.Next(Surnames.Length)]}记{ShopWords[_random.Next(ShopWords.Length)]}"),
                };
                yield return new Organisation($"org-{Grid.Code}-{i:00000}", name, kind,
                    $"92{Grid.Code[..6]}{Grid.Code[9..]}{i:0000}", Addresses[_random.Next(Addresses.Count)].Id);
            }
        }

        public IEnumerable<KeyPlace> KeyPlaces()
        {
            string[] kinds = ["compound", "school", "market", "hospital"];
            string[] statuses = ["met", "met", "met", "partial", "unmet"];
            for (var i = 1; i <= _scale.KeyPlacesPerGrid; i++)
            {
                var kind = kinds[_random.Next(kinds.Length)];
                var stem = RoadStems[_random.Next(RoadStems.Length)];
                var name = kind switch
                {
                    "school" => $"{stem}小学",
                    "hospital" => $"{stem}社区卫生服务中心",
                    "market" => $"{stem}农贸市场",
                    _ => $"{stem}{1 + _random.Next(99)}号院",
                };
                // Inspections fall due from ten days ago to two months ahead: a few are overdue at any time.
                yield return new KeyPlace($"place-{Grid.Code}-{i:000}", name, kind, statuses[_random.Next(statuses.Length)], statuses[_random.Next(statuses.Length)],
                    statuses[_random.Next(statuses.Length)], _today.AddDays(_random.Next(-10, 61)), Addresses[_random.Next(Addresses.Count)].Id);
            }
        }

        public IEnumerable<Component> Components()
        {
            var area = PreparedGeometryFactory.Prepare(Grid.Area);
            var envelope = Grid.Area.EnvelopeInternal;
            var inside = Grid.Area.InteriorPoint.Coordinate;
            for (var i = 1; i <= _scale.ComponentsPerGrid; i++)
            {
                var point = inside;
                for (var attempt = 0; attempt < 10; attempt++)
                {
                    var candidate = new Coordinate(envelope.MinX + _random.NextDouble() * envelope.Width, envelope.MinY + _random.NextDouble() * envelope.Height);
                    if (area.Contains(new Point(candidate)))
                    {
                        point = candidate;
                        break;
                    }
                }

                var roll = _random.Next(20);
                yield return new Component(ComponentCodes[_random.Next(ComponentCodes.Length)], point.Y, point.X,
                    roll == 0 ? "damaged" : roll == 1 ? "missing" : "normal");
            }
        }
    }
}

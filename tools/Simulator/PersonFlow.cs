using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace OpsCentre.Simulator;

/// <summary>
/// Key persons' wristbands and phones: each person stays near home, the phone with the wristband;
/// now and then a person wanders out of their district for a while (a zone breach), leaves the phone
/// at home (device separation), or skips check-ins. Reads only ids, grids and home positions from the
/// generated city's <c>key-persons.csv</c>; provisions two devices per person once, keys kept in the
/// data folder.
/// </summary>
public sealed class PersonFlow(HttpClient http, Func<Task<string>> signIn, string cityDirectory, string dataDirectory, int persons, double statusesPerSecond, Action<string> say)
{
    private sealed class Person(string id, double lat, double lon, string bandKey, string phoneKey)
    {
        public string Id { get; } = id;
        public (double Lat, double Lon) Home { get; } = (lat, lon);
        public string BandKey { get; } = bandKey;
        public string PhoneKey { get; } = phoneKey;
        public int AwayTurns { get; set; }
        public int PhoneLeftTurns { get; set; }
        public long Seq { get; set; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    }

    private readonly Random _random = new(11);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var people = await ProvisionAsync();
        say($"driving {people.Count} key persons' wristbands and phones at {statusesPerSecond} statuses/s");
        var turn = 0L;
        var started = DateTime.UtcNow;
        while (!cancellationToken.IsCancellationRequested)
        {
            var due = started + TimeSpan.FromSeconds(turn / statusesPerSecond);
            if (due > DateTime.UtcNow)
            {
                await Task.Delay(due - DateTime.UtcNow, cancellationToken);
            }

            var person = people[(int)(turn++ % people.Count)];
            try
            {
                await StepAsync(person, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // A busy or restarting gateway: the next turn tries again.
            }
        }
    }

    private async Task StepAsync(Person p, CancellationToken ct)
    {
        if (p.AwayTurns == 0 && _random.NextDouble() < 0.002)
        {
            p.AwayTurns = _random.Next(10, 30);
        }

        if (p.PhoneLeftTurns == 0 && _random.NextDouble() < 0.003)
        {
            p.PhoneLeftTurns = _random.Next(20, 60);
        }

        // Away: about 15 km north, outside the central districts.
        var (lat, lon) = p.AwayTurns > 0 ? (p.Home.Lat + 0.14, p.Home.Lon) : (p.Home.Lat + (_random.NextDouble() - 0.5) * 0.001, p.Home.Lon + (_random.NextDouble() - 0.5) * 0.001);
        p.AwayTurns = Math.Max(0, p.AwayTurns - 1);
        (double Lat, double Lon) phone = p.PhoneLeftTurns > 0 ? p.Home : (lat, lon);
        p.PhoneLeftTurns = Math.Max(0, p.PhoneLeftTurns - 1);
        await PostAsync(p.BandKey, p, lat, lon, strapIntact: _random.NextDouble() > 0.0005, ct);
        await PostAsync(p.PhoneKey, p, phone.Lat, phone.Lon, strapIntact: null, ct);
        // A check-in now and then; one in ten persons-turns that would check in skips it (missed check-ins).
        if (_random.NextDouble() < 0.05 && _random.NextDouble() > 0.1)
        {
            using var checkIn = new HttpRequestMessage(HttpMethod.Post, "/api/v1/device/check-ins");
            checkIn.Headers.Add("X-Device-Key", p.PhoneKey);
            using var _ = await http.SendAsync(checkIn, ct);
        }
    }

    private async Task PostAsync(string key, Person p, double lat, double lon, bool? strapIntact, CancellationToken ct)
    {
        p.Seq++;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/device/status")
        {
            Content = JsonContent.Create(new
            {
                opId = $"{p.Id}-{key[..8]}-{p.Seq}", seq = p.Seq, at = DateTimeOffset.UtcNow, lat = Math.Round(lat, 7), lon = Math.Round(lon, 7),
                accuracyM = 8, batteryPct = 60 + _random.Next(40), strapIntact,
            }),
        };
        request.Headers.Add("X-Device-Key", key);
        using var _ = await http.SendAsync(request, ct);
    }

    private async Task<List<Person>> ProvisionAsync()
    {
        var chosen = File.ReadLines(Path.Combine(cityDirectory, "key-persons.csv")).Skip(1)
            .Select(line => line.Split(','))
            .Where(f => f.Length == 8)
            .Select(f => (Id: f[0], Lat: double.Parse(f[6], System.Globalization.CultureInfo.InvariantCulture), Lon: double.Parse(f[7], System.Globalization.CultureInfo.InvariantCulture)))
            .Take(persons).ToList();
        var file = Path.Combine(dataDirectory, "persons.tsv");
        var known = File.Exists(file)
            ? File.ReadAllLines(file).Select(l => l.Split('\t')).Where(f => f.Length == 3).ToDictionary(f => f[0], f => (f[1], f[2]))
            : [];
        var missing = chosen.Where(c => !known.ContainsKey(c.Id)).ToList();
        if (missing.Count > 0)
        {
            say($"provisioning wristbands and phones for {missing.Count} key persons (once; keys kept in {file})");
            var token = await signIn();
            await using var writer = new StreamWriter(file, append: true);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            foreach (var person in missing)
            {
                var band = await ProvisionAsync(token, "wristband", person.Id);
                var phone = await ProvisionAsync(token, "person-phone", person.Id);
                known[person.Id] = (band, phone);
                await writer.WriteLineAsync($"{person.Id}\t{band}\t{phone}");
            }
        }

        return [.. chosen.Select(c => new Person(c.Id, c.Lat, c.Lon, known[c.Id].Item1, known[c.Id].Item2))];
    }

    private async Task<string> ProvisionAsync(string token, string kind, string personId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/devices") { Content = JsonContent.Create(new { kind, boundTo = personId }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("key").GetString()!;
    }
}
